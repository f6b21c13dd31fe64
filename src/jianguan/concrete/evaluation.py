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
import tempfile
import time
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
    """Per batch: counts, sums for mean and S, minimum, grade and σ0, and the input checks' counts."""
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
        group_ids=v.g.nunique(),
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
    return t.select(
        "batch_id",
        n_groups=t.n,
        mean=ibis.ifelse(t.n > 0, _fmt(t.mean, 1), ibis.null("string")),
        s=ibis.ifelse(t.n > 1, _fmt(t.s, 2), ibis.null("string")),
        min=ibis.ifelse(t.n > 0, _fmt(t.minimum, 1), ibis.null("string")),
        method=t.method,
        passed=t.passed,
        reason=_reason(t, language) if explain else ibis.null("string"),
        margin=margin,
        fcu_k=t.fk,
        n_total=t.n_total,
        problem=batch_problem_flags(t),
    )


# -- explanations in the engine (the same words as domain.Explainer) ------------------------------------


def _fmt(value: ibis.IntegerValue, digits: int) -> ibis.StringValue:
    """A non-negative integer carrying ``digits`` decimals as text: 332 → "33.2"."""
    scale = 10**digits
    return (value // scale).cast("string") + "." + (value % scale).cast("string").lpad(digits, "0")


def _fmt_trimmed(value: ibis.IntegerValue) -> ibis.StringValue:
    """An integer in 1/10,000 as text without trailing zeros: 333695 → "33.3695", 270000 → "27"."""
    magnitude = value.abs()
    fraction = (magnitude % 10_000).cast("string").lpad(4, "0").re_replace("0+$", "")
    return (
        ibis.ifelse(value < 0, "-", "")
        + (magnitude // 10_000).cast("string")
        + ibis.ifelse(fraction == "", "", "." + fraction)
    )


_PLACEHOLDER = re.compile(r"(%\(\w+\)s|%%)")


def _render(template: str, values: dict[str, ibis.Value | str]) -> ibis.StringValue:
    """A %-template with named placeholders as a string expression."""
    pieces: list[ibis.Value] = []
    for piece in _PLACEHOLDER.split(template):
        if not piece:
            continue
        if piece == "%%":
            pieces.append(ibis.literal("%"))
        elif match := re.fullmatch(r"%\((\w+)\)s", piece):
            value = values[match[1]]
            pieces.append(ibis.literal(value) if isinstance(value, str) else value.cast("string"))
        else:
            pieces.append(ibis.literal(piece))
    result = pieces[0]
    for piece in pieces[1:]:
        result = result + piece
    return result


def _reason(t: ibis.Table, language: str | None) -> ibis.StringValue:
    words = explainer(language)
    fk = t.fk.cast("string")
    known = t.method == Method.SIGMA_KNOWN.value
    statistical = t.method == Method.STATISTICAL.value
    method_name = ibis.cases(
        (known, words.methods[Method.SIGMA_KNOWN]),
        (statistical, words.methods[Method.STATISTICAL]),
        else_=words.methods[Method.NON_STATISTICAL],
    )
    head = _render(
        words.head,
        {
            "method": method_name,
            "n": t.n,
            "mean": ibis.ifelse(t.n > 0, _fmt(t.mean, 1), NOT_AVAILABLE),
            "s": ibis.ifelse(t.n > 1, _fmt(t.s, 2), NOT_AVAILABLE),
            "min": ibis.ifelse(t.n > 0, _fmt(t.minimum, 1), NOT_AVAILABLE),
        },
    )
    s0 = _fmt(t.s0_used, 2)
    formula1 = ibis.cases(
        (known, "fcu,k + 0.7σ0 = " + fk + " + 0.7 × " + s0),
        (statistical, "fcu,k + λ1·S = " + fk + " + " + _fmt(t.l1, 2) + " × " + _fmt(t.s_used, 2)),
        else_="λ3·fcu,k = " + _fmt(t.l3, 2) + " × " + fk,
    )
    formula2 = ibis.cases(
        (known, "fcu,k − 0.7σ0 = " + fk + " − 0.7 × " + s0),
        (statistical, "λ2·fcu,k = " + _fmt(t.l2, 2) + " × " + fk),
        else_="λ4·fcu,k = 0.95 × " + fk,
    )
    formula3 = _fmt(t.known_min, 2) + "·fcu,k = " + _fmt(t.known_min, 2) + " × " + fk

    def check(quantity: Quantity, lhs: ibis.IntegerValue, ok: ibis.BooleanValue, formula, rhs) -> ibis.StringValue:  # type: ignore[no-untyped-def]
        text = _render(
            words.check,
            {
                "quantity": words.quantities[quantity],
                "lhs": _fmt(lhs, 1),
                "op": ibis.ifelse(ok, "≥", "<"),
                "formula": formula,
                "rhs": _fmt_trimmed(rhs),
            },
        )
        return text + ibis.ifelse(ok, " ✓", " ✗")

    sep = words.separator
    evaluated = t.n > 0
    values = {
        "excluded": t.n_total - t.n,
        "total": t.n_total,
        "n": t.n,
        "s": ibis.ifelse(t.n > 1, _fmt(t.s, 2), NOT_AVAILABLE),
        "sigma0": ibis.ifelse(t.sigma0.notnull(), _fmt(t.sigma0.fill_null(0), 2), NOT_AVAILABLE),
    }
    optional: list[tuple[ibis.BooleanValue, ibis.StringValue]] = [
        (evaluated, check(Quantity.MEAN, t.mean, t.ok1, formula1, t.rhs1)),
        (evaluated, check(Quantity.MINIMUM, t.minimum, t.ok2, formula2, t.rhs2)),
        (evaluated & known, check(Quantity.MINIMUM, t.minimum, t.ok3, formula3, t.rhs3)),
        (t.n_total > t.n, _render(words.notes["excluded"], values)),
        (evaluated & known & (t.sigma0 < S_FLOOR), _render(words.notes["sigma0_floor"], values)),
        (evaluated & ~known & (t.sigma0_count > 0), _render(words.notes["sigma0_not_a_lot"], values)),
        (statistical & (t.s < S_FLOOR), _render(words.notes["s_floor"], values)),
        (~evaluated, _render(words.notes["nothing_to_evaluate"], values)),
    ]
    text = head
    for condition, part in optional:
        text = text + ibis.ifelse(condition.fill_null(False), sep + part, "")
    return text + " → " + ibis.ifelse(t.passed, words.outcomes[True], words.outcomes[False])


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
    """The whole job as one Ibis expression over the input file."""
    table = typed(open_input(backend, path))
    return batch_verdicts(batch_statistics(group_values(table)), language=language)


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
    evaluated = time.perf_counter()
    if pc.any(verdicts["problem"]).as_py():
        say("the input has problems: locating them")
        raise InputInvalid(path=path, problems=locate_problems(path))
    groups = int(pc.sum(verdicts["n_total"]).as_py() or 0)
    verdicts = verdicts.drop_columns(["problem"]).sort_by("batch_id")
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
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
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
