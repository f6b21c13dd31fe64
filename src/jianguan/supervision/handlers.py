"""Linkage: an overdue rectification order (``supervision.rectification.overdue``) becomes a warning
of kind ``supervision.rectification_overdue`` for the command centre."""

from __future__ import annotations

from jianguan.core.ledger import Handler
from jianguan.core.models import LedgerEntry


def rectification_overdue(entry: LedgerEntry) -> None:
    from jianguan.command.services import warning_raise
    from jianguan.core.models import Jurisdiction

    data = entry.data
    warning_raise(
        kind="supervision.rectification_overdue",
        subject_type="registry.bidsection",
        subject_id=str(data["bid_section"]),
        subject_label=data.get("bid_section_code", ""),
        jurisdiction=Jurisdiction.objects.get(pk=data["jurisdiction"]),
        params={"number": data["number"], "deadline": data["deadline"], "enterprise": data.get("enterprise", "")},
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        condition_key=f"supervision.rectification_overdue:{data['number']}",
        at=entry.occurred_at,
    )


HANDLERS: dict[str, list[Handler]] = {
    "supervision.rectification.overdue": [rectification_overdue],
}
