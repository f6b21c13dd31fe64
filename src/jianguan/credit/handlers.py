"""Linkage: ledger events of other modules that become credit records, and credit events that
become command-centre warnings."""

from __future__ import annotations

from django.utils.translation import gettext

from jianguan.command.services import warning_raise
from jianguan.core.ledger import Handler
from jianguan.core.models import Jurisdiction, LedgerEntry
from jianguan.credit.models import Subject
from jianguan.credit.services import BLACKLIST_LABELS, finding_confirmed


def subject_flagged(entry: LedgerEntry) -> None:
    """``credit.subject.flagged`` → a warning for the credit office (blacklisted / lowest grade)."""
    data = entry.data
    subject = Subject.objects.select_related("jurisdiction").get(pk=entry.object_id)
    jurisdiction = subject.jurisdiction or Jurisdiction.objects.filter(parent__isnull=True).order_by("code").first()
    if jurisdiction is None:
        return
    kind = "credit.blacklisted" if data["condition"] == "blacklisted" else "credit.lowest_grade"
    warning_raise(
        kind=kind,
        subject_type="credit.subject",
        subject_id=str(subject.pk),
        subject_label=subject.name,
        jurisdiction=jurisdiction,
        params={
            "subject": subject.name,
            "day": data["day"],
            "grade": data["grade"],
            "score": data["score"],
            "code": data["code"],
            "reasons": "、".join(gettext(str(BLACKLIST_LABELS[r])) for r in data["reasons"]) or "-",
        },
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        condition_key=f"{kind}:{subject.pk}",
        at=entry.occurred_at,
    )


HANDLERS: dict[str, list[Handler]] = {
    # supervision confirms an inspection finding → a bad-behaviour record (payload: docs/architecture.md)
    "supervision.finding.confirmed": [finding_confirmed],
    "credit.subject.flagged": [subject_flagged],
}
