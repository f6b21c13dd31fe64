"""The scoring engine on known record sets: worked examples, windows, blacklist triggers, schemes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jianguan.credit.catalogue import load_catalogue_file, shipped_catalogue_path
from jianguan.credit.domain import (
    SCHEMES,
    BlacklistReason,
    InvalidRecord,
    InvalidScheme,
    Period,
    Record,
    Scheme,
    Subject,
    add_months,
    bad_record,
    blacklist_reasons,
    good_record,
    period_end,
    published_score,
    scheme_from_dict,
    standing_history,
    standing_on,
)

D = dt.date
CATALOGUE = load_catalogue_file(shipped_catalogue_path())
DEFAULT = SCHEMES["default"]
JIANGXI = SCHEMES["jiangxi"]
CONTRACTOR = Subject(id=1)


def rec(code: str, day: dt.date, id: int = 0, **kwargs: object) -> Record:
    return CATALOGUE.item(code).record(id=id or hash((code, day)), event_date=day, **kwargs)  # type: ignore[arg-type]


# --- worked examples -----------------------------------------------------------------------------


def test_worked_example_default_scheme() -> None:
    """A contractor with two awards (+5, +10: capped at +10), a quality finding (−1) and a missing
    special work plan (−5): 100 + 10 − 6 = 104, AAA."""
    records = [
        rec("SG-9-03", D(2025, 6, 1), 1),  # provincial quality award +5
        rec("SG-9-01", D(2025, 9, 1), 2),  # Luban Prize +10
        rec("SG-3-05", D(2026, 3, 10), 3),  # ordered to correct, C, −1
        rec("SG-4-04", D(2026, 4, 1), 4),  # no special work plan, B, −5
    ]
    standing = standing_on(CONTRACTOR, records, DEFAULT, D(2026, 5, 1))
    assert standing.base == 100
    assert standing.additions == 10
    assert standing.deductions == 6
    assert standing.score == Decimal("104.00")
    assert standing.grade == "AAA"
    assert standing.records == (1, 2, 3, 4)
    assert not standing.blacklisted


def test_worked_example_grades_step_down_with_deductions() -> None:
    """Bid rigging (−15) and substandard materials (−10): 75, grade A; one more B (−5): 70, still
    A; one more C (−2 for real-name registration): 68, B."""
    records = [rec("SG-2-01", D(2026, 1, 5), 1), rec("SG-3-01", D(2026, 2, 1), 2)]
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 3, 1)).score == 75
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 3, 1)).grade == "A"
    records.append(rec("SG-4-02", D(2026, 2, 2), 3))
    assert (
        standing_on(CONTRACTOR, records, DEFAULT, D(2026, 3, 1)).score,
        standing_on(CONTRACTOR, records, DEFAULT, D(2026, 3, 1)).grade,
    ) == (70, "A")
    records.append(rec("SG-5-02", D(2026, 2, 3), 4))
    standing = standing_on(CONTRACTOR, records, DEFAULT, D(2026, 3, 1))
    assert (standing.score, standing.grade) == (68, "B")


def test_floor_of_default_scheme_and_no_floor_in_jiangxi() -> None:
    records = [
        rec(code, D(2026, 1, 1), i)
        for i, code in enumerate(["SG-2-01", "SG-2-02", "SG-2-05", "SG-3-01", "SG-1-02", "SG-4-03", "SG-4-07"], 1)
    ]
    # 15 + 15 + 15 + 10 + 10 + 10 + 10 = 85 points
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 2, 1)).score == 15
    records.append(rec("SG-2-04", D(2026, 1, 2), 99))
    records.append(rec("SG-4-01", D(2026, 1, 2), 98))
    records.append(rec("SG-4-05", D(2026, 1, 2), 97))
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 2, 1)).score == 0  # 100 − 100, floor 0
    records.append(rec("SG-3-02", D(2026, 1, 3), 96))
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 2, 1)).score == 0
    licensed = Subject(id=1, eligible=(Period(D(2020, 1, 1)),))
    standing = standing_on(licensed, records, JIANGXI, D(2026, 2, 1))
    assert standing.score == Decimal(70 - 105)  # Jiangxi: base 70, deductions without floor
    assert standing.grade == "C"


def test_jiangxi_base_only_with_valid_licences_and_good_up_to_30() -> None:
    subject = Subject(id=7, eligible=(Period(D(2025, 1, 1), D(2026, 6, 30)),))
    records = [
        rec("SG-9-01", D(2025, 3, 1), 1),
        rec("SG-9-02", D(2025, 4, 1), 2),
        rec("SG-9-03", D(2025, 5, 1), 3),
        rec("SG-9-04", D(2025, 6, 1), 4),
        rec("SG-9-07", D(2025, 7, 1), 5),
    ]
    # 10 + 8 + 5 + 3 + 3 = 29 of good points, all counted (cap 30)
    assert standing_on(subject, records, JIANGXI, D(2026, 1, 1)).score == 99
    records.append(rec("SG-9-05", D(2025, 8, 1), 6))  # +4 → 33, capped at 30
    assert standing_on(subject, records, JIANGXI, D(2026, 1, 1)).score == 100
    # the licences lapse after 30 June 2026: no base
    assert standing_on(subject, records, JIANGXI, D(2026, 6, 30)).base == 70
    after = standing_on(subject, records, JIANGXI, D(2026, 7, 1))
    assert (after.base, after.score, after.grade) == (0, 30, "C")
    # a subject without licence data gets no base either; the default scheme does not ask
    assert standing_on(Subject(id=8), [], JIANGXI, D(2026, 1, 1)).score == 0
    assert standing_on(Subject(id=8), [], DEFAULT, D(2026, 1, 1)).score == 100


def test_jiangxi_quarter_score_is_the_mean_of_daily_scores() -> None:
    subject = Subject(id=1, eligible=(Period(D(2020, 1, 1)),))
    # 1 January … 31 March 2026 is 90 days; a −5 record from 1 March (31 days): mean = 70 − 5 × 31/90
    records = [rec("SG-4-04", D(2026, 3, 1), 1)]
    expected = (Decimal(70) - Decimal(5) * 31 / 90).quantize(Decimal("0.01"))
    assert published_score(subject, records, JIANGXI, D(2026, 3, 31)) == expected == Decimal("68.28")
    # the quarter so far: on 1 March the mean is over 60 days, one of them at 65
    assert published_score(subject, records, JIANGXI, D(2026, 3, 1)) == (Decimal(70) - Decimal(5) / 60).quantize(
        Decimal("0.01")
    )
    assert published_score(subject, records, DEFAULT, D(2026, 3, 1)) == 95


def test_hainan_scheme_base_100() -> None:
    hainan = SCHEMES["hainan"]
    records = [rec("SG-9-01", D(2025, 1, 1), 1), rec("SG-9-02", D(2025, 1, 1), 2), rec("SG-9-03", D(2025, 1, 1), 3)]
    assert standing_on(CONTRACTOR, records, hainan, D(2025, 2, 1)).score == 120  # +23 capped at +20


def test_a_scheme_can_deduct_only_some_severities() -> None:
    provincial = Scheme(name="province", deducted_severities=frozenset({"A", "B"}))  # type: ignore[arg-type]
    records = [rec("SG-3-05", D(2026, 1, 1), 1), rec("SG-4-04", D(2026, 1, 1), 2)]
    assert standing_on(CONTRACTOR, records, provincial, D(2026, 2, 1)).score == 95
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 2, 1)).score == 94


def test_points_per_unit_multiply_by_quantity() -> None:
    """Suzhou-style: each death deducts 10."""
    record = rec("SG-4-07", D(2026, 1, 1), 1, quantity=3)
    assert record.points == 30
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2026, 1, 1)).score == 70
    with pytest.raises(ValueError, match="quantity"):
        rec("SG-4-04", D(2026, 1, 1), 2, quantity=2)


# --- validity windows ----------------------------------------------------------------------------


def test_month_arithmetic_follows_the_civil_code() -> None:
    assert period_end(D(2026, 1, 15), 6) == D(2026, 7, 15)
    assert period_end(D(2025, 8, 31), 6) == D(2026, 2, 28)
    assert period_end(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)


@pytest.mark.parametrize(
    ("code", "event", "last_day"),
    [
        ("SG-3-05", D(2026, 1, 15), D(2026, 7, 15)),  # C, 6 months
        ("SG-4-04", D(2026, 1, 31), D(2027, 1, 31)),  # B, 12 months
        ("SG-3-01", D(2025, 8, 31), D(2027, 8, 31)),  # A, 24 months
        ("SG-2-01", D(2024, 2, 29), D(2027, 2, 28)),  # A, 36 months, from a leap day
    ],
)
def test_bad_record_counts_until_its_last_day_and_not_after(code: str, event: dt.date, last_day: dt.date) -> None:
    record = rec(code, event, 1)
    assert record.valid_until == last_day
    points = CATALOGUE.item(code).points
    one = dt.timedelta(days=1)
    assert standing_on(CONTRACTOR, [record], DEFAULT, event - one).score == 100  # not yet
    assert standing_on(CONTRACTOR, [record], DEFAULT, event).score == 100 - points
    assert standing_on(CONTRACTOR, [record], DEFAULT, last_day - one).score == 100 - points
    assert standing_on(CONTRACTOR, [record], DEFAULT, last_day).score == 100 - points
    after = standing_on(CONTRACTOR, [record], DEFAULT, last_day + one)
    assert after.score == 100
    assert after.records == ()  # expired: neither used nor shown


def test_good_record_counts_three_years() -> None:
    record = rec("SG-9-03", D(2025, 6, 1), 1)
    assert record.valid_until == D(2028, 6, 1)
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2028, 6, 1)).score == 105
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2028, 6, 2)).score == 100


def test_disclosure_never_shorter_than_the_related_penalty() -> None:
    """A six-month C record whose penalty (suspension from bidding) runs to the end of 2027 is
    disclosed until the penalty ends."""
    record = rec("SG-3-05", D(2026, 1, 15), 1, penalty_until=D(2027, 12, 31))
    assert record.valid_until == D(2027, 12, 31)
    assert record.penalised
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2027, 12, 31)).score == 99
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2028, 1, 1)).score == 100
    shorter = rec("SG-3-05", D(2026, 1, 15), 2, penalty_until=D(2026, 3, 1))
    assert shorter.valid_until == D(2026, 7, 15)


def test_disclosure_period_outside_six_to_36_months_is_refused() -> None:
    with pytest.raises(InvalidRecord, match="5 months"):
        bad_record(id=1, code="X", severity="C", points=1, event_date=D(2026, 1, 1), disclosure_months=5)
    with pytest.raises(InvalidRecord, match="37 months"):
        bad_record(id=1, code="X", severity="A", points=1, event_date=D(2026, 1, 1), disclosure_months=37)


def test_revoked_record_stops_counting_and_one_revoked_on_its_day_never_counted() -> None:
    record = rec("SG-4-04", D(2026, 1, 10), 1, revoked_on=D(2026, 2, 1))
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2026, 1, 31)).score == 95
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2026, 2, 1)).score == 100
    annulled = rec("SG-4-04", D(2026, 1, 10), 2, revoked_on=D(2026, 1, 10))
    history = standing_history(CONTRACTOR, [annulled], DEFAULT, D(2026, 1, 1), D(2027, 1, 1))
    assert {standing.score for standing in history} == {100}


def test_records_dated_after_the_day_are_ignored() -> None:
    records = [rec("SG-4-04", D(2026, 1, 10), 1), rec("SG-2-01", D(2026, 3, 1), 2)]
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 2, 28)).score == 95
    assert standing_on(CONTRACTOR, records, DEFAULT, D(2026, 3, 1)).score == 80


def test_invalid_records_are_refused() -> None:
    with pytest.raises(InvalidRecord):
        Record(id=1, kind="bad", points=Decimal(1), event_date=D(2026, 1, 1), valid_until=D(2026, 7, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidRecord):
        good_record(id=1, code="X", points=-1, event_date=D(2026, 1, 1))
    with pytest.raises(ValueError, match="before it starts"):
        Period(D(2026, 2, 1), D(2026, 1, 1))


# --- blacklist -----------------------------------------------------------------------------------


def test_forged_qualification_blacklists_whatever_the_score() -> None:
    records = [rec("SG-9-01", D(2025, 1, 1), 1), rec("SG-1-01", D(2026, 1, 1), 2)]
    standing = standing_on(CONTRACTOR, records, DEFAULT, D(2026, 1, 2))
    assert standing.score == 90  # 100 + 10 − 20: AAA by score
    assert standing.blacklist == {BlacklistReason.FORGED_QUALIFICATION}
    assert standing.grade == "C"
    keep_grade = Scheme(name="flag only", blacklist_grade=None)
    flagged = standing_on(CONTRACTOR, records, keep_grade, D(2026, 1, 2))
    assert (flagged.grade, flagged.blacklisted) == ("AAA", True)


def test_subcontracting_or_lending_blacklists_only_with_a_penalty() -> None:
    finding = rec("SG-2-03", D(2026, 1, 1), 1)
    assert not standing_on(CONTRACTOR, [finding], DEFAULT, D(2026, 2, 1)).blacklisted
    penalised = rec("SG-1-03", D(2026, 1, 1), 2, penalised=True)
    assert standing_on(CONTRACTOR, [penalised], DEFAULT, D(2026, 2, 1)).blacklist == {
        BlacklistReason.SUBCONTRACT_OR_LENDING
    }
    # …and only while the record is in force: expired bad information is not used for sanctions
    assert not standing_on(CONTRACTOR, [penalised], DEFAULT, D(2029, 1, 2)).blacklisted


def test_a_major_accident_blacklists() -> None:
    record = rec("SG-4-09", D(2026, 5, 1), 1)
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2026, 4, 30)).blacklist == frozenset()
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2026, 5, 1)).blacklist == {BlacklistReason.MAJOR_ACCIDENT}
    quality = rec("SG-3-07", D(2026, 5, 1), 2)
    assert standing_on(CONTRACTOR, [quality], DEFAULT, D(2026, 5, 1)).blacklist == {BlacklistReason.MAJOR_ACCIDENT}


@pytest.mark.parametrize(
    ("second", "blacklisted"),
    [(D(2026, 3, 9), True), (D(2026, 3, 10), True), (D(2026, 3, 11), False)],
)
def test_two_larger_accidents_within_a_year(second: dt.date, blacklisted: bool) -> None:
    first = rec("SG-4-08", D(2025, 3, 10), 1)  # larger safety accident
    later = rec("SG-3-06", second, 2)  # larger quality accident
    assert not standing_on(CONTRACTOR, [first], DEFAULT, second).blacklisted  # one alone does not
    standing = standing_on(CONTRACTOR, [first, later], DEFAULT, second)
    assert standing.blacklisted is blacklisted
    assert standing.blacklist == ({BlacklistReason.TWO_LARGER_ACCIDENTS} if blacklisted else frozenset())


def test_two_larger_accidents_blacklist_ends_when_the_first_expires() -> None:
    first, later = rec("SG-4-08", D(2025, 3, 10), 1), rec("SG-4-08", D(2025, 9, 1), 2)
    assert blacklist_reasons([first, later], D(2028, 3, 10)) == {BlacklistReason.TWO_LARGER_ACCIDENTS}
    assert blacklist_reasons([first, later], D(2028, 3, 11)) == frozenset()


def test_adjudicated_wage_arrears_blacklist_until_paid() -> None:
    arrears = rec("SG-5-03", D(2026, 2, 1), 1, settled_on=D(2026, 6, 15))
    assert standing_on(CONTRACTOR, [arrears], DEFAULT, D(2026, 6, 14)).blacklist == {
        BlacklistReason.WAGE_ARREARS_UNPAID
    }
    paid = standing_on(CONTRACTOR, [arrears], DEFAULT, D(2026, 6, 15))
    assert not paid.blacklisted
    assert paid.score == 80  # the bad record itself still counts until its disclosure ends
    unpaid = rec("A1-4-03", D(2026, 2, 1), 2)
    owner = Subject(id=2, subject_type="owner")  # type: ignore[arg-type]
    assert standing_on(owner, [unpaid], DEFAULT, D(2027, 1, 1)).blacklist == {BlacklistReason.WAGE_ARREARS_UNPAID}


def test_revoked_trigger_no_longer_blacklists() -> None:
    record = rec("SG-1-01", D(2026, 1, 1), 1, revoked_on=D(2026, 3, 1))
    assert standing_on(CONTRACTOR, [record], DEFAULT, D(2026, 2, 1)).blacklisted
    assert not standing_on(CONTRACTOR, [record], DEFAULT, D(2026, 3, 1)).blacklisted


# --- history -------------------------------------------------------------------------------------


def test_history_is_the_daily_series() -> None:
    records = [rec("SG-3-05", D(2026, 1, 15), 1), rec("SG-9-04", D(2026, 2, 1), 2)]
    history = standing_history(CONTRACTOR, records, DEFAULT, D(2026, 1, 1), D(2026, 7, 31))
    assert len(history) == 212
    assert [s.day for s in history] == [D(2026, 1, 1) + dt.timedelta(days=i) for i in range(212)]
    by_day = {s.day: s.score for s in history}
    assert by_day[D(2026, 1, 14)] == 100
    assert by_day[D(2026, 1, 15)] == 99
    assert by_day[D(2026, 2, 1)] == 102
    assert by_day[D(2026, 7, 15)] == 102
    assert by_day[D(2026, 7, 16)] == 103
    assert standing_history(CONTRACTOR, records, DEFAULT, D(2026, 2, 1), D(2026, 1, 1)) == []


# --- schemes -------------------------------------------------------------------------------------


def test_scheme_from_configuration() -> None:
    scheme = scheme_from_dict(
        {
            "name": "city",
            "base": 80,
            "addition_cap": None,
            "floor": None,
            "bands": [["优", 85], ["良", 70], ["差", None]],
        }
    )
    assert scheme.grade_for(Decimal(85)) == "优"
    assert scheme.grade_for(Decimal("84.99")) == "良"
    assert scheme.grade_for(Decimal(-5)) == "差"
    assert scheme.blacklist_grade == "差"
    with pytest.raises(InvalidScheme, match="blacklist grade C"):
        scheme_from_dict({"name": "x", "bands": [["优", 85], ["差", None]], "blacklist_grade": "C"})
    with pytest.raises(InvalidScheme, match="strictly decrease"):
        scheme_from_dict({"name": "x", "bands": [["AAA", 80], ["AA", 90], ["C", None]]})
    with pytest.raises(InvalidScheme, match="catch every lower score"):
        scheme_from_dict({"name": "x", "bands": [["AAA", 80], ["C", 60]]})
    with pytest.raises(InvalidScheme, match="unknown scheme settings: colour"):
        scheme_from_dict({"name": "x", "colour": "red"})


@pytest.mark.parametrize(
    ("score", "grade"),
    [("90", "AAA"), ("89.99", "AA"), ("80", "AA"), ("79.5", "A"), ("70", "A"), ("60", "B"), ("59.99", "C"), ("0", "C")],
)
def test_default_grade_thresholds(score: str, grade: str) -> None:
    assert DEFAULT.grade_for(Decimal(score)) == grade
