"""Writes of the lake's app: a detection is recorded once, with a ledger entry (which
``lake/handlers.py`` turns into a command-centre warning)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from jianguan.core.ledger import ledger_append
from jianguan.core.models import Device
from jianguan.lake.models import Detection


@transaction.atomic
def detection_record(
    *,
    kind: str,
    device: Device,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    site: str = "",
    params: dict[str, Any] | None = None,
) -> tuple[Detection, bool]:
    """Record a condition found by a job; an already recorded one (same kind, device, start) is
    returned as it is, and nothing is written."""
    existing = Detection.objects.filter(kind=kind, device=device, started_at=started_at).first()
    if existing is not None:
        return existing, False
    detection = Detection(
        kind=kind,
        device=device,
        jurisdiction=device.jurisdiction,
        site=site or "",
        started_at=started_at,
        ended_at=ended_at,
        params=params or {},
    )
    detection.full_clean()
    try:
        with transaction.atomic():
            detection.save()
    except IntegrityError:  # recorded at the same moment by another run
        return Detection.objects.get(kind=kind, device=device, started_at=started_at), False
    ledger_append(
        actor="system:lake",
        action="lake.detection.recorded",
        target=detection,
        payload={
            "kind": kind,
            "device": device.serial,
            "site": site,
            "started_at": started_at,
            "ended_at": ended_at,
            "params": params or {},
        },
    )
    return detection, True
