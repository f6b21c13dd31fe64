"""Invariants of the scoring engine, over random record sets (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jianguan.credit.domain import (
    SCHEMES,
    Kind,
    Record,
    Scheme,
    Subject,
    standing_history,
    standing_on,
)
from tests.credit.strategies import days, records, subjects

SCHEME_LIST = [*SCHEMES.values(), Scheme(name="flag only", blacklist_grade=None, floor=None, addition_cap=None)]
schemes = st.sampled_from(SCHEME_LIST)
record_sets = st.lists(records(), max_size=12)
# the machine is shared: a slow draw under load is not a failure of the engine
SHARED_MACHINE = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def rank(scheme: Scheme, grade: str) -> int:
    return scheme.grades.index(grade)  # 0 is the best grade


@SHARED_MACHINE
@given(subjects(), record_sets, records(), days, schemes)
def test_adding_a_bad_record_never_raises_the_score(
    subject: Subject, existing: list[Record], extra: Record, day: dt.date, scheme: Scheme
) -> None:
    before = standing_on(subject, existing, scheme, day)
    after = standing_on(subject, [*existing, extra], scheme, day)
    if extra.kind is Kind.BAD:
        assert after.score <= before.score
        assert rank(scheme, after.grade) >= rank(scheme, before.grade)
        assert after.blacklist >= before.blacklist
    else:
        assert after.score >= before.score
        assert after.blacklist == before.blacklist


@SHARED_MACHINE
@given(subjects(), record_sets, days, schemes)
def test_the_standing_on_a_day_ignores_records_dated_after_it(
    subject: Subject, existing: list[Record], day: dt.date, scheme: Scheme
) -> None:
    known_then = [record for record in existing if record.event_date <= day]
    assert standing_on(subject, existing, scheme, day) == standing_on(subject, known_then, scheme, day)


@SHARED_MACHINE
@given(subjects(), record_sets, days, schemes)
def test_score_within_the_schemes_bounds(
    subject: Subject, existing: list[Record], day: dt.date, scheme: Scheme
) -> None:
    standing = standing_on(subject, existing, scheme, day)
    if scheme.floor is not None:
        assert standing.score >= scheme.floor
    if scheme.addition_cap is not None:
        assert standing.score <= scheme.base + scheme.addition_cap
        assert standing.additions <= scheme.addition_cap
    if not standing.blacklisted:
        assert standing.grade == scheme.grade_for(standing.score)
    elif scheme.blacklist_grade is not None:
        assert standing.grade == scheme.blacklist_grade


@SHARED_MACHINE
@given(subjects(), record_sets, schemes)
def test_once_every_record_has_expired_only_the_base_is_left(
    subject: Subject, existing: list[Record], scheme: Scheme
) -> None:
    day = max((record.valid_until for record in existing), default=dt.date(2030, 1, 1)) + dt.timedelta(days=1)
    standing = standing_on(subject, existing, scheme, day)
    assert standing.records == ()
    assert not standing.blacklisted
    expected = standing.base if scheme.floor is None else max(standing.base, scheme.floor)
    assert standing.score == expected


@SHARED_MACHINE
@given(subjects(), record_sets, records(), days, schemes)
def test_a_record_revoked_on_its_own_day_is_as_if_it_never_existed(
    subject: Subject, existing: list[Record], extra: Record, day: dt.date, scheme: Scheme
) -> None:
    from dataclasses import replace

    annulled = replace(extra, revoked_on=extra.event_date)
    assert standing_on(subject, [*existing, annulled], scheme, day) == standing_on(subject, existing, scheme, day)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subjects(), record_sets, days, st.integers(0, 200), schemes)
def test_history_equals_the_standing_of_each_day(
    subject: Subject, existing: list[Record], start: dt.date, length: int, scheme: Scheme
) -> None:
    end = start + dt.timedelta(days=length)
    history = standing_history(subject, existing, scheme, start, end)
    assert len(history) == length + 1
    for standing in history:
        assert standing == standing_on(subject, existing, scheme, standing.day)
