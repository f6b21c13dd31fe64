"""Stages decided by other modules' processes, received as ledger events.

Licensing (issue 5) decides supervision registration (stage 5), the construction permit (7) and
completion filing (12). It may call ``lifecycle.services.stage_record`` directly, or, without
importing lifecycle, write one of these events with the payload

    {"bid_section": <id>, "on": "YYYY-MM-DD", "reference": "<permit or filing number>",
     "outcome": "passed" (default) | "exempt" | "failed", "responsible": ["name", …]}

The handler runs in licensing's transaction: if the stage's gate refuses (e.g. a permit before the
drawing review passed), the error propagates and licensing's write is rolled back with it, so the
two can never disagree. Licensing should show ``lifecycle.services.gate_check`` to its handlers
before deciding. Re-sent events change nothing (``stage_record`` is idempotent).
"""

from __future__ import annotations

import datetime as dt

from jianguan.core import errors
from jianguan.core.ledger import Handler
from jianguan.core.models import LedgerEntry
from jianguan.lifecycle.services import stage_record
from jianguan.registry.models import BidSection

# event action -> stage code
STAGE_EVENTS = {
    "licensing.supervision.registered": "supervision_registration",
    "licensing.permit.issued": "permit",
    "licensing.completion.filed": "completion_filing",
}


def record_stage_from_event(entry: LedgerEntry) -> None:
    stage = STAGE_EVENTS[entry.action]
    data = entry.data
    section = BidSection.objects.filter(pk=data.get("bid_section")).first()
    if section is None:
        raise errors.NotFound(what="BidSection", id=data.get("bid_section"))
    stage_record(
        actor=f"system:{entry.action.split('.', 1)[0]}",
        section=section,
        stage=stage,
        on=dt.date.fromisoformat(str(data["on"])),
        outcome=str(data.get("outcome") or "passed"),
        reference=str(data.get("reference") or ""),
        responsible=data.get("responsible") or (),
        source=entry.action,
        note=f"ledger #{entry.seq}",
    )


# licensing's own event: one per permit granted, its ``kind`` says which stage it decides
PERMIT_KIND_STAGES = {
    "construction_permit": "permit",
    "supervision_registration": "supervision_registration",
    "completion_filing": "completion_filing",
}


def record_stage_from_permit(entry: LedgerEntry) -> None:
    """``licensing.permit.granted`` (payload ``kind``, ``permit_number``, ``bid_section``,
    ``issued_on``) completes the stage the permit decides, in licensing's transaction."""
    data = entry.data
    stage = PERMIT_KIND_STAGES.get(str(data.get("kind")))
    if stage is None or not data.get("bid_section"):
        return
    section = BidSection.objects.filter(pk=data["bid_section"]).first()
    if section is None:
        raise errors.NotFound(what="BidSection", id=data.get("bid_section"))
    stage_record(
        actor="system:licensing",
        section=section,
        stage=stage,
        on=dt.date.fromisoformat(str(data["issued_on"])),
        reference=str(data.get("permit_number") or ""),
        source=entry.action,
        note=f"ledger #{entry.seq}",
    )


HANDLERS: dict[str, list[Handler]] = {
    **{action: [record_stage_from_event] for action in STAGE_EVENTS},
    "licensing.permit.granted": [record_stage_from_permit],
}
