"""Background work of the concrete module (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def press_readings_to_lake() -> int:
    """After an upload: the new readings to the lake's ``concrete_press`` table."""
    from jianguan.concrete.outbox import readings_to_lake_logged

    return readings_to_lake_logged()


@db_periodic_task(crontab(minute="*/5"))
def press_readings_to_lake_retry() -> int:
    """Every five minutes: whatever is still waiting (the lake was down, a worker died)."""
    from jianguan.concrete.outbox import readings_to_lake_logged

    return readings_to_lake_logged()
