"""Evaluation of concrete compressive strength per GB/T 50107-2010 (混凝土强度检验评定标准).

Plain dataclasses and functions, no database. The analytics job (``evaluation.py``) computes the same
statistics for millions of groups on DuckDB or Spark; :func:`judge` turns those statistics into a
verdict that explains itself, so the text and the decision come from one place.

Numbers are kept as integers in the units the standard rounds to, which makes every comparison exact
and identical in Python, DuckDB and Spark:

- strengths, means and minimums in tenths of a MPa (``335`` is 33.5 MPa);
- standard deviations (S, σ0) and coefficients (λ, size factors) in hundredths.

Rounding is half-up, as Chinese practice uses (GB/T 8170 "四舍五入" on the retained digit): 33.25
becomes 33.3, never the binary-floating-point or banker's 33.2. A measured value is brought to
tenths by ``floor(f × 10 + 0.500000001)``: the tiny tolerance makes a decimal half stored in binary
(33.15 is 33.1499999…) round up, and every engine evaluates exactly this expression.

The coefficients are those of GB/T 50107-2010; the repealed GBJ 107-87 coefficients (1.70/1.65/1.60
and 0.06 fcu,k) appear nowhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jianguan.core.errors import ApplicationError

# -- the standard's numbers ------------------------------------------------------------------------

#: Strength grades accepted (GB 50010 / JGJ/T 281): C10 … C100 in steps of 5, fcu,k in MPa.
GRADES: dict[str, int] = {f"C{k}": k for k in range(10, 105, 5)}

#: Cube sizes (edge, mm) and their factors to the 150 mm standard cube, in hundredths (§4.3.2).
SIZE_FACTORS: dict[int, int] = {100: 95, 150: 100, 200: 105}

#: From this grade up the factor for non-standard cubes "shall be determined by tests" (§4.3.2).
HIGH_STRENGTH_FK = 60

#: A group's max or min deviating from the middle value by more than this (percent) is discarded (§4.3.1).
GROUP_SCATTER_PERCENT = 15

#: S and σ0 below this (hundredths of MPa) are taken as 2.5 MPa (§5.1.2, §5.1.3).
S_FLOOR = 250

#: σ0 needs at least this many groups from the previous period (§5.1.2).
SIGMA0_MIN_GROUPS = 45
#: ... spanning at least this many days (§5.1.2: "检验期不应少于60d").
SIGMA0_MIN_DAYS = 60

#: A lot evaluated with a known σ0 is exactly this many consecutive groups (§5.1.1).
SIGMA_KNOWN_LOT = 3

#: Fewer groups than this: the non-statistical method (§5.2.1); from this many: the statistical method.
STATISTICAL_MIN_GROUPS = 10

#: Batches larger than this are refused: no real inspection lot is this big, and the exact integer
#: arithmetic of S stays inside 64 bits up to here on every engine.
MAX_GROUPS_PER_BATCH = 100_000

#: Measured cube strengths must lie strictly inside this range (MPa).
STRENGTH_RANGE = (0.0, 200.0)

#: The tolerance that makes decimal halves stored in binary round up (see the module docstring).
HALF_UP = 0.500000001


class Method(StrEnum):
    SIGMA_KNOWN = "sigma_known"
    STATISTICAL = "statistical"
    NON_STATISTICAL = "non_statistical"


class GroupRule(StrEnum):
    MEAN = "mean"  # the mean of the three cubes
    MIDDLE = "middle"  # one of max/min deviates more than 15 %: the middle value
    EXCLUDED = "excluded"  # both deviate: the group is not used


def lambda_1_2(n: int) -> tuple[int, int]:
    """λ1 and λ2 (hundredths) of the statistical method for n ≥ 10 groups (Table 5.1.3)."""
    if n < STATISTICAL_MIN_GROUPS:
        raise ValueError(f"the statistical method needs at least {STATISTICAL_MIN_GROUPS} groups, not {n}")
    if n <= 14:
        return 115, 90
    if n <= 19:
        return 105, 85
    return 95, 85


def lambda_3(fcu_k: int) -> int:
    """λ3 (hundredths) of the non-statistical method (Table 5.2.2): 1.15 below C60, 1.10 from C60."""
    return 115 if fcu_k < HIGH_STRENGTH_FK else 110


def sigma_known_min_factor(fcu_k: int) -> int:
    """The known-σ method's floor on the minimum (hundredths of fcu,k): 0.85 up to C20, 0.90 above."""
    return 85 if fcu_k <= 20 else 90


# -- errors ----------------------------------------------------------------------------------------

UNKNOWN_GRADE = _("Unknown strength grade %(grade)s: expected C10 to C100 in steps of 5 (e.g. C30).")
UNKNOWN_SIZE = _("Unknown cube size %(size)s mm: expected 100, 150 or 200.")
SIZE_FACTOR_REQUIRED = _(
    "Grade %(grade)s with %(size)s mm cubes: from C60 the size factor must be determined by tests "
    "(GB/T 50107-2010 §4.3.2); supply it."
)
SIZE_FACTOR_FIXED = _(
    "Grade %(grade)s with %(size)s mm cubes: the standard fixes the size factor at %(standard)s; %(given)s was given."
)
SIZE_FACTOR_RANGE = _("Size factor %(given)s is implausible: expected between 0.80 and 1.20.")
BAD_STRENGTH = _("Cube strength %(value)s is not a number between 0 and 200 MPa.")
SIGMA0_TOO_FEW = _("σ0 needs at least %(minimum)s groups from the previous period; %(n)s were given.")
SIGMA0_TOO_SHORT = _("σ0 needs a previous period of at least %(minimum)s days; %(days)s were given.")
BAD_SIGMA0 = _("σ0 %(value)s is not a number between 0 and 50 MPa.")
BATCH_TOO_LARGE = _("Batch %(batch)s has %(n)s groups; an inspection lot has at most %(maximum)s.")


class EvaluationInputError(ApplicationError):
    """Data the evaluation cannot use (grade, size, strength, σ0)."""

    code = "concrete_input_invalid"
    status = 400


# -- rounding and formatting -------------------------------------------------------------------------


def to_tenths(value: float) -> int:
    """A strength in MPa to tenths of a MPa, half-up (the expression every engine evaluates)."""
    return math.floor(value * 10 + HALF_UP)


def to_hundredths(value: float) -> int:
    """A standard deviation or coefficient to hundredths, half-up."""
    return math.floor(value * 100 + HALF_UP)


def tenths(value: int) -> Decimal:
    """Tenths of a MPa as a decimal for display: 332 → 33.2."""
    return Decimal(value).scaleb(-1)


def hundredths(value: int) -> Decimal:
    """Hundredths as a decimal for display: 293 → 2.93."""
    return Decimal(value).scaleb(-2)


def mean_tenths(total: int, n: int) -> int:
    """The mean of n values given in tenths, to tenths, half-up: floor((2·Σ + n) / 2n)."""
    return (2 * total + n) // (2 * n)


def std_hundredths(n: int, total: int, total_squares: int) -> int | None:
    """The sample standard deviation of n values given in tenths, in hundredths of a MPa, half-up.

    S = sqrt((Σf² − n·mf²)/(n − 1)) with the unrounded mean, i.e. sqrt(N / D) tenths where
    N = n·Σf² − (Σf)² and D = n(n − 1). The float estimate is corrected with exact integer
    comparisons, so the result is the exact half-up rounding; the analytics job does the same.
    """
    if n < 2:
        return None
    numerator = n * total_squares - total * total
    denominator = n * (n - 1)
    estimate = math.floor(math.sqrt(100.0 * numerator / denominator) + 0.5)
    # m is right when (2m − 1)²·D ≤ 400·N < (2m + 1)²·D
    if estimate > 0 and (2 * estimate - 1) ** 2 * denominator > 400 * numerator:
        return estimate - 1
    if (2 * estimate + 1) ** 2 * denominator <= 400 * numerator:
        return estimate + 1
    return estimate


# -- groups ------------------------------------------------------------------------------------------


def parse_grade(grade: str) -> int:
    """fcu,k (MPa) of a strength grade such as ``C30``."""
    key = str(grade).strip().upper()
    if key not in GRADES:
        raise EvaluationInputError(UNKNOWN_GRADE, grade=grade)
    return GRADES[key]


def size_factor_hundredths(*, fcu_k: int, size_mm: int, supplied: float | None = None) -> int:
    """The factor (hundredths) that converts a cube of this size to the 150 mm standard cube.

    Below C60: 0.95 for 100 mm and 1.05 for 200 mm (a supplied factor must agree). From C60 the
    standard leaves the factor to tests, so a 100 or 200 mm group needs a supplied factor
    (0.80–1.20); without one it is refused rather than converted with a guess.
    """
    if size_mm not in SIZE_FACTORS:
        raise EvaluationInputError(UNKNOWN_SIZE, size=size_mm)
    given = None if supplied is None or (isinstance(supplied, float) and math.isnan(supplied)) else supplied
    if given is not None and not 0.80 <= given <= 1.20:
        raise EvaluationInputError(SIZE_FACTOR_RANGE, given=given)
    standard = SIZE_FACTORS[size_mm]
    if size_mm == 150 or fcu_k < HIGH_STRENGTH_FK:
        if given is not None and to_hundredths(given) != standard:
            raise EvaluationInputError(
                SIZE_FACTOR_FIXED, grade=f"C{fcu_k}", size=size_mm, standard=hundredths(standard), given=given
            )
        return standard
    if given is None:
        raise EvaluationInputError(SIZE_FACTOR_REQUIRED, grade=f"C{fcu_k}", size=size_mm)
    return to_hundredths(given)


@dataclass(frozen=True)
class CubeGroup:
    """One specimen group as tested: three cube strengths (MPa) of one size."""

    group_id: str
    f1: float
    f2: float
    f3: float
    size_mm: int = 150
    size_factor: float | None = None


@dataclass(frozen=True)
class GroupValue:
    """A group's representative value (§4.3.1), converted to the 150 mm cube (§4.3.2)."""

    group_id: str
    cubes: tuple[int, int, int]  # tenths, as tested
    rule: GroupRule
    raw: int | None  # tenths, before the size factor
    factor: int  # hundredths
    value: int | None  # tenths, what the batch evaluation uses; None when excluded

    @property
    def excluded(self) -> bool:
        return self.value is None


def _strength_tenths(value: float) -> int:
    low, high = STRENGTH_RANGE
    if not isinstance(value, int | float) or math.isnan(value) or not low < value < high:
        raise EvaluationInputError(BAD_STRENGTH, value=value)
    return to_tenths(value)


def group_value(group: CubeGroup, *, fcu_k: int) -> GroupValue:
    """The representative value of a group of three cubes.

    The mean of the three to 0.1 MPa; if the max or the min differs from the middle value by more
    than 15 % of the middle value, the middle value; if both do, the group is excluded. The value is
    then multiplied by the size factor and rounded to 0.1 MPa again.
    """
    cubes = (_strength_tenths(group.f1), _strength_tenths(group.f2), _strength_tenths(group.f3))
    factor = size_factor_hundredths(fcu_k=fcu_k, size_mm=group.size_mm, supplied=group.size_factor)
    low, middle, high = sorted(cubes)
    # "more than 15 % of the middle value", compared exactly in integers
    low_off = 100 * (middle - low) > GROUP_SCATTER_PERCENT * middle
    high_off = 100 * (high - middle) > GROUP_SCATTER_PERCENT * middle
    if low_off and high_off:
        return GroupValue(group.group_id, cubes, GroupRule.EXCLUDED, None, factor, None)
    if low_off or high_off:
        rule, raw = GroupRule.MIDDLE, middle
    else:
        rule, raw = GroupRule.MEAN, mean_tenths(sum(cubes), 3)
    value = (raw * factor + 50) // 100
    return GroupValue(group.group_id, cubes, rule, raw, factor, value)


# -- batches -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchStatistics:
    """What a batch's verdict depends on; the analytics job computes exactly these per batch."""

    batch_id: str
    fcu_k: int
    n_total: int  # groups in the batch
    n: int  # groups evaluated (not excluded)
    mean: int | None  # tenths
    s: int | None  # hundredths, as computed (before the 2.5 floor)
    minimum: int | None  # tenths
    sigma0: int | None = None  # hundredths, as given (before the 2.5 floor)
    excluded_ids: tuple[str, ...] = ()  # known when evaluated here; the job gives only the count


def batch_statistics(
    batch_id: str, *, fcu_k: int, values: Sequence[GroupValue], sigma0: int | None = None
) -> BatchStatistics:
    """Count, mean, S and minimum of a batch's group values (excluded groups left out)."""
    used = [value.value for value in values if value.value is not None]
    n = len(used)
    if n > MAX_GROUPS_PER_BATCH:
        raise EvaluationInputError(BATCH_TOO_LARGE, batch=batch_id, n=n, maximum=MAX_GROUPS_PER_BATCH)
    total = sum(used)
    return BatchStatistics(
        batch_id=batch_id,
        fcu_k=fcu_k,
        n_total=len(values),
        n=n,
        mean=mean_tenths(total, n) if n else None,
        s=std_hundredths(n, total, sum(v * v for v in used)),
        minimum=min(used) if used else None,
        sigma0=sigma0,
        excluded_ids=tuple(value.group_id for value in values if value.value is None),
    )


class Quantity(StrEnum):
    MEAN = "mean"
    MINIMUM = "minimum"


#: Checks compare in units of 1/10,000 MPa, where every side of every inequality is an integer.
CHECK_UNIT = 10_000


def format_scaled(value: int, digits: int, *, trim: bool = False) -> str:
    """An integer carrying ``digits`` decimals as text: (332, 1) → "33.2"; trimmed: (270000, 4) → "27"."""
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10**digits)
    text = f"{fraction:0{digits}d}" if digits else ""
    if trim:
        text = text.rstrip("0")
    return f"{sign}{whole}.{text}" if text else f"{sign}{whole}"


def fmt_tenths(value: int) -> str:
    return format_scaled(value, 1)


def fmt_hundredths(value: int) -> str:
    return format_scaled(value, 2)


@dataclass(frozen=True, slots=True)
class Check:
    """One inequality of the verdict, ``quantity ≥ bound``, exact in 1/10,000 MPa.

    ``formula`` is language-neutral and shows the bound's numbers (``fcu,k + λ1·S = 30 + 1.15 × 2.93``).
    """

    quantity: Quantity
    lhs: int
    formula: str
    rhs: int

    @property
    def passed(self) -> bool:
        return self.lhs >= self.rhs

    @property
    def margin(self) -> int:
        return self.lhs - self.rhs

    def lhs_text(self) -> str:
        return fmt_tenths(self.lhs // 1000)  # the quantity is in tenths of a MPa

    def rhs_text(self) -> str:
        return format_scaled(self.rhs, 4, trim=True)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of evaluating one batch, with everything needed to explain it."""

    stats: BatchStatistics
    method: Method
    checks: tuple[Check, ...]
    s_used: int | None = None  # hundredths, after the floor (statistical method)
    sigma0_used: int | None = None  # hundredths, after the floor (known-σ method)
    lambdas: tuple[int, ...] = ()  # hundredths: (λ1, λ2) or (λ3, λ4) or ()
    notes: tuple[str, ...] = ()  # codes, rendered by explain()

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def margin(self) -> int | None:
        """The smallest lhs − rhs over the checks (1/10,000 MPa): how close the batch came to the line."""
        return min((check.margin for check in self.checks), default=None)

    def explain(self, language: str | None = None) -> str:
        """The verdict in words: method, n, mean, S, min, each inequality with its numbers, the outcome."""
        return explainer(language).render(self)


def judge(stats: BatchStatistics) -> Verdict:
    """The verdict of GB/T 50107-2010 §5 for a batch's statistics.

    Known σ (a lot of exactly 3 consecutive groups, σ0 given): mean ≥ fcu,k + 0.7σ0,
    min ≥ fcu,k − 0.7σ0 and min ≥ 0.85 fcu,k (up to C20) or 0.90 fcu,k (above), σ0 floored at 2.5.
    Unknown σ, n ≥ 10: mean ≥ fcu,k + λ1·S and min ≥ λ2·fcu,k, S floored at 2.5.
    Non-statistical, n < 10: mean ≥ λ3·fcu,k and min ≥ λ4·fcu,k (λ4 = 0.95).
    A batch with no usable group cannot be accepted: it fails with no checks.
    """
    fk = stats.fcu_k
    n = stats.n
    notes: list[str] = []
    if stats.n_total > n:
        notes.append("excluded")
    if n == 0 or stats.mean is None or stats.minimum is None:
        return Verdict(stats, Method.NON_STATISTICAL, (), notes=(*notes, "nothing_to_evaluate"))
    mean = stats.mean * 1000
    minimum = stats.minimum * 1000
    base = fk * CHECK_UNIT

    if stats.sigma0 is not None and n == stats.n_total == SIGMA_KNOWN_LOT:
        sigma0 = max(stats.sigma0, S_FLOOR)
        if stats.sigma0 < S_FLOOR:
            notes.append("sigma0_floor")
        s0 = fmt_hundredths(sigma0)
        factor = sigma_known_min_factor(fk)
        checks: tuple[Check, ...] = (
            Check(Quantity.MEAN, mean, f"fcu,k + 0.7σ0 = {fk} + 0.7 × {s0}", base + 70 * sigma0),
            Check(Quantity.MINIMUM, minimum, f"fcu,k − 0.7σ0 = {fk} − 0.7 × {s0}", base - 70 * sigma0),
            Check(
                Quantity.MINIMUM,
                minimum,
                f"{fmt_hundredths(factor)}·fcu,k = {fmt_hundredths(factor)} × {fk}",
                factor * fk * 100,
            ),
        )
        return Verdict(stats, Method.SIGMA_KNOWN, checks, sigma0_used=sigma0, notes=tuple(notes))

    if stats.sigma0 is not None:
        notes.append("sigma0_not_a_lot")
    if n >= STATISTICAL_MIN_GROUPS:
        assert stats.s is not None
        s_used = max(stats.s, S_FLOOR)
        if stats.s < S_FLOOR:
            notes.append("s_floor")
        l1, l2 = lambda_1_2(n)
        checks = (
            Check(
                Quantity.MEAN,
                mean,
                f"fcu,k + λ1·S = {fk} + {fmt_hundredths(l1)} × {fmt_hundredths(s_used)}",
                base + l1 * s_used,
            ),
            Check(Quantity.MINIMUM, minimum, f"λ2·fcu,k = {fmt_hundredths(l2)} × {fk}", l2 * fk * 100),
        )
        return Verdict(stats, Method.STATISTICAL, checks, s_used=s_used, lambdas=(l1, l2), notes=tuple(notes))

    l3 = lambda_3(fk)
    checks = (
        Check(Quantity.MEAN, mean, f"λ3·fcu,k = {fmt_hundredths(l3)} × {fk}", l3 * fk * 100),
        Check(Quantity.MINIMUM, minimum, f"λ4·fcu,k = 0.95 × {fk}", 95 * fk * 100),
    )
    return Verdict(stats, Method.NON_STATISTICAL, checks, lambdas=(l3, 95), notes=tuple(notes))


def evaluate_batch(batch_id: str, *, grade: str, groups: Sequence[CubeGroup], sigma0: float | None = None) -> Verdict:
    """Evaluate one inspection batch from its groups' cube strengths (the whole chain in one call)."""
    fk = parse_grade(grade)
    sigma0_c = None
    if sigma0 is not None and not (isinstance(sigma0, float) and math.isnan(sigma0)):
        if not 0 < sigma0 < 50:
            raise EvaluationInputError(BAD_SIGMA0, value=sigma0)
        sigma0_c = to_hundredths(sigma0)
    values = [group_value(group, fcu_k=fk) for group in groups]
    return judge(batch_statistics(batch_id, fcu_k=fk, values=values, sigma0=sigma0_c))


def sigma0_from_previous_period(
    values: Sequence[float], *, first_day: dt.date | None = None, last_day: dt.date | None = None
) -> Decimal:
    """σ0 for the known-σ method from the previous period's group values (MPa, §5.1.2).

    At least 45 groups over at least 60 days (when the days are given); the sample standard
    deviation to 0.01, taken as 2.50 when smaller.
    """
    if len(values) < SIGMA0_MIN_GROUPS:
        raise EvaluationInputError(SIGMA0_TOO_FEW, minimum=SIGMA0_MIN_GROUPS, n=len(values))
    if first_day is not None and last_day is not None and (last_day - first_day).days + 1 < SIGMA0_MIN_DAYS:
        raise EvaluationInputError(SIGMA0_TOO_SHORT, minimum=SIGMA0_MIN_DAYS, days=(last_day - first_day).days + 1)
    used = [_strength_tenths(value) for value in values]
    s = std_hundredths(len(used), sum(used), sum(v * v for v in used))
    assert s is not None
    return hundredths(max(s, S_FLOOR))


# -- explanations --------------------------------------------------------------------------------------

METHOD_NAMES = {
    Method.SIGMA_KNOWN: _("statistical method, known standard deviation"),
    Method.STATISTICAL: _("statistical method, unknown standard deviation"),
    Method.NON_STATISTICAL: _("non-statistical method"),
}
QUANTITY_NAMES = {Quantity.MEAN: _("mean"), Quantity.MINIMUM: _("minimum")}
EXPLAIN_HEAD = _("%(method)s, n = %(n)s: mean %(mean)s, S %(s)s, min %(min)s MPa")
EXPLAIN_CHECK = _("%(quantity)s %(lhs)s %(op)s %(formula)s = %(rhs)s")
EXPLAIN_PASSED = _("passes")
EXPLAIN_FAILED = _("fails")
NOTE_EXCLUDED = _("%(excluded)s of %(total)s groups excluded (max and min both more than 15%% from the middle value)")
NOTE_S_FLOOR = _("S %(s)s is below 2.5 and is taken as 2.50")
NOTE_SIGMA0_FLOOR = _("σ0 %(sigma0)s is below 2.5 and is taken as 2.50")
NOTE_SIGMA0_NOT_A_LOT = _(
    "σ0 was given, but the known-σ method needs a lot of exactly 3 evaluated groups; this batch has %(total)s, "
    "%(n)s evaluated"
)
NOTE_NOTHING = _("no group can be evaluated, so the batch cannot be accepted")
SEPARATOR = _("; ")
NOT_AVAILABLE = "—"


class Explainer:
    """Renders verdicts in one language; the catalogue is read once, so millions of verdicts are cheap."""

    def __init__(self, language: str | None = None) -> None:
        def text(message: object) -> str:
            if language is None:
                return str(message)
            with translation.override(language):
                return str(message)

        self.methods = {method: text(name) for method, name in METHOD_NAMES.items()}
        self.quantities = {quantity: text(name) for quantity, name in QUANTITY_NAMES.items()}
        self.head = text(EXPLAIN_HEAD)
        self.check = text(EXPLAIN_CHECK)
        self.outcomes = {True: text(EXPLAIN_PASSED), False: text(EXPLAIN_FAILED)}
        self.notes = {
            "excluded": text(NOTE_EXCLUDED),
            "s_floor": text(NOTE_S_FLOOR),
            "sigma0_floor": text(NOTE_SIGMA0_FLOOR),
            "sigma0_not_a_lot": text(NOTE_SIGMA0_NOT_A_LOT),
            "nothing_to_evaluate": text(NOTE_NOTHING),
        }
        self.separator = text(SEPARATOR)

    def render(self, verdict: Verdict) -> str:
        stats = verdict.stats
        parts = [
            self.head
            % {
                "method": self.methods[verdict.method],
                "n": stats.n,
                "mean": NOT_AVAILABLE if stats.mean is None else fmt_tenths(stats.mean),
                "s": NOT_AVAILABLE if stats.s is None else fmt_hundredths(stats.s),
                "min": NOT_AVAILABLE if stats.minimum is None else fmt_tenths(stats.minimum),
            }
        ]
        for check in verdict.checks:
            passed = check.passed
            parts.append(
                self.check
                % {
                    "quantity": self.quantities[check.quantity],
                    "lhs": check.lhs_text(),
                    "op": "≥" if passed else "<",
                    "formula": check.formula,
                    "rhs": check.rhs_text(),
                }
                + (" ✓" if passed else " ✗")
            )
        values = {
            "excluded": stats.n_total - stats.n,
            "total": stats.n_total,
            "n": stats.n,
            "s": NOT_AVAILABLE if stats.s is None else fmt_hundredths(stats.s),
            "sigma0": NOT_AVAILABLE if stats.sigma0 is None else fmt_hundredths(stats.sigma0),
        }
        parts.extend(self.notes[note] % values for note in verdict.notes)
        return self.separator.join(parts) + " → " + self.outcomes[verdict.passed]


_explainers: dict[str | None, Explainer] = {}


def explainer(language: str | None = None) -> Explainer:
    """The explainer for a language (the active one when not given), built once per language."""
    key = language or translation.get_language()
    if key not in _explainers:
        _explainers[key] = Explainer(key)
    return _explainers[key]
