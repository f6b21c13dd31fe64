"""Job: forgery signals in a city's concrete test data — leads for the quality station and the
discipline inspectors, each with the rows that make the case.

Forged test reports leave statistical traces that honest labs do not. Per lab (or press), over all
its groups, this job looks for six:

- ``pass_line``: batches that pass by less than 1.0 MPa far more often than elsewhere, with almost none
  failing by less than 1.0 MPa — results written to the line, not measured;
- ``low_variance``: three cubes whose range is within 1 % of the middle value, far more often than a
  press and real concrete produce;
- ``repeated_values``: the same three values (to 0.1 MPa, same grade) in several groups of one lab, far
  more often than between different labs;
- ``digit_preference``: last digits of the cube strengths that are not uniform (strengths computed from
  a press's load are; numbers typed in by people are not);
- ``upload_before_test``: a result uploaded before the test it reports (beyond 10 minutes of clock drift);
- ``shared_press``: one press serial reporting tests at two labs in the same period.

The heavy work (group values, margins, counts per lab) is Ibis on DuckDB or Spark; the tests on the
small per-lab tables (binomial, Poisson, χ² from SciPy) run in Python. Thresholds: a lab is named when
the chance of its count under the honest rate (the median lab's) is below 10⁻⁶ and the effect is large.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from scipy import stats as scipy_stats

from jianguan.concrete.evaluation import batch_statistics, batch_verdicts, group_values
from jianguan.concrete.inputs import (
    InputInvalid,
    MissingColumns,
    connect,
    locate_problems,
    open_input,
    typed,
)
from jianguan.lake import engines

SIGNAL_COLUMNS = ("lab_id", "press_serial", "tested_at", "uploaded_at")
ALPHA = 1e-6
NEAR_LINE = 10_000  # 1.0 MPa, in the 1/10,000 MPa of the verdict margins
TIGHT_PERCENT = 1  # a group whose range is within 1 % of its middle value
#: ... named when at least this many times the median lab's rate: honest labs with very careful testing
#: (cube CV 1.8 %) reach about 4×; fabricated groups (40 % of a lab's) about 18×.
TIGHT_FACTOR = 6
CLOCK_TOLERANCE = dt.timedelta(minutes=10)
#: Repeated triples are named at this many times what the lab's near-identical triples predict: honest
#: labs come out at 1.3–2, labs whose typists prefer some digits at 2–2.6, copying labs at 7–40.
REPEAT_FACTOR = 4
#: Last digits are named when their distribution is this far from uniform (total variation distance)
#: as well as significant: with 10⁵ values χ² detects the 1 % unevenness of converting a 0.1 kN reading
#: to 0.1 MPa, which is honest; typed-in digits are 10–25 % off.
DIGIT_DISTANCE = 0.04
MIN_BATCHES = 20
MIN_GROUPS = 50
MIN_VALUES = 300
LEAD_COLUMNS = (
    "lead_id",
    "signal",
    "lab_id",
    "press_serial",
    "examined",
    "observed",
    "expected",
    "p_value",
    "evidence_rows",
    "summary",
)
EVIDENCE_COLUMNS = (
    "lead_id",
    "signal",
    "lab_id",
    "press_serial",
    "batch_id",
    "group_id",
    "tested_at",
    "uploaded_at",
    "f1",
    "f2",
    "f3",
    "detail",
)
MISSING_SIGNAL_COLUMNS = _("%(path)s lacks the column(s) %(columns)s that the forgery signals need.")

Progress = Callable[[str], None]


class Signal(StrEnum):
    PASS_LINE = "pass_line"  # noqa: S105  (a signal name, not a password)
    LOW_VARIANCE = "low_variance"
    REPEATED_VALUES = "repeated_values"
    DIGIT_PREFERENCE = "digit_preference"
    UPLOAD_BEFORE_TEST = "upload_before_test"
    SHARED_PRESS = "shared_press"


SUMMARIES = {
    Signal.PASS_LINE: _(
        "%(observed)s of %(examined)s batches pass by less than 1.0 MPa (about %(expected)s expected); "
        "%(below)s fail by less than 1.0 MPa"
    ),
    Signal.LOW_VARIANCE: _(
        "%(observed)s of %(examined)s groups have three cubes within 1%% of each other (about %(expected)s expected)"
    ),
    Signal.REPEATED_VALUES: _(
        "%(observed)s pairs of groups with the same three values (about %(expected)s expected from the lab's "
        "near-identical ones)"
    ),
    Signal.DIGIT_PREFERENCE: _(
        "last digits of %(examined)s cube strengths are not uniform (χ² = %(observed)s, 9 degrees of freedom); "
        "most frequent: %(digits)s"
    ),
    Signal.UPLOAD_BEFORE_TEST: _("%(observed)s results uploaded before the test time they report"),
    Signal.SHARED_PRESS: _(
        "press %(press)s reported %(observed)s tests here while %(owner)s used it (%(first)s to %(last)s)"
    ),
}
SHARED_PRESS_UNREGISTERED = _(
    "press %(press)s reported tests at %(labs)s in the same period (%(first)s to %(last)s); "
    "no registry says whose press it is"
)
SHARED_PRESS_UNREGISTERED_DETAIL = _("tested on %(press)s, which %(labs)s was also using in the same period")
DETAILS = {
    Signal.PASS_LINE: _("passes by %(margin)s MPa (%(method)s, n = %(n)s)"),
    Signal.LOW_VARIANCE: _("range %(range)s MPa, %(percent)s%% of %(middle)s"),
    Signal.REPEATED_VALUES: _("the same values appear in %(count)s groups of this lab"),
    Signal.DIGIT_PREFERENCE: _("last digit %(digit)s: %(observed)s of %(total)s (expected %(expected)s)"),
    Signal.UPLOAD_BEFORE_TEST: _("uploaded %(hours)s h before the test"),
    Signal.SHARED_PRESS: _("tested on %(press)s, which %(owner)s was using in the same period"),
}


@dataclass
class SignalsResult:
    """The leads (one row per lab and signal, or per press and lab) and their evidence rows."""

    leads: pd.DataFrame
    evidence: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def _text(value: ibis.Value) -> ibis.StringValue:
    return value.cast("string").strip()


def _timestamp(value: ibis.Value) -> ibis.TimestampValue:
    if value.type().is_timestamp():
        return value
    return value.cast("string").strip().try_cast("timestamp")


def _local(value: Any) -> str:
    """A timestamp as local time to the minute (the time zone of the deployment)."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(settings.TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def _fraction(value: int) -> str:
    return f"{value / 10:.1f}"


def find_signals(
    path: str | Path,
    *,
    engine: str | None = None,
    language: str | None = None,
    progress: Progress | None = None,
    press_owners: Mapping[str, str] | None = None,
) -> SignalsResult:
    """Every lead in the file, with its evidence rows; ``press_owners`` is the registry of presses."""
    found = find_signals_in(path, languages=[language], engine=engine, progress=progress, press_owners=press_owners)
    return found[language]


def find_signals_in(
    path: str | Path,
    *,
    languages: Sequence[str | None],
    engine: str | None = None,
    progress: Progress | None = None,
    press_owners: Mapping[str, str] | None = None,
) -> dict[str | None, SignalsResult]:
    """The leads in each of several languages, the file read and its group values computed once
    (the summaries and evidence details differ; the leads and numbers are the same)."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    name = engines.engine_name(engine)
    backend = connect(name)
    raw = open_input(backend, path)
    missing = [column for column in SIGNAL_COLUMNS if column not in raw.columns]
    if missing:
        raise MissingColumns(
            MISSING_SIGNAL_COLUMNS, path=Path(path).name, columns=", ".join(missing), extra={"missing_columns": missing}
        )
    t = typed(raw)
    t = t.mutate(
        lab=_text(t.lab_id),
        press=_text(t.press_serial),
        tested=_timestamp(t.tested_at),
        uploaded=_timestamp(t.uploaded_at),
    )
    say(f"reading and preparing {Path(path).name} on {name}")
    prepared = group_values(t, keep=("lab", "press", "tested", "uploaded", "x1", "x2", "x3"))
    results: dict[str | None, SignalsResult] = {}
    with materialized(backend, prepared) as groups:
        if backend.execute(groups.bad.cast("int64").sum()):
            raise InputInvalid(path=path, problems=[*locate_problems(path)])
        for language in languages:
            with translation.override(language):
                results[language] = _find_all(backend, groups, say, press_owners)
    for result in results.values():
        result.timings["total"] = time.perf_counter() - started
    return results


def _find_all(backend: Any, groups: ibis.Table, say: Progress, press_owners: Mapping[str, str] | None) -> SignalsResult:
    leads: list[dict[str, Any]] = []
    evidence: list[pd.DataFrame] = []
    for stage, finder in (
        ("batches near the pass line", _pass_line),
        ("groups with implausibly low spread", _low_variance),
        ("repeated values", _repeated_values),
        ("last digits", _digit_preference),
        ("uploads before the test", _upload_before_test),
        ("presses at two labs", functools.partial(_shared_press, owners=press_owners)),
    ):
        say(f"looking for {stage}")
        found, rows = finder(backend, groups)
        leads += found
        evidence += rows
    lead_frame = pd.DataFrame(leads, columns=list(LEAD_COLUMNS))
    evidence_frame = (
        pd.concat(evidence, ignore_index=True)[list(EVIDENCE_COLUMNS)]
        if evidence
        else pd.DataFrame(columns=list(EVIDENCE_COLUMNS))
    )
    counts = evidence_frame.groupby("lead_id").size()
    lead_frame["evidence_rows"] = lead_frame["lead_id"].map(counts).fillna(0).astype(int)
    lead_frame = lead_frame.sort_values(["signal", "lab_id", "lead_id"]).reset_index(drop=True)
    evidence_frame = evidence_frame.sort_values(["lead_id", "batch_id", "group_id"], na_position="first")
    return SignalsResult(leads=lead_frame, evidence=evidence_frame.reset_index(drop=True))


@contextmanager
def materialized(backend: Any, expression: ibis.Table) -> Iterator[ibis.Table]:
    """The expression computed once into a temporary table (DuckDB) or a cached view (Spark).

    Ibis's own ``Table.cache()`` cannot release its table on DuckDB with the installed Ibis 12
    (``DROP TABLE`` is emitted without a name), so the jobs do it here.
    """
    global _materialized
    _materialized += 1
    name = f"jianguan_concrete_{os.getpid()}_{_materialized}"
    if backend.name == "pyspark":
        frame = backend._session.sql(backend.compile(expression)).cache()
        frame.createOrReplaceTempView(name)
        try:
            yield backend.table(name)
        finally:
            backend._session.catalog.dropTempView(name)
            frame.unpersist()
    else:
        backend.raw_sql(f"CREATE TEMP TABLE {name} AS {backend.compile(expression)}")
        try:
            yield backend.table(name)
        finally:
            backend.raw_sql(f"DROP TABLE IF EXISTS {name}")


_materialized = 0


def _lead(signal: Signal, lab: str, *, press: str | None = None, **numbers: Any) -> dict[str, Any]:
    summary = str(SUMMARIES[signal]) % {key: _shown(value) for key, value in {**numbers, "press": press}.items()}
    return {
        "lead_id": f"{signal}:{lab}" if press is None else f"{signal}:{press}:{lab}",
        "signal": signal.value,
        "lab_id": lab,
        "press_serial": press or "",
        "examined": numbers.get("examined"),
        "observed": numbers.get("observed"),
        "expected": numbers.get("expected"),
        "p_value": numbers.get("p_value"),
        "evidence_rows": 0,
        "summary": summary,
    }


def _shown(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 1 else f"{value:.2g}"
    return value


def _median_rate(counts: pd.Series, totals: pd.Series, minimum: int) -> float:
    """The median lab's rate among labs with enough data (robust to the forgers themselves)."""
    usable = totals >= minimum
    if usable.any():
        rate = float((counts[usable] / totals[usable]).median())
    else:
        rate = float(counts.sum() / max(int(totals.sum()), 1))
    return max(rate, 1 / max(int(totals.sum()), 1))


def _group_rows(frame: pd.DataFrame, lead_id: str, signal: Signal, details: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": lead_id,
            "signal": signal.value,
            "lab_id": frame["lab"].to_numpy(),
            "press_serial": frame["press"].to_numpy(),
            "batch_id": frame["b"].to_numpy(),
            "group_id": frame["g"].to_numpy(),
            "tested_at": [_local(value) for value in frame["tested"]],
            "uploaded_at": [_local(value) for value in frame["uploaded"]],
            "f1": frame["x1"].to_numpy(),
            "f2": frame["x2"].to_numpy(),
            "f3": frame["x3"].to_numpy(),
            "detail": list(details),
        }
    )


# -- the six signals -----------------------------------------------------------------------------------


Found = tuple[list[dict[str, Any]], list[pd.DataFrame]]


def _pass_line(backend: Any, groups: ibis.Table) -> Found:
    verdicts = batch_verdicts(batch_statistics(groups), explain=False)
    labs = groups.group_by(batch_id=groups.b).aggregate(lab=groups.lab.min())
    v = verdicts.join(labs, "batch_id").filter(verdicts.n_groups > 0)
    near_above = (v.margin >= 0) & (v.margin < NEAR_LINE)
    near_below = (v.margin < 0) & (v.margin >= -NEAR_LINE)
    per_lab = backend.execute(
        v.group_by("lab").aggregate(
            n=v.count(), above=near_above.cast("int64").sum(), below=near_below.cast("int64").sum()
        )
    )
    if per_lab.empty:
        return [], []
    density = _median_rate(per_lab["above"], per_lab["n"], MIN_BATCHES)
    window = per_lab["above"] + per_lab["below"]
    share = _median_rate(per_lab["above"], window, 5)
    leads = []
    for row in per_lab.itertuples():
        if row.n < MIN_BATCHES or row.above < 5 or row.above < 3 * density * row.n:
            continue
        p_density = float(scipy_stats.binom.sf(row.above - 1, row.n, density))
        p_share = float(scipy_stats.binom.sf(row.above - 1, row.above + row.below, min(share, 0.99)))
        if p_density < ALPHA and p_share < ALPHA:
            leads.append(
                _lead(
                    Signal.PASS_LINE,
                    row.lab,
                    examined=int(row.n),
                    observed=int(row.above),
                    expected=density * row.n,
                    p_value=max(p_density, p_share),
                    below=int(row.below),
                )
            )
    if not leads:
        return [], []
    flagged = [lead["lab_id"] for lead in leads]
    rows = backend.execute(
        v.filter(near_above & v.lab.isin(flagged)).select("lab", "batch_id", "n_groups", "method", "margin")
    )
    evidence = []
    for lead in leads:
        mine = rows[rows["lab"] == lead["lab_id"]].sort_values("batch_id")
        details = [
            str(DETAILS[Signal.PASS_LINE]) % {"margin": f"{margin / 10_000:.2f}", "method": method, "n": n}
            for margin, method, n in zip(mine["margin"], mine["method"], mine["n_groups"], strict=True)
        ]
        evidence.append(
            pd.DataFrame(
                {
                    "lead_id": lead["lead_id"],
                    "signal": Signal.PASS_LINE.value,
                    "lab_id": lead["lab_id"],
                    "press_serial": "",
                    "batch_id": mine["batch_id"].to_numpy(),
                    "group_id": "",
                    "tested_at": "",
                    "uploaded_at": "",
                    "f1": None,
                    "f2": None,
                    "f3": None,
                    "detail": details,
                }
            )
        )
    return leads, evidence


def _low_variance(backend: Any, groups: ibis.Table) -> Found:
    tight = _tight(groups)
    per_lab = backend.execute(groups.group_by("lab").aggregate(n=groups.count(), tight=tight.cast("int64").sum()))
    rate = _median_rate(per_lab["tight"], per_lab["n"], MIN_GROUPS)
    leads = []
    for row in per_lab.itertuples():
        if row.n < MIN_GROUPS or row.tight < 10 or row.tight < TIGHT_FACTOR * rate * row.n:
            continue
        p = float(scipy_stats.binom.sf(row.tight - 1, row.n, rate))
        if p < ALPHA:
            leads.append(
                _lead(
                    Signal.LOW_VARIANCE,
                    row.lab,
                    examined=int(row.n),
                    observed=int(row.tight),
                    expected=rate * row.n,
                    p_value=p,
                )
            )
    if not leads:
        return [], []
    rows = backend.execute(groups.filter(tight & groups.lab.isin([lead["lab_id"] for lead in leads])))
    evidence = []
    for lead in leads:
        mine = rows[rows["lab"] == lead["lab_id"]]
        details = [
            str(DETAILS[Signal.LOW_VARIANCE])
            % {
                "range": _fraction(high - low),
                "percent": f"{100 * (high - low) / middle:.1f}",
                "middle": _fraction(middle),
            }
            for low, middle, high in zip(mine["low"], mine["middle"], mine["high"], strict=True)
        ]
        evidence.append(_group_rows(mine, lead["lead_id"], Signal.LOW_VARIANCE, details))
    return leads, evidence


def _tight(groups: ibis.Table) -> ibis.BooleanValue:
    return 100 * (groups.high - groups.low) <= TIGHT_PERCENT * groups.middle


def _pairs(counts: ibis.IntegerValue) -> ibis.IntegerValue:
    return counts * (counts - 1) // 2


def _repeated_values(backend: Any, all_groups: ibis.Table) -> Found:
    """Identical triples beyond what the lab's own near-identical triples predict.

    Each lab is its own baseline: pairs of groups (same grade) whose three values each fall in the
    same 0.3 MPa cell but are not all equal, divided by the 26 other fine combinations of a cell,
    estimate how many exact repeats chance gives *this* lab, with its concrete and its spread.
    Copying adds exact repeats and nothing else. Groups within 1 % are left to ``low_variance``:
    near-equal values repeat far more often than real spreads do, copied or not.
    """
    groups = all_groups.filter(~_tight(all_groups))
    key = ["fk", "d1", "d2", "d3"]
    per_key_lab = groups.group_by([*key, "lab"]).aggregate(c=groups.count())
    exact = per_key_lab.group_by("lab").aggregate(pairs=_pairs(per_key_lab.c).sum(), n=per_key_lab.c.sum())
    coarse_keys = groups.group_by("fk", "lab", c1=groups.d1 // 3, c2=groups.d2 // 3, c3=groups.d3 // 3).aggregate(
        c=groups.count()
    )
    coarse = coarse_keys.group_by("lab").aggregate(coarse_pairs=_pairs(coarse_keys.c).sum())
    per_lab = backend.execute(exact.join(coarse, "lab"))
    leads = []
    for row in per_lab.itertuples():
        observed = int(row.pairs)
        expected = max((int(row.coarse_pairs) - observed) / 26, 0.5)
        p = float(scipy_stats.poisson.sf(observed - 1, expected))
        if observed >= 3 and observed >= REPEAT_FACTOR * expected and p < ALPHA:
            leads.append(
                _lead(
                    Signal.REPEATED_VALUES,
                    str(row.lab),
                    examined=int(row.n),
                    observed=observed,
                    expected=expected,
                    p_value=p,
                )
            )
    if not leads:
        return [], []
    flagged = [lead["lab_id"] for lead in leads]
    keys = per_key_lab.filter((per_key_lab.c >= 2) & per_key_lab.lab.isin(flagged))
    rows = backend.execute(groups.join(keys, [*key, "lab"]).select(*groups.columns, "c"))
    evidence = []
    for lead in leads:
        mine = rows[rows["lab"] == lead["lab_id"]].sort_values(["d1", "d2", "d3", "b", "g"])
        details = [str(DETAILS[Signal.REPEATED_VALUES]) % {"count": count} for count in mine["c"]]
        evidence.append(_group_rows(mine, lead["lead_id"], Signal.REPEATED_VALUES, details))
    return leads, evidence


def _digit_preference(backend: Any, groups: ibis.Table) -> Found:
    counts = {
        f"digit_{digit}": sum(((groups[column] % 10) == digit).cast("int64") for column in ("d1", "d2", "d3")).sum()
        for digit in range(10)
    }
    per_lab = backend.execute(groups.group_by("lab").aggregate(**counts))
    leads = []
    evidence = []
    for row in per_lab.to_dict("records"):
        observed = [int(row[f"digit_{digit}"]) for digit in range(10)]
        total = sum(observed)
        if total < MIN_VALUES:
            continue
        statistic, p = scipy_stats.chisquare(observed)
        distance = sum(abs(count / total - 0.1) for count in observed) / 2
        if p >= ALPHA or distance < DIGIT_DISTANCE:
            continue
        expected = total / 10
        top = sorted(range(10), key=lambda digit: -observed[digit])[:2]
        lead = _lead(
            Signal.DIGIT_PREFERENCE,
            row["lab"],
            examined=total,
            observed=float(statistic),
            expected=9.0,
            p_value=float(p),
            digits=", ".join(f"{digit} ({observed[digit] / total:.0%})" for digit in top),
        )
        leads.append(lead)
        evidence.append(
            pd.DataFrame(
                {
                    "lead_id": lead["lead_id"],
                    "signal": Signal.DIGIT_PREFERENCE.value,
                    "lab_id": row["lab"],
                    "press_serial": "",
                    "batch_id": "",
                    "group_id": "",
                    "tested_at": "",
                    "uploaded_at": "",
                    "f1": None,
                    "f2": None,
                    "f3": None,
                    "detail": [
                        str(DETAILS[Signal.DIGIT_PREFERENCE])
                        % {"digit": digit, "observed": observed[digit], "total": total, "expected": f"{expected:.0f}"}
                        for digit in range(10)
                    ],
                }
            )
        )
    return leads, evidence


def _upload_before_test(backend: Any, groups: ibis.Table) -> Found:
    early = groups.filter(groups.uploaded < groups.tested - ibis.interval(minutes=CLOCK_TOLERANCE.seconds // 60))
    rows = backend.execute(early)
    if rows.empty:
        return [], []
    labs = groups.filter(groups.lab.isin(sorted(rows["lab"].unique())))
    totals = backend.execute(labs.group_by("lab").aggregate(n=labs.count())).set_index("lab")["n"]
    leads = []
    evidence = []
    for lab, mine in rows.groupby("lab", sort=True):
        lead = _lead(
            Signal.UPLOAD_BEFORE_TEST,
            str(lab),
            examined=int(totals.get(lab, len(mine))),
            observed=len(mine),
            expected=0.0,
            p_value=None,
        )
        leads.append(lead)
        mine = mine.sort_values(["b", "g"])
        details = [
            str(DETAILS[Signal.UPLOAD_BEFORE_TEST])
            % {"hours": f"{(pd.Timestamp(tested) - pd.Timestamp(uploaded)).total_seconds() / 3600:.1f}"}
            for tested, uploaded in zip(mine["tested"], mine["uploaded"], strict=True)
        ]
        evidence.append(_group_rows(mine, lead["lead_id"], Signal.UPLOAD_BEFORE_TEST, details))
    return leads, evidence


def _shared_press(backend: Any, groups: ibis.Table, owners: Mapping[str, str] | None = None) -> Found:
    """Presses reporting tests at two labs in overlapping periods.

    With a registry of presses (``owners``: serial → lab), every other lab using a press while its
    owner does is named. Without one, whose press it is cannot be told from the data, so one lead per
    press names all the labs involved (``LAB-A+LAB-B``).
    """
    g = groups.filter(groups.press.notnull() & (groups.press != "") & groups.tested.notnull())
    usage = backend.execute(
        g.group_by(["press", "lab"]).aggregate(n=g.count(), first=g.tested.min(), last=g.tested.max())
    )
    leads: list[dict[str, Any]] = []
    windows: list[tuple[str, list[str], str, pd.Timestamp, pd.Timestamp]] = []

    def overlap(a: Any, b: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        start = max(pd.Timestamp(a.first), pd.Timestamp(b.first))
        end = min(pd.Timestamp(a.last), pd.Timestamp(b.last))
        return (start, end) if start <= end else None  # one after the other: sold or moved, not shared

    for press, labs in usage.groupby("press", sort=True):
        if len(labs) < 2:
            continue
        rows = list(labs.sort_values("lab").itertuples())
        registered = (owners or {}).get(str(press))
        owner = next((row for row in rows if row.lab == registered), None)
        if owner is not None:
            for other in rows:
                if other.lab == owner.lab or (span := overlap(owner, other)) is None:
                    continue
                windows.append((str(press), [str(other.lab)], str(owner.lab), *span))
                leads.append(
                    _lead(
                        Signal.SHARED_PRESS,
                        str(other.lab),
                        press=str(press),
                        examined=int(other.n),
                        observed=int(other.n),
                        expected=0.0,
                        p_value=None,
                        owner=owner.lab,
                        first=_local(span[0])[:10],
                        last=_local(span[1])[:10],
                    )
                )
            continue
        involved: set[str] = set()
        spans = []
        for index, first in enumerate(rows):
            for second in rows[index + 1 :]:
                if (span := overlap(first, second)) is not None:
                    involved |= {str(first.lab), str(second.lab)}
                    spans.append(span)
        if not involved:
            continue
        start, end = min(span[0] for span in spans), max(span[1] for span in spans)
        named = sorted(involved)
        windows.append((str(press), named, "", start, end))
        leads.append(
            {
                **_lead(
                    Signal.SHARED_PRESS,
                    "+".join(named),
                    press=str(press),
                    examined=int(labs["n"].sum()),
                    observed=len(named),
                    expected=1.0,
                    p_value=None,
                    owner="",
                    first=_local(start)[:10],
                    last=_local(end)[:10],
                ),
                "summary": str(SHARED_PRESS_UNREGISTERED)
                % {"press": press, "labs": ", ".join(named), "first": _local(start)[:10], "last": _local(end)[:10]},
            }
        )
    if not leads:
        return [], []
    presses = sorted({window[0] for window in windows})
    found = backend.execute(g.filter(g.press.isin(presses)))
    tested = pd.to_datetime(found["tested"], utc=True)
    evidence = []
    for lead, (press, named, owner, start, end) in zip(leads, windows, strict=True):
        inside = found["press"].eq(press) & found["lab"].isin(named) & tested.between(_utc(start), _utc(end))
        mine = found[inside].sort_values(["lab", "b", "g"])
        if owner:
            details = [str(DETAILS[Signal.SHARED_PRESS]) % {"press": press, "owner": owner}] * len(mine)
        else:
            details = [
                str(SHARED_PRESS_UNREGISTERED_DETAIL)
                % {"press": press, "labs": ", ".join(x for x in named if x != lab)}
                for lab in mine["lab"]
            ]
        evidence.append(_group_rows(mine, lead["lead_id"], Signal.SHARED_PRESS, details))
    return leads, evidence


def _utc(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# -- output and scoring -------------------------------------------------------------------------------------


def write_signals(result: SignalsResult, *, leads: str | Path, evidence: str | Path) -> None:
    """Both CSV files, each replaced atomically."""
    for frame, out in ((result.leads, Path(leads)), (result.evidence, Path(evidence))):
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
        try:
            frame.to_csv(temporary, index=False)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@dataclass(frozen=True)
class Score:
    """How one signal did against the planted truth: leads that point at a planted forgery (precision),
    planted forgeries that some lead points at (recall)."""

    signal: str
    planted: int
    found: int
    leads: int
    true_leads: int

    @property
    def precision(self) -> float:
        return self.true_leads / self.leads if self.leads else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0


def score(leads: pd.DataFrame, planted: Sequence[Any]) -> list[Score]:
    """Precision and recall per signal against planted forgeries (kind, lab, press)."""
    truth = {(str(p.kind), p.lab_id, p.press_serial or "") for p in planted}
    scores = []
    for signal in Signal:
        mine = leads[leads["signal"] == signal.value]
        expected = {item for item in truth if item[0] == signal.value}
        found: set[tuple[str, str, str]] = set()
        true_leads = 0
        for row in mine.itertuples():
            labs = str(row.lab_id).split("+")  # a press without registry names every lab involved
            hits = {(signal.value, lab, str(row.press_serial or "")) for lab in labs} & expected
            found |= hits
            true_leads += bool(hits)
        scores.append(
            Score(signal.value, planted=len(expected), found=len(found), leads=len(mine), true_leads=true_leads)
        )
    return scores
