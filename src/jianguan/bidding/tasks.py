"""Nightly reassessment of the tenders, so a lead reflects the latest records."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="2", minute="40"))
def leads_refresh_nightly() -> None:
    from jianguan.bidding.services import leads_refresh

    leads_refresh(actor="system:bidding")
