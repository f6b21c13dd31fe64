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

from django.utils import translation

from jianguan.core import errors
from jianguan.core.ledger import Handler
from jianguan.core.models import LedgerEntry
from jianguan.lifecycle.services import gate_check, stage_record
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
    section = BidSection.objects.select_related("jurisdiction", "project").filter(pk=data["bid_section"]).first()
    if section is None:
        raise errors.NotFound(what="BidSection", id=data.get("bid_section"))
    on = dt.date.fromisoformat(str(data["issued_on"]))
    gate = gate_check(section=section, stage=stage, on=on)
    if gate.missing:
        # The permit exists (licensing decided it on its own evidence), but the stage line lacks
        # what should precede it: the stage is not opened behind its gate's back; the command
        # centre is told, with what is missing, so the history is completed or the permit examined.
        from jianguan.command.services import warning_raise
        from jianguan.lifecycle.stages import stage_by_code

        with translation.override("zh-hans"):
            missing = "、".join(gate.missing_text())
        warning_raise(
            kind="lifecycle.stage_out_of_order",
            subject_type="registry.bidsection",
            subject_id=str(section.pk),
            subject_label=f"{section.project.name} {section.name}",
            jurisdiction=section.jurisdiction,
            params={
                "section": section.code,
                "stage": getattr(stage_by_code(stage), "name_zh", stage),
                "on": on.isoformat(),
                "missing": missing,
            },
            evidence=[
                {"kind": "ledger", "seq": entry.seq},
                {"kind": "link", "url": f"/lifecycle/sections/{section.pk}/"},
            ],
            condition_key=f"lifecycle.out_of_order:{section.pk}:{stage}",
        )
        return
    stage_record(
        actor="system:licensing",
        section=section,
        stage=stage,
        on=on,
        reference=str(data.get("permit_number") or ""),
        source=entry.action,
        note=f"ledger #{entry.seq}",
    )


HANDLERS: dict[str, list[Handler]] = {
    **{action: [record_stage_from_event] for action in STAGE_EVENTS},
    "licensing.permit.granted": [record_stage_from_permit],
}
