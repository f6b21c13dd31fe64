from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.supervision.services import rectifications_flag_overdue


@db_periodic_task(crontab(minute="20", hour="6"))
def flag_overdue_rectifications() -> int:
    """Every morning: open rectification orders past their deadline become command warnings."""
    return rectifications_flag_overdue()
