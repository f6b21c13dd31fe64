"""Attendance pages: devices with last-seen, a section's calendar of key people, exceptions."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jianguan.attendance import selectors
from jianguan.attendance.models import CheckIn


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    devices = list(selectors.device_list(user=request.user))
    bindings = selectors.current_bindings(devices)
    rows = [(device, bindings.get(device.pk), getattr(device, "attendance_state", None)) for device in devices]
    return render(request, "attendance/device_list.html", {"rows": rows, "now": timezone.now()})


@login_required
def exception_list(request: HttpRequest) -> HttpResponse:
    flag = request.GET.get("flag", "")
    if flag not in CheckIn.Flag.values:
        flag = ""
    page = Paginator(selectors.exception_list(user=request.user, flag=flag), 50).get_page(request.GET.get("page"))
    quarantined = selectors.quarantine_list(user=request.user)[:20]
    return render(
        request,
        "attendance/exception_list.html",
        {
            "page": page,
            "flag": flag,
            "filters": {"flag": flag},
            "flags": CheckIn.Flag.choices,
            "quarantined": quarantined,
        },
    )


@login_required
def section_calendar(request: HttpRequest, section_id: int) -> HttpResponse:
    section = selectors.access_section_by_id(request.user, section_id)
    try:
        month = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()  # noqa: DTZ007 - a month
    except ValueError:
        month = timezone.localdate().replace(day=1)
    days, rows = selectors.section_calendar(section, month)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "attendance/section_calendar.html",
        {"section": section, "month": month, "days": days, "rows": rows, "previous": previous, "following": following},
    )
