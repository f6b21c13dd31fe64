"""Linkage: a new forgery lead becomes a warning for the quality station."""

from __future__ import annotations

from jianguan.core.ledger import Handler
from jianguan.core.models import LedgerEntry


def forgery_lead_found(entry: LedgerEntry) -> None:
    from jianguan.command.services import warning_raise
    from jianguan.concrete.models import ForgeryLead

    lead = ForgeryLead.objects.select_related("lab", "jurisdiction").get(pk=entry.object_id)
    names = lead.lab.name if lead.lab is not None else lead.labs
    subject_type, subject_id = (
        ("registry.enterprise", str(lead.lab_id)) if lead.lab_id else ("concrete.forgerylead", str(lead.pk))
    )
    warning_raise(
        kind="concrete.forgery_lead",
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=names,
        jurisdiction=lead.jurisdiction,
        params={"labs": names, "summary": lead.summary_zh, "signal": lead.signal},
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        condition_key=f"concrete.forgery_lead:{lead.lead_id}",
        at=entry.occurred_at,
    )


HANDLERS: dict[str, list[Handler]] = {
    "concrete.forgery.lead_found": [forgery_lead_found],
}
