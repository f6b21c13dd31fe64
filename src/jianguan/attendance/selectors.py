"""Scoped reads for attendance pages and the API."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jianguan.attendance.duty import month_bounds, presence
from jianguan.attendance.models import Absence, Binding, CheckIn, DutyEvaluation, QuarantinedLine
from jianguan.core.access import access_object, require_permission, scope_queryset
from jianguan.core.calendar import is_working_day
from jianguan.core.models import Device
from jianguan.registry.models import BidSection, KeyPerson

AnyUser = Any


def device_list(*, user: AnyUser) -> QuerySet[Device]:
    """Attendance terminals and hand-helds in the user's jurisdictions, with binding and last-seen."""
    require_permission(user, "attendance.view_binding", action=_("view attendance devices"))
    queryset = Device.objects.filter(kind__in=[Device.Kind.ATTENDANCE_TERMINAL, Device.Kind.HANDHELD]).select_related(
        "attendance_state", "jurisdiction"
    )
    return scope_queryset(queryset, user).order_by("serial")


def current_bindings(devices: list[Device]) -> dict[int, Binding]:
    rows = Binding.objects.filter(device__in=devices, ended_at__isnull=True).select_related("bid_section")
    return {row.device_id: row for row in rows}


def exception_list(*, user: AnyUser, flag: str = "") -> QuerySet[CheckIn]:
    """Flagged check-ins in the user's jurisdictions (by the device's jurisdiction), newest first."""
    require_permission(user, "attendance.view_checkin", action=_("view check-ins"))
    queryset = CheckIn.objects.exclude(flags="").select_related("device", "person", "bid_section")
    if flag:
        queryset = queryset.filter(flags__contains=flag)
    return scope_queryset(queryset, user, field="device__jurisdiction").order_by("-punched_at")


def quarantine_list(*, user: AnyUser) -> QuerySet[QuarantinedLine]:
    require_permission(user, "attendance.view_checkin", action=_("view check-ins"))
    return scope_queryset(QuarantinedLine.objects.select_related("device"), user, field="device__jurisdiction")


def access_section_by_id(user: AnyUser, section_id: Any) -> BidSection:
    require_permission(user, "attendance.view_checkin", action=_("view check-ins"))
    return access_object(
        BidSection.objects.select_related("project", "jurisdiction"), user, section_id, what=_("Bid section")
    )


@dataclass
class CalendarRow:
    post: KeyPerson
    cells: list[str]  # per day: "present", "absence", "missing", "rest", "" (outside the post)
    present: int
    evaluation: DutyEvaluation | None


def section_calendar(section: BidSection, month: dt.date) -> tuple[list[dt.date], list[CalendarRow]]:
    """The key people of a section against the days of a month: present, approved absence, missing."""
    first, last = month_bounds(month)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    seen = presence(first, last)
    absences: dict[int, set[dt.date]] = defaultdict(set)
    for absence in Absence.objects.filter(bid_section=section, first_day__lte=last, last_day__gte=first):
        day = max(first, absence.first_day)
        while day <= min(last, absence.last_day):
            absences[absence.person_id].add(day)
            day += dt.timedelta(days=1)
    evaluations = {(e.person_id, e.role): e for e in DutyEvaluation.objects.filter(bid_section=section, month=first)}
    posts = (
        KeyPerson.objects.filter(bid_section=section, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .select_related("person")
        .order_by("role")
    )
    rows = []
    for post in posts:
        present_days = seen.get((section.pk, post.person_id), set())
        cells = []
        for day in days:
            if day < post.started_on or (post.ended_on and day > post.ended_on):
                cells.append("")
            elif day in present_days:
                cells.append("present")
            elif day in absences.get(post.person_id, set()):
                cells.append("absence")
            elif is_working_day(day):
                cells.append("missing")
            else:
                cells.append("rest")
        rows.append(CalendarRow(post, cells, len(present_days), evaluations.get((post.person_id, post.role))))
    return days, rows
