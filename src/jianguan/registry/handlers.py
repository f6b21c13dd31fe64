"""Linkage: the registry's expiry and key-person events become command-centre warnings (when the
command centre is installed)."""

from __future__ import annotations

from django.apps import apps

from jianguan.core.ledger import Handler
from jianguan.core.models import LedgerEntry
from jianguan.registry.models import BidSection, Enterprise


def _command_installed() -> bool:
    return apps.is_installed("jianguan.command")


def _certificate_warning(entry: LedgerEntry, kind: str) -> None:
    if not _command_installed():
        return
    from jianguan.command.services import warning_raise

    data = entry.data
    enterprise = Enterprise.objects.select_related("jurisdiction").filter(pk=data.get("enterprise_id")).first()
    if enterprise is None:
        return
    warning_raise(
        kind=kind,
        subject_type=entry.object_type,
        subject_id=entry.object_id,
        subject_label=f"{data.get('holder', '')} {data.get('number', '')}".strip(),
        jurisdiction=enterprise.jurisdiction,
        params={
            "holder": data.get("holder", ""),
            "number": data.get("number", ""),
            "valid_until": data.get("valid_until", ""),
            "days_left": data.get("days_left", 0),
        },
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        condition_key=f"{kind}:{entry.object_type}:{entry.object_id}",
        at=entry.occurred_at,
    )


def certificate_expiring(entry: LedgerEntry) -> None:
    # only the last threshold (30 days) is worth a warning; 90 days is in the list and the dashboard
    if int(entry.data.get("threshold", 0)) <= 30:
        _certificate_warning(entry, "registry.certificate_expiring")


def certificate_expired(entry: LedgerEntry) -> None:
    _certificate_warning(entry, "registry.certificate_expired")


def key_person_not_registered(entry: LedgerEntry) -> None:
    if not _command_installed():
        return
    from jianguan.command.services import warning_raise

    data = entry.data
    section = BidSection.objects.select_related("jurisdiction").filter(pk=data.get("bid_section_id")).first()
    if section is None:
        return
    warning_raise(
        kind="registry.key_person_not_registered",
        subject_type="registry.keyperson",
        subject_id=entry.object_id,
        subject_label=f"{data.get('person', '')} · {data.get('bid_section', '')}",
        jurisdiction=section.jurisdiction,
        params={
            "person": data.get("person", ""),
            "enterprise": data.get("enterprise", ""),
            "registered_with": data.get("registered_with", ""),
            "bid_section": data.get("bid_section", ""),
        },
        evidence=[{"kind": "ledger", "seq": entry.seq}],
        at=entry.occurred_at,
    )


HANDLERS: dict[str, list[Handler]] = {
    "registry.certificate.expiring": [certificate_expiring],
    "registry.certificate.expired": [certificate_expired],
    "registry.key_person.not_registered": [key_person_not_registered],
}
