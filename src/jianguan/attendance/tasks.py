"""Attendance jobs (Huey): chaining uploaded batches into the ledger, copying check-ins to the lake,
pushing attendance to the national real-name platform, the daily absence check and the monthly
evaluation."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from jianguan.attendance.duty import absence_warnings, attendance_evaluate, duty_evaluate, travel_leads


@db_task(retries=5, retry_delay=2)
def attendance_batches_drain() -> int:
    """Scheduled after an upload commits: chain the waiting batches into the ledger."""
    from jianguan.attendance.services import batches_ledger

    return batches_ledger()


@db_periodic_task(crontab(minute="*"), retries=2, retry_delay=10)
def attendance_batches_sweep() -> None:
    """Every minute: chain any batch whose drain did not run (its process died), and copy the
    check-ins stored since the last run to the lake (a lake that is down is tried again next minute)."""
    from jianguan.attendance.history import checkins_to_lake_all
    from jianguan.attendance.services import batches_ledger

    batches_ledger()
    checkins_to_lake_all()


@db_periodic_task(crontab(minute="*/5"))
def attendance_realname_push() -> None:
    """Every five minutes: group new check-ins of linked sections into pushes and send them."""
    from django.conf import settings

    from jianguan.attendance import realname

    if not settings.ATTENDANCE_REALNAME_URL:
        return
    for push_id in realname.pushes_prepare():
        attendance_realname_send(push_id)
    for push_id in realname.pushes_waiting():
        attendance_realname_send(push_id)


@db_task(retries=6, retry_delay=30, retry_backoff=2)
def attendance_realname_send(push_id: int) -> str:
    """Send one push (or ask for its asynchronous result); a transient failure is retried by Huey."""
    from jianguan.attendance import realname

    return realname.push_advance(push_id=push_id)


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
