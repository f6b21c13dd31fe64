"""Linkage: events other modules write to the ledger become warnings here."""

from __future__ import annotations

from jianguan.command.services import warning_raise
from jianguan.core.ledger import Handler
from jianguan.core.models import Jurisdiction, LedgerEntry


def _city() -> Jurisdiction:
    return Jurisdiction.objects.filter(parent__isnull=True).order_by("code").first() or Jurisdiction.objects.get()


def account_locked(entry: LedgerEntry) -> None:
    data = entry.data
    warning_raise(
        kind="core.account_locked",
        subject_type="core.user",
        subject_id=entry.object_id,
        subject_label=data.get("username", entry.object_id),
        jurisdiction=_city(),
        params={"username": data.get("username", ""), "ip_address": data.get("ip_address") or "?"},
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        condition_key=f"core.account_locked:{data.get('username', entry.object_id).lower()}",
        at=entry.occurred_at,
    )


def licence_application_overdue(entry: LedgerEntry) -> None:
    data = entry.data
    jurisdiction = Jurisdiction.objects.filter(code=data.get("jurisdiction")).first() or _city()
    warning_raise(
        kind="licensing.application_overdue",
        subject_type=entry.object_type,
        subject_id=entry.object_id,
        subject_label=data.get("number", entry.object_id),
        jurisdiction=jurisdiction,
        params={k: data.get(k, "") for k in ("number", "title", "deadline", "step")},
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        at=entry.occurred_at,
    )


HANDLERS: dict[str, list[Handler]] = {
    "core.account.locked": [account_locked],
    "licensing.application.overdue": [licence_application_overdue],
}
