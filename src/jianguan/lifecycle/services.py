"""Writes of the stage line: stages opened and completed behind their gates, documents with their
checksums, drawing-review findings; every write is in the ledger in the same transaction.

The interface other modules use (licensing decides stages 5, 7 and 12 by its own processes):

- ``gate_check(section=…, stage=…, on=…)`` — may the stage be opened on that day, and if not, which
  conditions are missing (a ``Gate`` holding the JDM decision);
- ``stage_record(actor=…, section=…, stage=…, on=…, outcome="passed", reference=…, documents=…)`` —
  the stage happened: opens it (gate checked) when it is not open yet and completes it. Sending the
  same record again changes nothing and writes nothing;
- ``stage_open`` / ``stage_complete`` — the two halves, for stages that take time;
- or, without importing lifecycle at all, a ledger event (see ``lifecycle.handlers``):
  ``licensing.permit.issued``, ``licensing.supervision.registered``, ``licensing.completion.filed``
  with payload ``{"bid_section": id, "on": "YYYY-MM-DD", "reference": "…", "outcome": "passed"}``.

Ledger actions written here: ``lifecycle.stage.opened``, ``lifecycle.stage.completed``,
``lifecycle.stage.document_added``, ``lifecycle.finding.added``, ``lifecycle.finding.updated``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.files import file_check
from jianguan.core.ledger import Actor, ledger_append
from jianguan.core.rules import rule_decide
from jianguan.lifecycle.domain import StageState, gate_facts
from jianguan.lifecycle.models import ReviewFinding, StageDocument, StageRecord
from jianguan.lifecycle.stages import OUTCOME_LABELS, stage_by_code
from jianguan.registry.models import BidSection

GATE_RULE = "lifecycle.gate"

STAGE_UNKNOWN = _("There is no stage %(stage)s in the stage line.")
GATE_REFUSED = _("Stage %(stage)s cannot be opened on %(on)s; missing: %(missing)s.")
STAGE_ALREADY_OPEN = _("Stage %(stage)s of bid section %(section)s is already recorded (%(state)s).")
STAGE_ALREADY_COMPLETED = _("Stage %(stage)s of bid section %(section)s was already completed on %(on)s.")
STAGE_NOT_OPEN = _("Stage %(stage)s of bid section %(section)s has not been opened.")
OUTCOME_INVALID = _("Outcome %(outcome)s is not possible for stage %(stage)s (possible: %(possible)s).")
DATE_IN_FUTURE = _("The date %(on)s is in the future.")
DATE_TOO_EARLY = _("The date %(on)s is before %(earliest)s: please check it.")
EARLIEST = dt.date(1980, 1, 1)
DATE_BEFORE_START = _("The completion date %(on)s is before the stage started (%(started)s).")
NOTICE_AFTER = _("The quality station cannot be told (%(notice)s) after the acceptance day (%(on)s).")
FINDING_FIELD_REQUIRED = _("A drawing-review finding needs %(field)s.")
REVISION_REQUIRED = _("Say which drawing revision resolved the finding.")
FINDING_STATUS_INVALID = _("A finding cannot go from %(old)s to %(new)s.")

MISSING_STAGE = _("%(stage)s not passed")
MISSING_NOTICE = _("the quality station was not told 7 working days before acceptance")


@dataclass(frozen=True)
class Gate:
    stage: str
    on: dt.date
    missing: list[dict[str, str]]
    decision: dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return not self.missing

    def missing_text(self) -> list[str]:
        return [missing_label(item) for item in self.missing]


def missing_label(item: dict[str, str]) -> str:
    if item.get("kind") == "notice":
        return str(MISSING_NOTICE)
    stage = stage_by_code(item.get("condition", ""))
    return str(MISSING_STAGE) % {"stage": stage.label if stage else item.get("condition", "")}


def section_states(section: BidSection) -> dict[str, StageState]:
    return {
        r.stage: StageState(r.stage, r.started_on, r.completed_on, r.outcome, r.notice_on)
        for r in StageRecord.objects.filter(bid_section=section)
    }


def _stage(code: str) -> Any:
    stage = stage_by_code(code)
    if stage is None:
        raise errors.ValidationFailed(STAGE_UNKNOWN, code="stage_unknown", stage=code)
    return stage


def gate_check(*, section: BidSection, stage: str, on: dt.date | None = None, notice_on: dt.date | None = None) -> Gate:
    """Decide whether ``stage`` may be opened on ``on`` (today when not given), by the JDM rule."""
    _stage(stage)
    day = on or timezone.localdate()
    if day < EARLIEST:
        raise errors.ValidationFailed(DATE_TOO_EARLY, code="date_too_early", on=day.isoformat(), earliest=EARLIEST)
    if day > dt.date(9000, 1, 1):
        raise errors.ValidationFailed(DATE_IN_FUTURE, code="date_in_future", on=day.isoformat())
    facts = gate_facts(section_states(section), stage, on=day, notice_on=notice_on)
    decision = rule_decide(GATE_RULE, facts)
    missing = [
        {"kind": str(m.get("kind", "")), "condition": str(m.get("condition", ""))}
        for m in decision.result.get("missing") or []
    ]
    return Gate(stage=stage, on=day, missing=missing, decision=decision.as_record())


def _refuse(gate: Gate) -> errors.ApplicationError:
    stage = _stage(gate.stage)
    return errors.ValidationFailed(
        GATE_REFUSED,
        code="stage_gate_refused",
        extra={"missing": gate.missing, "decision": gate.decision},
        stage=_lazy_text(lambda: stage.label),
        on=gate.on.isoformat(),
        missing=_lazy_text(lambda: "; ".join(gate.missing_text())),
    )


def _lazy_text(function: Any) -> Any:
    """A parameter rendered in the language of whoever reads the message."""
    return lazy(function, str)()


def _check_day(day: dt.date) -> None:
    if day < EARLIEST:
        raise errors.ValidationFailed(DATE_TOO_EARLY, code="date_too_early", on=day.isoformat(), earliest=EARLIEST)
    if day > timezone.localdate():
        raise errors.ValidationFailed(DATE_IN_FUTURE, code="date_in_future", on=day.isoformat())


def _clean_people(responsible: Iterable[Any]) -> list[str]:
    return [str(p).strip()[:64] for p in responsible if str(p).strip()]


@transaction.atomic
def stage_open(
    *,
    actor: Actor,
    section: BidSection,
    stage: str,
    on: dt.date,
    responsible: Iterable[Any] = (),
    note: str = "",
    notice_on: dt.date | None = None,
    source: str = "manual",
) -> StageRecord:
    """Open a stage on ``on`` when its gate allows it; refused with the missing conditions."""
    definition = _stage(stage)
    BidSection.objects.select_for_update().filter(pk=section.pk).first()
    _check_day(on)
    if notice_on is not None:
        _check_day(notice_on)
    if notice_on is not None and notice_on > on:
        raise errors.ValidationFailed(NOTICE_AFTER, code="notice_after", notice=notice_on, on=on)
    existing = StageRecord.objects.filter(bid_section=section, stage=stage).first()
    if existing is not None:
        raise errors.Conflict(
            STAGE_ALREADY_OPEN,
            code="stage_already_recorded",
            stage=_lazy_text(lambda: definition.label),
            section=section.code,
            state=existing.get_status_display(),
        )
    gate = gate_check(section=section, stage=stage, on=on, notice_on=notice_on)
    if not gate.allowed:
        raise _refuse(gate)
    record = StageRecord(
        bid_section=section,
        stage=stage,
        started_on=on,
        notice_on=notice_on,
        responsible=_clean_people(responsible),
        note=note,
        source=source[:32],
        gate_decision=gate.decision,
    )
    record.full_clean()
    record.save()
    ledger_append(
        actor=actor,
        action="lifecycle.stage.opened",
        target=record,
        payload={
            "bid_section": section.pk,
            "stage": stage,
            "on": on,
            "notice_on": notice_on,
            "responsible": record.responsible,
            "source": record.source,
            "gate": {"rule": gate.decision.get("rule"), "version": gate.decision.get("version")},
        },
    )
    return record


def _documents_add(*, actor: Actor, record: StageRecord, documents: Sequence[UploadedFile]) -> list[StageDocument]:
    added = []
    for upload in documents:
        checked = file_check(upload)
        if StageDocument.objects.filter(record=record, sha256=checked.sha256).exists():
            continue
        document = StageDocument(
            record=record, file=upload, name=checked.name, kind=checked.kind, size=checked.size, sha256=checked.sha256
        )
        document.save()
        ledger_append(
            actor=actor,
            action="lifecycle.stage.document_added",
            target=document,
            payload={"record": record.pk, "stage": record.stage, "name": checked.name, "sha256": checked.sha256},
        )
        added.append(document)
    return added


@transaction.atomic
def stage_complete(
    *,
    actor: Actor,
    section: BidSection,
    stage: str,
    on: dt.date,
    outcome: str,
    documents: Sequence[UploadedFile] = (),
    reference: str = "",
    note: str = "",
) -> StageRecord:
    """Complete an open stage with its outcome (and documents, checksummed)."""
    definition = _stage(stage)
    if outcome not in definition.outcomes:
        raise errors.ValidationFailed(
            OUTCOME_INVALID,
            code="outcome_invalid",
            outcome=outcome,
            stage=_lazy_text(lambda: definition.label),
            possible="、".join(str(OUTCOME_LABELS[o]) for o in definition.outcomes),
        )
    _check_day(on)
    record = StageRecord.objects.select_for_update().filter(bid_section=section, stage=stage).first()
    if record is None:
        raise errors.ValidationFailed(
            STAGE_NOT_OPEN, code="stage_not_open", stage=_lazy_text(lambda: definition.label), section=section.code
        )
    if record.status == StageRecord.Status.COMPLETED:
        raise errors.Conflict(
            STAGE_ALREADY_COMPLETED,
            code="stage_already_completed",
            stage=_lazy_text(lambda: definition.label),
            section=section.code,
            on=record.completed_on,
        )
    if on < record.started_on:
        raise errors.ValidationFailed(DATE_BEFORE_START, code="date_before_start", on=on, started=record.started_on)
    record.status = StageRecord.Status.COMPLETED
    record.completed_on = on
    record.outcome = outcome
    record.reference = reference[:64]
    if note:
        record.note = f"{record.note}\n{note}".strip()
    record.updated_at = timezone.now()
    record.full_clean()
    record.save(update_fields=["status", "completed_on", "outcome", "reference", "note", "updated_at"])
    ledger_append(
        actor=actor,
        action="lifecycle.stage.completed",
        target=record,
        payload={"bid_section": section.pk, "stage": stage, "on": on, "outcome": outcome, "reference": reference},
    )
    _documents_add(actor=actor, record=record, documents=documents)
    return record


@transaction.atomic
def stage_record(
    *,
    actor: Actor,
    section: BidSection,
    stage: str,
    on: dt.date,
    outcome: str = "passed",
    started_on: dt.date | None = None,
    responsible: Iterable[Any] = (),
    documents: Sequence[UploadedFile] = (),
    reference: str = "",
    note: str = "",
    notice_on: dt.date | None = None,
    source: str = "manual",
) -> StageRecord:
    """Record that a stage happened: open it when needed (its gate checked) and complete it.

    Idempotent: the same stage completed again with the same day, outcome and reference is returned
    as it is, with no new ledger entry (documents not yet attached are added)."""
    definition = _stage(stage)
    existing = StageRecord.objects.filter(bid_section=section, stage=stage).first()
    if existing is not None and existing.status == StageRecord.Status.COMPLETED:
        if existing.completed_on == on and existing.outcome == outcome and existing.reference == reference[:64]:
            _documents_add(actor=actor, record=existing, documents=documents)
            return existing
        raise errors.Conflict(
            STAGE_ALREADY_COMPLETED,
            code="stage_already_completed",
            stage=_lazy_text(lambda: definition.label),
            section=section.code,
            on=existing.completed_on,
        )
    if existing is None:
        stage_open(
            actor=actor,
            section=section,
            stage=stage,
            on=started_on or on,
            responsible=responsible,
            note="",
            notice_on=notice_on,
            source=source,
        )
    return stage_complete(
        actor=actor,
        section=section,
        stage=stage,
        on=on,
        outcome=outcome,
        documents=documents,
        reference=reference,
        note=note,
    )


# --- drawing review ------------------------------------------------------------------------------

_FINDING_FIELDS = {
    "report_number": _("the review report number"),
    "standard": _("the standard (e.g. GB 50010-2010)"),
    "clause": _("the clause"),
    "description": _("a description"),
    "location": _("the location in the drawings"),
}


@transaction.atomic
def finding_add(*, actor: Actor, section: BidSection, data: dict[str, Any]) -> tuple[ReviewFinding, bool]:
    """Record a mandatory-provision finding of a drawing review; the same finding sent again is not
    duplicated. Returns the finding and whether it is new."""
    values: dict[str, str] = {}
    for name, label in _FINDING_FIELDS.items():
        value = str(data.get(name) or "").strip()
        if not value:
            raise errors.ValidationFailed(FINDING_FIELD_REQUIRED, code="finding_field_required", field=label)
        values[name] = value
    status = str(data.get("status") or ReviewFinding.Status.OPEN)
    if status not in (ReviewFinding.Status.OPEN, ReviewFinding.Status.CHECK_ON_SITE):
        raise errors.ValidationFailed(FINDING_STATUS_INVALID, code="finding_status_invalid", old="-", new=status)
    existing = ReviewFinding.objects.filter(
        bid_section=section,
        report_number=values["report_number"],
        standard=values["standard"],
        clause=values["clause"],
        location=values["location"],
    ).first()
    if existing is not None:
        return existing, False
    finding = ReviewFinding(bid_section=section, status=status, **values)
    finding.full_clean()
    finding.save()
    ledger_append(
        actor=actor,
        action="lifecycle.finding.added",
        target=finding,
        payload={"bid_section": section.pk, "status": status, **values},
    )
    return finding, True


_TRANSITIONS: dict[str, set[str]] = {
    ReviewFinding.Status.OPEN: {ReviewFinding.Status.CORRECTED, ReviewFinding.Status.CHECK_ON_SITE},
    ReviewFinding.Status.CHECK_ON_SITE: {ReviewFinding.Status.CLOSED, ReviewFinding.Status.CORRECTED},
    ReviewFinding.Status.CORRECTED: set(),
    ReviewFinding.Status.CLOSED: set(),
}


@transaction.atomic
def finding_update(
    *,
    actor: Actor,
    finding: ReviewFinding,
    status: str,
    revision: str = "",
    on: dt.date | None = None,
    note: str = "",
) -> ReviewFinding:
    """Move a finding on: corrected (by a drawing revision), to be checked on site, or closed on site."""
    finding = ReviewFinding.objects.select_for_update().get(pk=finding.pk)
    if status not in _TRANSITIONS.get(finding.status, set()):
        labels = dict(ReviewFinding.Status.choices)
        raise errors.ValidationFailed(
            FINDING_STATUS_INVALID,
            code="finding_status_invalid",
            old=labels.get(finding.status, finding.status),
            new=labels.get(status, status),
        )
    if status == ReviewFinding.Status.CORRECTED and not revision.strip():
        raise errors.ValidationFailed(REVISION_REQUIRED, code="revision_required")
    finding.status = status
    if status in (ReviewFinding.Status.CORRECTED, ReviewFinding.Status.CLOSED):
        finding.resolved_revision = revision.strip()[:64]
        finding.resolved_on = on or timezone.localdate()
    finding.closing_note = note
    finding.updated_at = timezone.now()
    finding.full_clean()
    finding.save(update_fields=["status", "resolved_revision", "resolved_on", "closing_note", "updated_at"])
    ledger_append(
        actor=actor,
        action="lifecycle.finding.updated",
        target=finding,
        payload={"status": status, "revision": finding.resolved_revision, "on": finding.resolved_on, "note": note},
    )
    return finding


def outcome_label(outcome: str) -> str | Promise:
    return OUTCOME_LABELS.get(outcome, outcome)
