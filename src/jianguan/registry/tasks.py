"""The registry's scheduled work."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.registry.expiries import expiries_scan


@db_periodic_task(crontab(minute="15", hour="6"))
def certificate_expiries_daily() -> None:
    """Every morning, report certificates running out or expired and key people acting for an
    enterprise they are not registered with (once each; the handlers raise warnings)."""
    expiries_scan()
