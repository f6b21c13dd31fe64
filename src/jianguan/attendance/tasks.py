"""Periodic attendance jobs: the daily absence check and the monthly evaluation."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.attendance.duty import absence_warnings, attendance_evaluate, duty_evaluate, travel_leads


@db_periodic_task(crontab(hour="6", minute="10"))
def attendance_daily() -> None:
    """Absence warnings, yesterday's travel leads, and this month's running figures."""
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    absence_warnings(today=today)
    travel_leads(first=yesterday, last=yesterday)
    duty_evaluate(month=yesterday.replace(day=1), today=today)


@db_periodic_task(crontab(day="1", hour="6", minute="40"))
def attendance_monthly() -> None:
    """The finished month's duty evaluation, shortfall warnings and lending leads."""
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    attendance_evaluate(month=last_month.replace(day=1))
