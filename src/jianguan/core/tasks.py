"""Core's periodic jobs."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.core.ledger import ledger_anchor
from jianguan.core.signing import device_nonces_prune


@db_periodic_task(crontab(minute="0"))
def ledger_anchor_hourly() -> None:
    """Every hour, record the ledger's head outside the database (see `jianguan ledger verify`)."""
    ledger_anchor()


@db_periodic_task(crontab(minute="*/10"))
def device_nonces_prune_periodic() -> None:
    """Every ten minutes, forget device nonces older than the signature window."""
    device_nonces_prune()
