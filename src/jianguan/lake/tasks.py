"""The lake's periodic jobs (Huey)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/10"))
def lake_exceedance() -> None:
    """Every ten minutes: dust and noise runs above the limits over the last two days."""
    from jianguan.lake.jobs import run_exceedance

    run_exceedance(since=timezone.now() - dt.timedelta(days=2))


@db_periodic_task(crontab(minute="5,35"))
def lake_silent_devices() -> None:
    """Twice an hour: registered devices that have gone quiet."""
    from jianguan.lake.jobs import run_silent

    run_silent()


@db_periodic_task(crontab(minute="20"))
def lake_ledger_export() -> None:
    """Every hour: the ledger's new entries into the ledger_events audit table."""
    from jianguan.lake.export import export_ledger

    export_ledger()


@db_periodic_task(crontab(hour="3", minute="40"))
def lake_maintenance() -> None:
    """Every night: compaction and checkpoints; vacuum except audit tables."""
    from jianguan.lake.store import maintain_all

    maintain_all()


@db_periodic_task(crontab(minute="*"))
def lake_drop_folder() -> None:
    """Every minute, when LAKE_DROP_DIR is set: ingest the files dropped there."""
    folder = getattr(settings, "LAKE_DROP_DIR", "")
    if not folder:
        return
    from jianguan.lake.dropfolder import ingest_pending

    for _ in ingest_pending(Path(folder)):
        pass
