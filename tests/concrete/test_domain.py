"""GB/T 50107-2010 evaluation as plain functions: every worked example of the issue, the rounding,
the coefficients and the edges (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jianguan.concrete.domain import (
    SIZE_FACTOR_FIXED,
    SIZE_FACTOR_REQUIRED,
    UNKNOWN_GRADE,
    UNKNOWN_SIZE,
    CubeGroup,
    EvaluationInputError,
    GroupRule,
    Method,
    evaluate_batch,
    group_value,
    judge,
    lambda_1_2,
    lambda_3,
    mean_tenths,
    parse_grade,
    sigma0_from_previous_period,
    std_hundredths,
    to_tenths,
)

FAILING_C30 = [33.6, 38.1, 28.9, 30.6, 35.3, 36.1, 34.2, 33.3, 31.7, 29.8]
PASSING_C30 = [38.9, 40.3, 35.2, 38.4, 43.1, 38.2, 36.9, 39.3, 37.4, 36.6]


def _groups(values: list[float], *, size_mm: int = 150) -> list[CubeGroup]:
    """Groups whose representative value is exactly the given value (three equal cubes)."""
    return [CubeGroup(f"G{i + 1}", value, value, value, size_mm=size_mm) for i, value in enumerate(values)]


# -- the worked examples ----------------------------------------------------------------------


def test_worked_example_c30_fails_on_the_mean() -> None:
    verdict = evaluate_batch("B1", grade="C30", groups=_groups(FAILING_C30))
    assert verdict.method == Method.STATISTICAL
    assert (verdict.stats.n, verdict.stats.mean, verdict.stats.s, verdict.stats.minimum) == (10, 332, 293, 289)
    assert verdict.lambdas == (115, 90)
    mean_check, min_check = verdict.checks
    assert not mean_check.passed  # 33.2 < 30 + 1.15 × 2.93 = 33.3695
    assert mean_check.rhs == 333695
    assert min_check.passed  # 28.9 ≥ 0.90 × 30 = 27
    assert not verdict.passed
    text = verdict.explain("en")
    assert "n = 10" in text
    assert "mean 33.2 < fcu,k + λ1·S = 30 + 1.15 × 2.93 = 33.3695 ✗" in text
    assert "minimum 28.9 ≥ λ2·fcu,k = 0.90 × 30 = 27 ✓" in text
    assert text.endswith("→ fails")


def test_worked_example_c30_passes_with_s_floored_to_2_5() -> None:
    verdict = evaluate_batch("B2", grade="C30", groups=_groups(PASSING_C30))
    assert verdict.stats.mean == 384
    assert verdict.stats.s == 220  # computed S is 2.20 …
    assert verdict.s_used == 250  # … and 2.5 is used
    assert verdict.passed
    assert "fcu,k + λ1·S = 30 + 1.15 × 2.50 = 32.875 ✓" in verdict.explain("en")
    assert "S 2.20 is below 2.5 and is taken as 2.50" in verdict.explain("en")


def test_worked_example_max_off_by_more_than_15_percent_takes_the_middle() -> None:
    value = group_value(CubeGroup("G", 42.3, 47.6, 54.9), fcu_k=30)
    assert value.rule == GroupRule.MIDDLE
    assert value.value == 476


def test_worked_example_both_off_excludes_the_group() -> None:
    value = group_value(CubeGroup("G", 21.3, 35.2, 29.4), fcu_k=30)
    assert value.rule == GroupRule.EXCLUDED
    assert value.excluded


def test_worked_example_200mm_cube_is_converted_with_1_05() -> None:
    value = group_value(CubeGroup("G", 42.5, 45.8, 52.8, size_mm=200), fcu_k=30)
    assert (value.rule, value.raw, value.factor, value.value) == (GroupRule.MIDDLE, 458, 105, 481)


# -- group rules --------------------------------------------------------------------------------------


def test_group_mean_to_one_decimal_half_up() -> None:
    # (33.2 + 33.3 + 33.3) / 3 = 33.2667 → 33.3; (30.0 + 30.1 + 30.0) / 3 = 30.033 → 30.0
    assert group_value(CubeGroup("G", 33.2, 33.3, 33.3), fcu_k=30).value == 333
    assert group_value(CubeGroup("G", 30.0, 30.1, 30.0), fcu_k=30).value == 300


def test_exactly_15_percent_is_not_more_than_15_percent() -> None:
    # middle 40.0, max 46.0: 6.0 is exactly 15 % of 40.0 → the mean is used
    value = group_value(CubeGroup("G", 40.0, 46.0, 39.0), fcu_k=30)
    assert value.rule == GroupRule.MEAN
    assert value.value == 417
    assert group_value(CubeGroup("G", 40.0, 46.1, 39.0), fcu_k=30).rule == GroupRule.MIDDLE


def test_100mm_cube_factor_is_0_95() -> None:
    # mean 40.0 × 0.95 = 38.0
    assert group_value(CubeGroup("G", 40.0, 40.0, 40.0, size_mm=100), fcu_k=30).value == 380
    # 41.1 × 0.95 = 39.045 → 39.0; 41.3 × 0.95 = 39.235 → 39.2
    assert group_value(CubeGroup("G", 41.1, 41.1, 41.1, size_mm=100), fcu_k=30).value == 390
    assert group_value(CubeGroup("G", 41.3, 41.3, 41.3, size_mm=100), fcu_k=30).value == 392


def test_factor_result_rounds_half_up() -> None:
    # 45.0 × 1.05 = 47.25 → 47.3 (half-up), not 47.2
    assert group_value(CubeGroup("G", 45.0, 45.0, 45.0, size_mm=200), fcu_k=30).value == 473


def test_from_c60_a_non_standard_cube_needs_a_supplied_factor() -> None:
    with pytest.raises(EvaluationInputError) as raised:
        group_value(CubeGroup("G", 70.0, 70.0, 70.0, size_mm=100), fcu_k=60)
    assert raised.value.message == SIZE_FACTOR_REQUIRED
    assert "§4.3.2" in raised.value.render("en")
    supplied = group_value(CubeGroup("G", 70.0, 70.0, 70.0, size_mm=100, size_factor=0.93), fcu_k=60)
    assert (supplied.factor, supplied.value) == (93, 651)
    # the 150 mm standard cube needs no factor at any grade
    assert group_value(CubeGroup("G", 70.0, 70.0, 70.0), fcu_k=80).value == 700


def test_below_c60_the_factor_is_fixed_by_the_standard() -> None:
    assert group_value(CubeGroup("G", 40.0, 40.0, 40.0, size_mm=100, size_factor=0.95), fcu_k=30).factor == 95
    with pytest.raises(EvaluationInputError) as raised:
        group_value(CubeGroup("G", 40.0, 40.0, 40.0, size_mm=100, size_factor=0.90), fcu_k=30)
    assert raised.value.message == SIZE_FACTOR_FIXED


@pytest.mark.parametrize("size", [120, 0, 250])
def test_unknown_cube_size_is_refused(size: int) -> None:
    with pytest.raises(EvaluationInputError) as raised:
        group_value(CubeGroup("G", 40.0, 40.0, 40.0, size_mm=size), fcu_k=30)
    assert raised.value.message == UNKNOWN_SIZE


@pytest.mark.parametrize("grade", ["C31", "C105", "30", "", "CC30"])
def test_unknown_grade_is_refused(grade: str) -> None:
    with pytest.raises(EvaluationInputError) as raised:
        parse_grade(grade)
    assert raised.value.message == UNKNOWN_GRADE


def test_grade_is_read_leniently() -> None:
    assert parse_grade(" c30 ") == 30
    assert parse_grade("C100") == 100


@pytest.mark.parametrize("value", [0.0, -1.0, 200.0, float("nan"), float("inf")])
def test_implausible_strength_is_refused(value: float) -> None:
    with pytest.raises(EvaluationInputError):
        group_value(CubeGroup("G", value, 40.0, 40.0), fcu_k=30)


# -- rounding ---------------------------------------------------------------------------------------------


def test_half_up_where_binary_floating_point_and_bankers_rounding_disagree() -> None:
    assert round(33.25, 1) == 33.2  # what Python's round gives (33.25 is exact in binary: ties to even)
    assert to_tenths(33.25) == 333
    assert to_tenths(33.15) == 332  # 33.15 is 33.1499999… in binary
    assert to_tenths(33.35) == 334  # and 33.35 is 33.350000000000001…
    assert to_tenths(33.2499) == 332
    # a batch mean of exactly x.x5: (33.2 + 33.3) / 2 = 33.25 → 33.3
    verdict = evaluate_batch("B", grade="C30", groups=_groups([33.2, 33.3]))
    assert verdict.stats.mean == 333
    assert mean_tenths(665, 2) == 333


def test_standard_deviation_ties_round_half_up() -> None:
    # these 16 values have S = 0.225 MPa exactly: 0.23, not 0.22
    offsets = [-1, -1, 2, 4, -3, 2, -2, 0, -4, 0, -1, 1, -3, 0, 2, -3]
    values = [300 + offset for offset in offsets]
    assert std_hundredths(16, sum(values), sum(v * v for v in values)) == 23
    # scaled by 13: S = 2.925 exactly → 2.93
    values = [300 + 13 * offset for offset in offsets]
    assert std_hundredths(16, sum(values), sum(v * v for v in values)) == 293


def test_s_uses_the_unrounded_mean() -> None:
    # with the mean rounded to 33.2 first the formula would give 2.37, not 2.93
    values = [to_tenths(value) for value in FAILING_C30]
    assert std_hundredths(len(values), sum(values), sum(v * v for v in values)) == 293


# -- methods and coefficients --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(10, (115, 90)), (14, (115, 90)), (15, (105, 85)), (19, (105, 85)), (20, (95, 85)), (200, (95, 85))],
)
def test_lambda_1_and_2_by_number_of_groups(n: int, expected: tuple[int, int]) -> None:
    assert lambda_1_2(n) == expected


def test_repealed_gbj_107_87_coefficients_are_not_used() -> None:
    coefficients = {value for n in range(10, 100) for value in lambda_1_2(n)}
    assert coefficients == {115, 105, 95, 90, 85}
    assert not coefficients & {170, 165, 160}
    with pytest.raises(ValueError, match="at least 10"):
        lambda_1_2(9)


def test_lambda_3_is_1_15_below_c60_and_1_10_from_c60() -> None:
    assert lambda_3(55) == 115
    assert lambda_3(60) == 110


def test_non_statistical_method_below_ten_groups() -> None:
    # C30, 9 groups: mean 34.6 ≥ 1.15 × 30 = 34.5, min 28.5 ≥ 0.95 × 30 = 28.5
    values = [34.0, 35.0, 36.0, 35.5, 28.5, 36.1, 35.2, 35.0, 36.1]
    verdict = evaluate_batch("B", grade="C30", groups=_groups(values))
    assert verdict.method == Method.NON_STATISTICAL
    assert verdict.stats.mean == 346
    assert verdict.passed
    assert "λ3·fcu,k = 1.15 × 30 = 34.5 ✓" in verdict.explain("en")
    assert "λ4·fcu,k = 0.95 × 30 = 28.5 ✓" in verdict.explain("en")
    lower = evaluate_batch("B", grade="C30", groups=_groups([*values[:4], 28.4, *values[5:]]))
    assert not lower.passed  # 28.4 < 28.5


def test_non_statistical_c60_uses_1_10() -> None:
    verdict = evaluate_batch("B", grade="C60", groups=_groups([66.0, 66.0, 66.0]))
    assert verdict.passed  # 66.0 ≥ 1.10 × 60 = 66
    assert "λ3·fcu,k = 1.10 × 60 = 66 ✓" in verdict.explain("en")


def test_known_sigma_lot_of_three() -> None:
    # C30, σ0 = 3.20: mean ≥ 30 + 0.7 × 3.2 = 32.24; min ≥ 30 − 2.24 = 27.76 and ≥ 0.90 × 30 = 27
    verdict = evaluate_batch("L", grade="C30", groups=_groups([32.3, 33.0, 31.4]), sigma0=3.2)
    assert verdict.method == Method.SIGMA_KNOWN
    assert verdict.stats.mean == 322  # 32.23 → 32.2 < 32.24
    assert not verdict.passed
    assert [check.passed for check in verdict.checks] == [False, True, True]
    assert "fcu,k + 0.7σ0 = 30 + 0.7 × 3.20 = 32.24 ✗" in verdict.explain("en")
    assert evaluate_batch("L", grade="C30", groups=_groups([32.4, 33.0, 31.4]), sigma0=3.2).passed


def test_known_sigma_minimum_floor_is_0_85_up_to_c20_and_0_90_above() -> None:
    c20 = evaluate_batch("L", grade="C20", groups=_groups([25.0, 25.0, 17.0]), sigma0=2.5)
    assert "0.85·fcu,k = 0.85 × 20 = 17 ✓" in c20.explain("en")
    c25 = evaluate_batch("L", grade="C25", groups=_groups([30.0, 30.0, 22.4]), sigma0=2.5)
    assert "0.90·fcu,k = 0.90 × 25 = 22.5 ✗" in c25.explain("en")
    assert not c25.passed


def test_sigma0_below_2_5_is_floored() -> None:
    verdict = evaluate_batch("L", grade="C30", groups=_groups([32.0, 32.0, 32.0]), sigma0=1.8)
    assert verdict.sigma0_used == 250
    assert verdict.passed  # 32.0 ≥ 30 + 0.7 × 2.5 = 31.75 and 32.0 ≥ 30 − 1.75
    text = verdict.explain("en")
    assert "σ0 1.80 is below 2.5 and is taken as 2.50" in text
    assert "30 + 0.7 × 2.50 = 31.75" in text


def test_sigma0_with_a_group_excluded_falls_back_to_the_group_count() -> None:
    groups = [*_groups([33.0, 34.0]), CubeGroup("X", 21.3, 35.2, 29.4)]
    verdict = evaluate_batch("L", grade="C30", groups=groups, sigma0=3.0)
    assert verdict.method == Method.NON_STATISTICAL
    text = verdict.explain("en")
    assert "1 of 3 groups excluded" in text
    assert "needs a lot of exactly 3 evaluated groups; this batch has 3, 2 evaluated" in text


def test_a_batch_with_every_group_excluded_cannot_be_accepted() -> None:
    verdict = evaluate_batch("B", grade="C30", groups=[CubeGroup("X", 21.3, 35.2, 29.4)])
    assert not verdict.passed
    assert verdict.checks == ()
    assert verdict.method == Method.NON_STATISTICAL
    assert "no group can be evaluated" in verdict.explain("en")


def test_margin_is_the_closest_inequality() -> None:
    verdict = evaluate_batch("B1", grade="C30", groups=_groups(FAILING_C30))
    assert verdict.margin == 332000 - 333695


def test_explanation_in_chinese() -> None:
    verdict = evaluate_batch("B1", grade="C30", groups=_groups(FAILING_C30))
    text = verdict.explain("zh-hans")
    assert "统计方法" in text
    assert "平均值 33.2 < fcu,k + λ1·S = 30 + 1.15 × 2.93 = 33.3695 ✗" in text
    assert text.endswith("不合格")
    passing = evaluate_batch("B2", grade="C30", groups=_groups(PASSING_C30)).explain("zh-hans")
    assert passing.endswith("合格")
    assert "2.50" in passing


def test_judge_is_what_evaluate_batch_uses() -> None:
    verdict = evaluate_batch("B1", grade="C30", groups=_groups(FAILING_C30))
    assert judge(verdict.stats) == verdict


# -- σ0 from the previous period ------------------------------------------------------------------------


def test_sigma0_needs_45_groups() -> None:
    with pytest.raises(EvaluationInputError, match="at least 45"):
        sigma0_from_previous_period([35.0] * 44)
    assert sigma0_from_previous_period([35.0] * 45) == Decimal("2.50")  # S = 0, floored


def test_sigma0_needs_sixty_days() -> None:
    values = [30.0 + (i % 10) for i in range(60)]
    with pytest.raises(EvaluationInputError, match="60 days"):
        sigma0_from_previous_period(values, first_day=dt.date(2026, 1, 1), last_day=dt.date(2026, 2, 28))
    sigma0 = sigma0_from_previous_period(values, first_day=dt.date(2026, 1, 1), last_day=dt.date(2026, 3, 1))
    assert sigma0 == Decimal("2.90")  # sample SD of 30..39 repeated, to 0.01


def test_a_bound_exactly_met_passes_where_binary_floating_point_would_fail() -> None:
    assert 1.10 * 90 > 99.0  # 99.00000000000001 in binary
    verdict = evaluate_batch("B", grade="C90", groups=_groups([99.0, 99.0, 99.0]))
    assert verdict.passed  # 99.0 ≥ 1.10 × 90 = 99, exactly
    assert "λ3·fcu,k = 1.10 × 90 = 99 ✓" in verdict.explain("en")
