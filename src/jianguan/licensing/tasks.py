"""Periodic licensing jobs: overdue applications are reported, unstarted permits lapse."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.licensing.services import applications_flag_overdue, permits_lapse


@db_periodic_task(crontab(minute="20", hour="*"))
def flag_overdue_hourly() -> int:
    return len(applications_flag_overdue())


@db_periodic_task(crontab(minute="30", hour="1"))
def lapse_permits_nightly() -> int:
    return len(permits_lapse())
