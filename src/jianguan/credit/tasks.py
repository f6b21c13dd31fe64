"""The credit module's periodic job: everyone's standing, every night."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.credit.services import standings_recompute


@db_periodic_task(crontab(hour="1", minute="15"))
def recompute_standings_nightly() -> None:
    """Every night after midnight: the day's score, grade and blacklist status of every subject."""
    standings_recompute()
