"""Working days: the published schedule, administrators' overrides, provisional years."""

from __future__ import annotations

import datetime as dt

import pytest

from jianguan.core.calendar import add_working_days, calendar_day_set, is_official, is_working_day, working_days_between
from jianguan.core.models import LedgerEntry

pytestmark = pytest.mark.django_db
D = dt.date


def test_national_day_week_and_make_up_days_2026() -> None:
    assert not is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 10, 7))
    assert is_working_day(D(2026, 10, 10))  # Saturday worked to make up for the holiday
    assert not is_working_day(D(2026, 10, 11))  # an ordinary Sunday


def test_seven_working_days_across_a_holiday() -> None:
    # Received Monday 28 Sep 2026: 29, 30 Sep, then 8, 9, 10 (make-up Saturday), 12, 13 Oct.
    assert add_working_days(D(2026, 9, 28), 7) == D(2026, 10, 13)
    assert working_days_between(D(2026, 9, 28), D(2026, 10, 13)) == 7
    assert add_working_days(D(2026, 9, 28), 0) == D(2026, 9, 28)


def test_ordinary_week() -> None:
    assert add_working_days(D(2026, 11, 23), 7) == D(2026, 12, 2)  # Mon + 7 working days = next Wed
    assert working_days_between(D(2026, 11, 23), D(2026, 11, 22)) == 0


def test_years_without_data_are_provisional_until_set() -> None:
    assert not is_official(D(2027, 2, 8))
    assert is_working_day(D(2027, 2, 8))  # a Monday: provisionally a working day
    assert not is_working_day(D(2027, 1, 1))  # New Year's Day is a fixed holiday
    calendar_day_set(actor="system:test", day=D(2027, 2, 8), is_working_day=False, note="春节")
    assert is_official(D(2027, 2, 8))
    assert not is_working_day(D(2027, 2, 8))
    assert LedgerEntry.objects.filter(action="core.calendar.day_set").count() == 1


def test_override_wins_over_published_data() -> None:
    calendar_day_set(actor="system:test", day=D(2026, 11, 25), is_working_day=False, note="防汛停工")
    assert not is_working_day(D(2026, 11, 25))
    assert add_working_days(D(2026, 11, 24), 1) == D(2026, 11, 26)


def test_deadline_crossing_into_an_unpublished_year() -> None:
    assert add_working_days(D(2026, 12, 28), 7) == D(2027, 1, 7)  # 29,30,31 Dec, (1 Jan off) 4,5,6,7 Jan


def test_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(D(2026, 1, 5), -1)
