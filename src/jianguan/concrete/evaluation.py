"""Job: evaluate every inspection batch of a specimen-group file per GB/T 50107-2010.

The city's labs test 100,000+ specimen groups a year; this job gives each batch (检验批) its verdict
— method, n, mean, S, minimum, passed — with the explanation an inspector reads, on DuckDB in-process
or on a Spark cluster. It is one set of Ibis expressions, so both engines give the same verdicts and
the same words; the numbers follow ``domain.py`` exactly (integer arithmetic in the units the
standard rounds to), and the tests hold the two to each other.

Input: ``batch_id, grade, group_id, size_mm, f1, f2, f3`` and optionally ``sigma0`` and
``size_factor`` (CSV or Parquet). Output: one row per batch, ``batch_id, n_groups, mean, s, min,
method, passed, reason`` (the CLI contract), plus ``margin``, ``fcu_k`` and ``n_total`` for other jobs.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from jianguan.concrete.domain import (
    HALF_UP,
    HIGH_STRENGTH_FK,
    NOT_AVAILABLE,
    S_FLOOR,
    SIGMA_KNOWN_LOT,
    STATISTICAL_MIN_GROUPS,
    STRENGTH_RANGE,
    Method,
    Quantity,
    explainer,
)
from jianguan.concrete.inputs import InputInvalid, batch_problem_flags, connect, locate_problems, open_input, typed
from jianguan.lake import engines

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

OUTPUT_COLUMNS = ("batch_id", "n_groups", "mean", "s", "min", "method", "passed", "reason")

Progress = Callable[[str], None]


# -- group values -----------------------------------------------------------------------------------


def _clamped(x: ibis.FloatingValue, low: float, high: float) -> ibis.FloatingValue:
    """x kept inside [low, high]; NaN and ±inf become a bound, so no cast to an integer ever fails.

    Values outside the range are input errors reported by ``inputs``; for valid values this is x.
    """
    return ibis.least(ibis.greatest(x, low), high)


def group_values(t: ibis.Table, *, keep: tuple[str, ...] = ()) -> ibis.Table:
    """Each group's representative value in tenths of a MPa (NULL when excluded), per §4.3.

    Mean of three (half-up), or the middle value when max or min is more than 15 % off it, excluded
    when both are; then the size factor (0.95 / 1.05, or the supplied one from C60) and half-up again.
    Also keeps the cubes in tenths (``d1..d3``, ``low``, ``middle``, ``high``) and the ``keep`` columns.
    """
    low_strength, high_strength = STRENGTH_RANGE

    def tenths(x: ibis.FloatingValue) -> ibis.IntegerValue:
        return (_clamped(x, low_strength, high_strength) * 10 + HALF_UP).floor().cast("int64")

    def hundredths(x: ibis.FloatingValue) -> ibis.IntegerValue:
        return (_clamped(x, 0.0, 100.0) * 100 + HALF_UP).floor().cast("int64")

    t = t.mutate(d1=tenths(t.x1), d2=tenths(t.x2), d3=tenths(t.x3))
    t = t.mutate(low=ibis.least(t.d1, t.d2, t.d3), high=ibis.greatest(t.d1, t.d2, t.d3), total=t.d1 + t.d2 + t.d3)
    t = t.mutate(middle=t.total - t.low - t.high)
    low_off = 100 * (t.middle - t.low) > 15 * t.middle
    high_off = 100 * (t.high - t.middle) > 15 * t.middle
    raw = ibis.cases(
        (low_off & high_off, ibis.null("int64")),
        (low_off | high_off, t.middle),
        else_=(2 * t.total + 3) // 6,
    )
    factor = ibis.cases(
        ((t.fk >= HIGH_STRENGTH_FK) & (t.size != 150), hundredths(t.factor_num)),
        (t.size == 100, 95),
        (t.size == 200, 105),
        else_=100,
    )
    sigma0 = ibis.ifelse(t.sigma0_given, hundredths(t.sigma0_num), ibis.null("int64"))
    return t.select(
        "b",
        "g",
        "fk",
        "grade",
        "bad",
        "d1",
        "d2",
        "d3",
        "low",
        "middle",
        "high",
        *keep,
        value=(raw * factor + 50) // 100,
        sigma0=sigma0,
    )


# -- batch verdicts ---------------------------------------------------------------------------------


def batch_statistics(values: ibis.Table) -> ibis.Table:
    """Per batch: counts, sums for mean and S, minimum, grade and σ0, and the input checks' counts.

    Repeated group ids are counted by :func:`duplicate_groups`, a query of its own: inside this
    aggregation they would force the group values to be materialised for a second consumer.
    """
    v = values
    return v.group_by(batch_id=v.b).aggregate(
        n_total=v.count(),
        n=v.value.count(),
        s1=v.value.sum(),
        s2=(v.value * v.value).sum(),
        minimum=v.value.min(),
        fk_min=v.fk.min(),
        fk_max=v.fk.max(),
        sigma0_min=v.sigma0.min(),
        sigma0_max=v.sigma0.max(),
        sigma0_count=v.sigma0.count(),
        bad_rows=v.bad.cast("int64").sum(),
    )


def _std_hundredths(n: ibis.IntegerValue, s1: ibis.IntegerValue, s2: ibis.IntegerValue) -> ibis.IntegerValue:
    """S in hundredths, half-up, exactly as ``domain.std_hundredths`` (float estimate, integer correction)."""
    numerator = n * s2 - s1 * s1
    denominator = n * (n - 1)
    estimate = (
        ((numerator.cast("float64") * 100.0 / denominator.nullif(0).cast("float64")).sqrt() + 0.5).floor().cast("int64")
    )
    too_high = (estimate > 0) & ((2 * estimate - 1) * (2 * estimate - 1) * denominator > 400 * numerator)
    too_low = (2 * estimate + 1) * (2 * estimate + 1) * denominator <= 400 * numerator
    return ibis.cases(
        (n < 2, ibis.null("int64")),
        (too_high, estimate - 1),
        (too_low, estimate + 1),
        else_=estimate,
    )


def batch_verdicts(stats: ibis.Table, *, language: str | None = None, explain: bool = True) -> ibis.Table:
    """Method, the inequalities (exact, in 1/10,000 MPa), passed, margin and the explanation, per batch.

    ``explain=False`` leaves the reason out (jobs that only need the numbers).
    """
    a = stats
    n = a.n
    fk = a.fk_max
    mean = ibis.ifelse(n > 0, (2 * a.s1 + n) // (2 * n).nullif(0), ibis.null("int64"))
    s = _std_hundredths(n, a.s1, a.s2)
    sigma0 = a.sigma0_max
    sigma_known = (a.sigma0_count > 0) & (n == SIGMA_KNOWN_LOT) & (a.n_total == SIGMA_KNOWN_LOT)
    method = ibis.cases(
        (sigma_known, Method.SIGMA_KNOWN.value),
        (n >= STATISTICAL_MIN_GROUPS, Method.STATISTICAL.value),
        else_=Method.NON_STATISTICAL.value,
    )
    t = a.mutate(fk=fk, mean=mean, s=s, sigma0=sigma0, method=method)

    base = t.fk * 10_000
    s0_used = ibis.greatest(t.sigma0, S_FLOOR)
    s_used = ibis.greatest(t.s, S_FLOOR)
    l1 = ibis.cases((t.n <= 14, 115), (t.n <= 19, 105), else_=95)
    l2 = ibis.cases((t.n <= 14, 90), else_=85)
    l3 = ibis.ifelse(t.fk < HIGH_STRENGTH_FK, 115, 110)
    known_min = ibis.ifelse(t.fk <= 20, 85, 90)
    is_known = t.method == Method.SIGMA_KNOWN.value
    is_statistical = t.method == Method.STATISTICAL.value
    rhs1 = ibis.cases((is_known, base + 70 * s0_used), (is_statistical, base + l1 * s_used), else_=l3 * t.fk * 100)
    rhs2 = ibis.cases((is_known, base - 70 * s0_used), (is_statistical, l2 * t.fk * 100), else_=95 * t.fk * 100)
    rhs3 = ibis.ifelse(is_known, known_min * t.fk * 100, ibis.null("int64"))
    t = t.mutate(
        l1=l1, l2=l2, l3=l3, known_min=known_min, s0_used=s0_used, s_used=s_used, rhs1=rhs1, rhs2=rhs2, rhs3=rhs3
    )
    lhs1 = t.mean * 1000
    lhs2 = t.minimum * 1000
    ok1 = lhs1 >= t.rhs1
    ok2 = lhs2 >= t.rhs2
    ok3 = ibis.ifelse(t.method == Method.SIGMA_KNOWN.value, lhs2 >= t.rhs3, True)
    passed = ((t.n > 0) & ok1 & ok2 & ok3).fill_null(False)
    margin = ibis.ifelse(
        t.method == Method.SIGMA_KNOWN.value,
        ibis.least(lhs1 - t.rhs1, lhs2 - t.rhs2, lhs2 - t.rhs3),
        ibis.least(lhs1 - t.rhs1, lhs2 - t.rhs2),
    )
    t = t.mutate(ok1=ok1.fill_null(False), ok2=ok2.fill_null(False), ok3=ok3.fill_null(False), passed=passed)
    t = t.mutate(**_number_texts(t))
    return t.select(
        "batch_id",
        n_groups=t.n,
        mean=ibis.ifelse(t.n > 0, t.mean_t, ibis.null("string")),
        s=ibis.ifelse(t.n > 1, t.s_t, ibis.null("string")),
        min=ibis.ifelse(t.n > 0, t.min_t, ibis.null("string")),
        method=t.method,
        passed=t.passed,
        reason=_reason(t, language) if explain else ibis.null("string"),
        margin=margin,
        fcu_k=t.fk,
        n_total=t.n_total,
        problem=batch_problem_flags(t),
    )


# -- explanations in the engine (the same words as domain.Explainer) ------------------------------------


def _join(*pieces: ibis.Value | str) -> ibis.StringValue:
    """Concatenate in one call (``concat_ws``): far cheaper than a chain of ``||`` on long texts."""
    return ibis.literal("").join([ibis.literal(piece) if isinstance(piece, str) else piece for piece in pieces])


def _fmt(value: ibis.IntegerValue, digits: int) -> ibis.StringValue:
    """A non-negative integer carrying ``digits`` (1 or 2) decimals as text: 332 → "33.2", 7 → "0.07"."""
    scale = 10**digits
    fraction = (value % scale + scale).cast("string").substr(1)  # 107 → "07": padding without lpad
    return _join((value // scale).cast("string"), ".", fraction)


def _fmt_trimmed(value: ibis.IntegerValue) -> ibis.StringValue:
    """An integer in 1/10,000 as text without trailing zeros: 333695 → "33.3695", 270000 → "27"."""
    magnitude = value.abs()
    fraction = magnitude % 10_000
    digits = ibis.cases(
        (fraction == 0, 0),
        (fraction % 1000 == 0, 1),
        (fraction % 100 == 0, 2),
        (fraction % 10 == 0, 3),
        else_=4,
    )
    decimals = (fraction + 10_000).cast("string").substr(1).substr(0, digits)
    return _join(
        ibis.ifelse(value < 0, "-", ""),
        (magnitude // 10_000).cast("string"),
        ibis.ifelse(digits == 0, "", _join(".", decimals)),
    )


_PLACEHOLDER = re.compile(r"(%\(\w+\)s|%%)")


def _pieces(template: str, values: dict[str, ibis.Value | str]) -> list[ibis.Value | str]:
    """A %-template with named placeholders as the pieces to concatenate."""
    pieces: list[ibis.Value | str] = []
    for piece in _PLACEHOLDER.split(template):
        if not piece:
            continue
        if piece == "%%":
            pieces.append("%")
        elif match := re.fullmatch(r"%\((\w+)\)s", piece):
            value = values[match[1]]
            pieces.append(value if isinstance(value, str) else value.cast("string"))
        else:
            pieces.append(piece)
    return pieces


def _coefficient(value: ibis.IntegerValue, choices: tuple[int, ...]) -> ibis.StringValue:
    """One of a few coefficients (hundredths) as text, without arithmetic: 115 → "1.15"."""
    cases = [(value == choice, f"{choice / 100:.2f}") for choice in choices]
    return ibis.cases(*cases, else_=NOT_AVAILABLE)


def _number_texts(t: ibis.Table) -> dict[str, ibis.Value]:
    """Every number of the explanation as text, once per batch (the reason then only concatenates)."""
    known = t.method == Method.SIGMA_KNOWN.value
    statistical = t.method == Method.STATISTICAL.value
    fk = t.fk.cast("string")
    s0 = _fmt(t.s0_used.fill_null(0), 2)
    l1 = _coefficient(t.l1, (115, 105, 95))
    l2 = _coefficient(t.l2, (90, 85))
    l3 = _coefficient(t.l3, (115, 110))
    known_min = _coefficient(t.known_min, (85, 90))
    return {
        "n_t": t.n.cast("string"),
        "fk_t": fk,
        "mean_t": ibis.ifelse(t.n > 0, _fmt(t.mean.fill_null(0), 1), NOT_AVAILABLE),
        "s_t": ibis.ifelse(t.n > 1, _fmt(t.s.fill_null(0), 2), NOT_AVAILABLE),
        "min_t": ibis.ifelse(t.n > 0, _fmt(t.minimum.fill_null(0), 1), NOT_AVAILABLE),
        "sigma0_t": ibis.ifelse(t.sigma0.notnull(), _fmt(t.sigma0.fill_null(0), 2), NOT_AVAILABLE),
        "rhs1_t": _fmt_trimmed(t.rhs1.fill_null(0)),
        "rhs2_t": _fmt_trimmed(t.rhs2.fill_null(0)),
        "rhs3_t": _fmt_trimmed(t.rhs3.fill_null(0)),
        "formula1_t": ibis.cases(
            (known, _join("fcu,k + 0.7σ0 = ", fk, " + 0.7 × ", s0)),
            (statistical, _join("fcu,k + λ1·S = ", fk, " + ", l1, " × ", _fmt(t.s_used.fill_null(0), 2))),
            else_=_join("λ3·fcu,k = ", l3, " × ", fk),
        ),
        "formula2_t": ibis.cases(
            (known, _join("fcu,k − 0.7σ0 = ", fk, " − 0.7 × ", s0)),
            (statistical, _join("λ2·fcu,k = ", l2, " × ", fk)),
            else_=_join("λ4·fcu,k = 0.95 × ", fk),
        ),
        "formula3_t": _join(known_min, "·fcu,k = ", known_min, " × ", fk),
    }


def _reason(t: ibis.Table, language: str | None) -> ibis.StringValue:
    """The explanation, word for word as ``domain.Explainer``: one flat concatenation per batch."""
    words = explainer(language)
    known = t.method == Method.SIGMA_KNOWN.value
    statistical = t.method == Method.STATISTICAL.value
    method_name = ibis.cases(
        (known, words.methods[Method.SIGMA_KNOWN]),
        (statistical, words.methods[Method.STATISTICAL]),
        else_=words.methods[Method.NON_STATISTICAL],
    )
    head = _pieces(words.head, {"method": method_name, "n": t.n_t, "mean": t.mean_t, "s": t.s_t, "min": t.min_t})

    def check(
        quantity: Quantity, lhs: ibis.StringValue, ok: ibis.BooleanValue, formula: str, rhs: str
    ) -> list[ibis.Value | str]:
        text = _pieces(
            words.check,
            {
                "quantity": words.quantities[quantity],
                "lhs": lhs,
                "op": ibis.ifelse(ok, "≥", "<"),
                "formula": t[formula],
                "rhs": t[rhs],
            },
        )
        return [words.separator, *text, ibis.ifelse(ok, " ✓", " ✗")]

    values = {
        "excluded": (t.n_total - t.n).cast("string"),
        "total": t.n_total.cast("string"),
        "n": t.n_t,
        "s": t.s_t,
        "sigma0": t.sigma0_t,
    }

    def note(condition: ibis.BooleanValue, key: str) -> ibis.StringValue:
        return ibis.ifelse(condition.fill_null(False), _join(words.separator, *_pieces(words.notes[key], values)), "")

    evaluated = t.n > 0
    outcome = ibis.ifelse(t.passed, words.outcomes[True], words.outcomes[False])
    full = _join(
        *head,
        *check(Quantity.MEAN, t.mean_t, t.ok1, "formula1_t", "rhs1_t"),
        *check(Quantity.MINIMUM, t.min_t, t.ok2, "formula2_t", "rhs2_t"),
        ibis.ifelse(known, _join(*check(Quantity.MINIMUM, t.min_t, t.ok3, "formula3_t", "rhs3_t")), ""),
        note(t.n_total > t.n, "excluded"),
        note(known & (t.sigma0 < S_FLOOR), "sigma0_floor"),
        note(~known & (t.sigma0_count > 0), "sigma0_not_a_lot"),
        note(statistical & (t.s < S_FLOOR), "s_floor"),
        " → ",
        outcome,
    )
    empty = _join(*head, note(t.n_total > t.n, "excluded"), note(~evaluated, "nothing_to_evaluate"), " → ", outcome)
    return ibis.ifelse(evaluated, full, empty)


# -- the whole run ----------------------------------------------------------------------------------------


@dataclass
class EvaluationRun:
    """A finished evaluation: the verdicts (a pyarrow table sorted by batch) and what it cost."""

    verdicts: pa.Table
    engine: str
    groups: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def batches(self) -> int:
        return self.verdicts.num_rows

    @property
    def passed(self) -> int:
        return int(pc.sum(self.verdicts["passed"]).as_py() or 0)


def verdict_expression(backend: BaseBackend, path: str | Path, *, language: str | None = None) -> ibis.Table:
    """The whole job as one Ibis expression over the input file, ordered by batch."""
    table = typed(open_input(backend, path))
    return batch_verdicts(batch_statistics(group_values(table)), language=language).order_by("batch_id")


def duplicate_groups(table: ibis.Table) -> ibis.IntegerScalar:
    """How many (batch, group) ids occur more than once: each group may be counted only once."""
    keys = table.group_by(["b", "g"]).aggregate(rows=table.count())
    return keys.filter(keys.rows > 1).count()


def evaluate_file(
    path: str | Path,
    *,
    engine: str | None = None,
    language: str | None = None,
    progress: Progress | None = None,
) -> EvaluationRun:
    """Evaluate every batch in the file; raise :class:`InputInvalid` naming the first bad rows."""
    say = progress or (lambda message: None)
    name = engines.engine_name(engine)
    started = time.perf_counter()
    say(f"connecting to {name}")
    backend = connect(name)
    expression = verdict_expression(backend, path, language=language)
    say(f"reading and evaluating {Path(path).name} on {name}")
    verdicts = backend.to_pyarrow(expression)
    say("checking that no group is listed twice")
    duplicates = backend.execute(duplicate_groups(typed(open_input(backend, path))))
    evaluated = time.perf_counter()
    if duplicates or pc.any(verdicts["problem"]).as_py():
        say("the input has problems: locating them")
        raise InputInvalid(path=path, problems=locate_problems(path))
    groups = int(pc.sum(verdicts["n_total"]).as_py() or 0)
    verdicts = verdicts.drop_columns(["problem"])
    return EvaluationRun(
        verdicts=verdicts,
        engine=name,
        groups=groups,
        timings={"evaluate": evaluated - started, "total": time.perf_counter() - started},
    )


def write_verdicts(verdicts: pa.Table, out: str | Path) -> None:
    """Write the contract's columns as CSV, atomically (a reader never sees half a file)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")  # created with the usual permissions
    try:
        pa_csv.write_csv(
            verdicts.select(list(OUTPUT_COLUMNS)),
            temporary,
            write_options=pa_csv.WriteOptions(quoting_style="needed"),
        )
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
