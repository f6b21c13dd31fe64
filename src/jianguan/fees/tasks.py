"""The fee's daily reconciliation (05:50): area growth, reliefs, permits before the fee."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.fees.services import fees_check


@db_periodic_task(crontab(hour="5", minute="50"))
def fees_check_daily() -> int:
    return fees_check().total
