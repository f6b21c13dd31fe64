"""The stage line's daily job: passed deadlines and stages opened out of order become command
warnings, one open warning per condition (a repeat on the next day counts another occurrence)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.command.catalogue import KINDS
from jianguan.command.services import warning_raise
from jianguan.lifecycle.selectors import deadline_breaches, stages_out_of_order
from jianguan.lifecycle.stages import stage_by_code
from jianguan.registry.models import BidSection


@dataclass(frozen=True)
class CheckResult:
    overdue: int
    out_of_order: int
    new_warnings: int


def _condition_zh(item: dict[str, str]) -> str:
    if item.get("kind") == "notice":
        return "提前7个工作日告知质量监督机构"
    stage = stage_by_code(item.get("condition", ""))
    return stage.name_zh if stage else item.get("condition", "")


def _label(section: BidSection) -> str:
    return f"{section.code} {section.project.name} {section.name}"[:255]


@transaction.atomic
def lifecycle_check(*, today: dt.date | None = None) -> CheckResult:
    """Raise warnings for deadlines not met by ``today`` and for stages opened out of order."""
    day = today or timezone.localdate()
    sections = BidSection.objects.all()
    new = 0
    overdue = deadline_breaches(sections=sections, today=day, states=("overdue",))
    for row in overdue:
        rule = row.item.rule
        kind = f"lifecycle.{rule.code}" if f"lifecycle.{rule.code}" in KINDS else "lifecycle.deadline_overdue"
        _alert, created = warning_raise(
            kind=kind,
            subject_type="registry.bidsection",
            subject_id=str(row.section.pk),
            subject_label=_label(row.section),
            jurisdiction=row.section.jurisdiction,
            params={
                "section": row.section.code,
                "deadline": rule.label_zh,
                "anchor": row.item.anchor_on.isoformat(),
                "due": row.item.due_on.isoformat(),
                "days": row.days_late,
            },
            evidence=[{"kind": "link", "url": f"/lifecycle/sections/{row.section.pk}/"}],
            condition_key=f"lifecycle.deadline:{row.section.pk}:{rule.code}:{row.item.anchor_on.isoformat()}",
        )
        new += created
    disorder = stages_out_of_order(sections=sections)
    for found in disorder:
        _alert, created = warning_raise(
            kind="lifecycle.stage_out_of_order",
            subject_type="registry.bidsection",
            subject_id=str(found.section.pk),
            subject_label=_label(found.section),
            jurisdiction=found.section.jurisdiction,
            params={
                "section": found.section.code,
                "stage": found.stage.name_zh,
                "on": found.started_on.isoformat(),
                "missing": "、".join(_condition_zh(m) for m in found.missing),
            },
            evidence=[{"kind": "link", "url": f"/lifecycle/sections/{found.section.pk}/"}],
            condition_key=f"lifecycle.out_of_order:{found.section.pk}:{found.stage.code}",
        )
        new += created
    return CheckResult(overdue=len(overdue), out_of_order=len(disorder), new_warnings=new)


@db_periodic_task(crontab(hour="5", minute="40"))
def lifecycle_check_daily() -> None:
    """Every morning: statutory deadlines of the stage line, and stages opened out of order."""
    lifecycle_check()
