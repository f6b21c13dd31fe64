"""Working days for statutory time limits (holidays and make-up working days).

Official data comes from ``chinesecalendar`` (the State Council's schedule, for the years it
knows). Days set by administrators (:class:`CalendarDay`) take precedence — that is how the next
year's schedule is entered once published. For a year with neither, Monday to Friday minus the
fixed-date holidays counts, and :func:`is_official` says the answer is provisional, so a deadline
shown to people can say so.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from django.db import transaction

from jianguan.core.ledger import Actor, ledger_append
from jianguan.core.models import CalendarDay

# Fixed-date public holidays (the lunar ones move and are only known from the published schedule).
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}
_HORIZON_DAYS = 3660  # a guard against runaway loops: no statutory limit is ten years long


class _Calendar:
    """Answers "is this a working day?", loading administrators' days one year at a time."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, bool]] = {}
        self._answers: dict[dt.date, bool] = {}  # chinesecalendar checks each date slowly (~20 µs)

    def working(self, day: dt.date) -> bool:
        answer = self._answers.get(day)
        if answer is None:
            answer = self._answers[day] = self._working(day)
        return answer

    def _working(self, day: dt.date) -> bool:
        year = self._years.get(day.year)
        if year is None:
            year = dict(CalendarDay.objects.filter(day__year=day.year).values_list("day", "is_working_day"))
            self._years[day.year] = year
        if day in year:
            return year[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS


def is_working_day(day: dt.date) -> bool:
    return _Calendar().working(day)


def is_official(day: dt.date) -> bool:
    """Whether the day's status comes from the published schedule or an administrator."""
    if CalendarDay.objects.filter(day=day).exists():
        return True
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day on which a limit of ``days`` working days counted from ``start`` ends.

    The start day itself is not counted (a limit of 7 working days from an application received on
    a Monday ends on the following Wednesday when there is no holiday)."""
    if days < 0:
        raise ValueError("days must not be negative")
    calendar = _Calendar()
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if (day - start).days > _HORIZON_DAYS:
            raise ValueError("working-day horizon exceeded")
        counted += calendar.working(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    if end <= start:
        return 0
    if (end - start).days > _HORIZON_DAYS:
        raise ValueError("working-day horizon exceeded")
    calendar = _Calendar()
    return sum(calendar.working(start + dt.timedelta(days=offset)) for offset in range(1, (end - start).days + 1))


@transaction.atomic
def calendar_day_set(*, actor: Actor, day: dt.date, is_working_day: bool, note: str) -> CalendarDay:
    """Set a day's status (e.g. entering next year's published schedule); recorded in the ledger."""
    entry, _created = CalendarDay.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "note": note}
    )
    ledger_append(
        actor=actor,
        action="core.calendar.day_set",
        target=entry,
        payload={"day": day, "is_working_day": is_working_day, "note": note},
    )
    return entry
