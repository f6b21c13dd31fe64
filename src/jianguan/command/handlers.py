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


def concrete_batch_failed(entry: LedgerEntry) -> None:
    from jianguan.concrete.models import BatchVerdict

    verdict = BatchVerdict.objects.select_related("bid_section", "jurisdiction").get(pk=entry.object_id)
    warning_raise(
        kind="concrete.batch_failed",
        subject_type="registry.bidsection",
        subject_id=str(verdict.bid_section_id),
        subject_label=str(verdict.bid_section),
        jurisdiction=verdict.jurisdiction,
        params={"batch": verdict.batch_id, "method": verdict.method, "n": verdict.n_groups},
        evidence=[{"kind": "ledger", "seq": entry.seq}, {"kind": "text", "text": verdict.explanation_zh}],
        condition_key=f"concrete.batch_failed:{verdict.batch_id}",
        at=entry.occurred_at,
    )


def concrete_custody_flagged(entry: LedgerEntry) -> None:
    from jianguan.concrete.models import CustodyFlag

    flag = CustodyFlag.objects.select_related("group__bid_section", "device", "jurisdiction").get(pk=entry.object_id)
    if flag.jurisdiction is None:
        return
    if flag.group is not None:
        subject_type, subject_id, label = (
            "registry.bidsection",
            str(flag.group.bid_section_id),
            str(flag.group.bid_section),
        )
    else:
        assert flag.device is not None
        subject_type, subject_id, label = "core.device", str(flag.device_id), flag.device.serial
    warning_raise(
        kind="concrete.custody_flag",
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=label,
        jurisdiction=flag.jurisdiction,
        params={"flag": str(flag.get_kind_display()), "subject": label},
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        condition_key=f"concrete.custody_flag:{flag.kind}:{subject_type}:{subject_id}",
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
    "concrete.batch.failed": [concrete_batch_failed],
    "concrete.custody.flagged": [concrete_custody_flagged],
    "licensing.application.overdue": [licence_application_overdue],
}
