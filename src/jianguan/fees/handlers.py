"""Linkage: a reconciliation flag (``fees.flag.raised``) becomes a command-centre warning when the
command centre is installed; one open warning per flag."""

from __future__ import annotations

from django.apps import apps

from jianguan.core.ledger import Handler
from jianguan.core.models import LedgerEntry
from jianguan.registry.models import Project

WARNING_OF_FLAG = {
    "area_grew": "fees.area_grew",
    "relief_no_policy": "fees.relief_no_policy",
    "relief_use_not_qualifying": "fees.relief_use_not_qualifying",
    "relief_exceeds_policy": "fees.relief_exceeds_policy",
    "permit_before_fee": "fees.permit_before_fee",
}


def warning_from_flag(entry: LedgerEntry) -> None:
    if not apps.is_installed("jianguan.command"):
        return
    from jianguan.command.services import warning_raise

    data = entry.data
    kind = WARNING_OF_FLAG.get(str(data.get("kind")))
    project = Project.objects.select_related("jurisdiction").filter(pk=data.get("project")).first()
    if kind is None or project is None:
        return
    warning_raise(
        kind=kind,
        subject_type="registry.project",
        subject_id=str(project.pk),
        subject_label=f"{project.code} {project.name}",
        jurisdiction=project.jurisdiction,
        params={str(k): str(v) for k, v in (data.get("params") or {}).items()},
        evidence=[{"kind": "ledger", "seq": entry.seq}, {"kind": "link", "url": f"/fees/projects/{project.pk}/"}],
        condition_key=f"fees.flag:{entry.object_id}",
        at=entry.occurred_at,
    )


HANDLERS: dict[str, list[Handler]] = {"fees.flag.raised": [warning_from_flag]}
