"""Writes of supervision: inspections, answers, findings, rectification and stop-work orders,
conflicts of interest and random draws. Every step is in the ledger, in the same transaction.

Findings go handle → review → approve: the inspection records them, someone not on the inspection
reviews, and a head who did not review confirms; only then ``supervision.finding.confirmed`` is
written (the credit module turns mapped findings into records from it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.calendar import add_working_days
from jianguan.core.files import file_check
from jianguan.core.ledger import Event, ledger_append, ledger_append_many
from jianguan.core.models import Jurisdiction, User
from jianguan.registry.models import BidSection, Enterprise, Participant
from jianguan.registry.selectors import acts_for
from jianguan.supervision import domain
from jianguan.supervision.models import (
    Answer,
    Checklist,
    Draw,
    Finding,
    Inspection,
    InspectorConflict,
    OrderEvidence,
    Photo,
    RectificationOrder,
    Severity,
    StopWorkOrder,
)

TWO_INSPECTORS = _("An inspection needs at least two inspectors.")
INSPECTOR_NOT_ALLOWED = _("%(user)s may not inspect: not an inspector in the section's jurisdiction.")
INSPECTOR_CONFLICT = _("%(user)s has declared a conflict of interest with %(enterprise)s.")
MANUAL_NEEDS_REASON = _("An unplanned inspection needs a reason.")
NOT_AN_INSPECTOR = _("Only the inspection's own inspectors may answer or submit it.")
INSPECTION_SUBMITTED = _("Inspection %(number)s is already submitted.")
UNKNOWN_ITEM = _("The checklist has no item %(item)s.")
NA_NEEDS_REASON = _('Item %(item)s: "not applicable" needs a reason.')
UNANSWERED = _("%(count)s items are not answered yet: %(items)s.")
PHOTO_REQUIRED = _("Item %(item)s is non-compliant and needs at least one photo.")
MEASUREMENT_REQUIRED = _("Item %(item)s needs the measured value.")
SIGNATURE_REQUIRED = _("Item %(item)s needs the name of the person who signed for it on site.")
BAD_RESULT = _("Result must be pass, fail or na.")
KEY_REQUIRED = _("Each answer needs an idempotency key.")
FINDING_STATE = _("Finding %(id)s is %(state)s: this step is not possible.")
REVIEWER_ON_INSPECTION = _("A finding is reviewed by someone who was not on the inspection.")
SAME_PERSON = _("The person who reviewed the finding cannot also confirm it.")
NO_FINDINGS = _("Choose at least one confirmed finding.")
ONE_SECTION = _("The findings must all belong to one bid section and one responsible enterprise.")
WORKING_DAYS = _("The rectification period must be between 1 and 60 working days.")
ORDER_STATE = _("Order %(number)s is %(state)s: this step is not possible.")
REPLY_NEEDS_EVIDENCE = _("A reply needs a description and at least one evidence file.")
NOT_THE_ENTERPRISE = _("Only %(enterprise)s (or staff recording a paper reply) may reply to this order.")
STOP_WORK_NEEDS_SEVERE = _("A stop-work order needs at least one confirmed severe finding.")
LIFT_NEEDS_CLOSED = _(
    "The stop-work order can be lifted only when the rectification orders of its findings are closed."
)
TEXT_REQUIRED = _("Please give a reason.")
NO_TARGETS = _("No bid section under construction can be drawn in this jurisdiction.")
NOT_ENOUGH_INSPECTORS = _("Not enough inspectors without conflicts of interest for %(section)s.")
DRAW_MISMATCH = _("Draw %(number)s did not assign these inspectors to this bid section.")
DRAW_PUBLISHED = _("Draw %(number)s is already published.")


@dataclass(frozen=True)
class PhotoInput:
    upload: UploadedFile
    captured_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def _today() -> dt.date:
    return timezone.localdate()


def _number(prefix: str, obj: Any) -> str:
    return f"{prefix}{timezone.localdate():%Y}{obj.pk:06d}"


def _participant(section: BidSection, role: str) -> Enterprise | None:
    participant = Participant.objects.filter(bid_section=section, role=role).select_related("enterprise").first()
    return participant.enterprise if participant else None


def _check_inspectors(section: BidSection, inspectors: Sequence[User]) -> None:
    unique = {user.pk: user for user in inspectors}
    if len(unique) < 2:
        raise errors.ValidationFailed(TWO_INSPECTORS, code="two_inspectors_needed")
    from jianguan.core.access import scope_for

    enterprises = list(Participant.objects.filter(bid_section=section).values_list("enterprise_id", flat=True))
    for user in unique.values():
        if not user.has_perm("supervision.inspect") or not scope_for(user).covers(section.jurisdiction_id):
            raise errors.ValidationFailed(INSPECTOR_NOT_ALLOWED, code="inspector_not_allowed", user=user.username)
        conflict = (
            InspectorConflict.objects.filter(inspector=user, enterprise_id__in=enterprises)
            .select_related("enterprise")
            .first()
        )
        if conflict is not None:
            raise errors.ValidationFailed(
                INSPECTOR_CONFLICT, code="inspector_conflict", user=user.username, enterprise=conflict.enterprise.name
            )


@transaction.atomic
def inspection_start(
    *,
    actor: User,
    bid_section: BidSection,
    checklist: Checklist,
    inspectors: Sequence[User],
    draw: Draw | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Inspection:
    """Open an inspection: planned (from a draw) or unplanned (with a reason)."""
    _check_inspectors(bid_section, inspectors)
    if draw is None and not reason.strip():
        raise errors.ValidationFailed(MANUAL_NEEDS_REASON, code="manual_needs_reason")
    if draw is not None:
        drawn = [row for row in draw.result if row["section"] == bid_section.pk]
        if not drawn or set(drawn[0]["inspectors"]) != {user.pk for user in inspectors}:
            raise errors.ValidationFailed(DRAW_MISMATCH, code="draw_mismatch", number=draw.number)
    inspection = Inspection(
        number=f"tmp-{timezone.now().timestamp()}",
        bid_section=bid_section,
        jurisdiction_id=bid_section.jurisdiction_id,
        checklist=checklist,
        origin=Inspection.Origin.PLANNED if draw else Inspection.Origin.MANUAL,
        draw=draw,
        reason=reason.strip(),
        created_by=actor,
        started_at=at or timezone.now(),
    )
    inspection.save()
    inspection.number = _number("JC", inspection)
    inspection.save(update_fields=["number"])
    inspection.inspectors.set(inspectors)
    ledger_append(
        actor=actor,
        action="supervision.inspection.started",
        target=inspection,
        payload={
            "number": inspection.number,
            "bid_section": bid_section.pk,
            "checklist": f"{checklist.code}@{checklist.version}",
            "origin": inspection.origin,
            "draw": draw.number if draw else None,
            "inspectors": sorted(u.username for u in inspectors),
            "reason": inspection.reason,
        },
    )
    return inspection


def _require_inspector(actor: User, inspection: Inspection) -> None:
    if not inspection.inspectors.filter(pk=actor.pk).exists():
        raise errors.PermissionDenied(NOT_AN_INSPECTOR, code="not_an_inspector")


@transaction.atomic
def answer_upsert(
    *,
    actor: User,
    inspection: Inspection,
    item_code: str,
    result: str,
    key: str,
    note: str = "",
    measurement: str = "",
    signature: str = "",
    photos: Sequence[PhotoInput] = (),
    at: dt.datetime | None = None,
) -> tuple[Answer, bool]:
    """Record (or change) the answer to one item. Re-sending the same key changes nothing and adds
    no photo twice, so a draft synced twice from a phone is not duplicated. Returns (answer, changed)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _require_inspector(actor, inspection)
    if inspection.status != Inspection.Status.DRAFT:
        raise errors.Conflict(INSPECTION_SUBMITTED, code="inspection_submitted", number=inspection.number)
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise errors.ValidationFailed(KEY_REQUIRED, code="key_required")
    if result not in Answer.Result.values:
        raise errors.ValidationFailed(BAD_RESULT, code="bad_result")
    item = inspection.checklist.items.filter(code=item_code).first()
    if item is None:
        raise errors.ValidationFailed(UNKNOWN_ITEM, code="unknown_item", item=item_code)
    if result == Answer.Result.NOT_APPLICABLE and not note.strip():
        raise errors.ValidationFailed(NA_NEEDS_REASON, code="na_needs_reason", item=item.code)
    checked = [(photo, file_check(photo.upload, kinds=("jpeg", "png"), max_mb=15)) for photo in photos]
    answer = Answer.objects.filter(inspection=inspection, item=item).first()
    changed = False
    values = {
        "result": result,
        "note": note.strip(),
        "measurement": measurement.strip(),
        "signature": signature.strip(),
    }
    if answer is None:
        answer = Answer(
            inspection=inspection,
            item=item,
            key=key,
            keys_seen=[key],
            answered_by=actor,
            answered_at=at or timezone.now(),
            **values,
        )
        answer.full_clean()
        answer.save()
        changed = True
    elif key not in answer.keys_seen and any(getattr(answer, k) != v for k, v in values.items()):
        for name, value in values.items():
            setattr(answer, name, value)
        answer.key, answer.answered_by, answer.answered_at = key, actor, at or timezone.now()
        answer.revision += 1
        answer.keys_seen = [*answer.keys_seen, key][-200:]
        answer.full_clean()
        answer.save()
        changed = True
    new_photos = []
    for photo, info in checked:
        if Photo.objects.filter(answer=answer, sha256=info.sha256).exists():
            continue
        photo.upload.seek(0)
        record = Photo(
            answer=answer,
            name=info.name,
            kind=info.kind,
            size=info.size,
            sha256=info.sha256,
            captured_at=photo.captured_at,
            latitude=photo.latitude,
            longitude=photo.longitude,
        )
        record.file.save(info.name, photo.upload, save=False)
        record.save()
        new_photos.append(
            {
                "sha256": info.sha256,
                "captured_at": photo.captured_at.isoformat() if photo.captured_at else None,
                "lat": photo.latitude,
                "lon": photo.longitude,
            }
        )
    if changed or new_photos:
        ledger_append(
            actor=actor,
            action="supervision.answer.recorded",
            target=answer,
            payload={
                "inspection": inspection.number,
                "item": item.code,
                "result": result,
                "note": answer.note,
                "measurement": answer.measurement,
                "key": key,
                "revision": answer.revision,
                "photos": new_photos,
            },
        )
    return answer, changed or bool(new_photos)


@transaction.atomic
def inspection_submit(*, actor: User, inspection: Inspection, at: dt.datetime | None = None) -> list[Finding]:
    """Close the inspection when every item is answered with its evidence; failed items become findings."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _require_inspector(actor, inspection)
    if inspection.status != Inspection.Status.DRAFT:
        raise errors.Conflict(INSPECTION_SUBMITTED, code="inspection_submitted", number=inspection.number)
    items = list(inspection.checklist.items.all())
    answers = {a.item_id: a for a in inspection.answers.prefetch_related("photos")}
    missing = [item.code for item in items if item.pk not in answers]
    if missing:
        raise errors.ValidationFailed(
            UNANSWERED,
            code="checklist_incomplete",
            count=len(missing),
            items=", ".join(missing[:20]),
            extra={"unanswered": missing},
        )
    for item in items:
        answer = answers[item.pk]
        if answer.result == Answer.Result.NOT_APPLICABLE:
            continue
        if "measurement" in item.evidence and not answer.measurement:
            raise errors.ValidationFailed(MEASUREMENT_REQUIRED, code="measurement_required", item=item.code)
        if "signature" in item.evidence and not answer.signature:
            raise errors.ValidationFailed(SIGNATURE_REQUIRED, code="signature_required", item=item.code)
        if answer.result == Answer.Result.FAIL and "photo" in item.evidence and not answer.photos.all():
            raise errors.ValidationFailed(PHOTO_REQUIRED, code="photo_required", item=item.code)
    moment = at or timezone.now()
    inspection.status = Inspection.Status.SUBMITTED
    inspection.submitted_at = moment
    inspection.save(update_fields=["status", "submitted_at"])
    section = inspection.bid_section
    responsible = {
        "construction": _participant(section, Participant.Role.CONTRACTOR),
        "supervisor": _participant(section, Participant.Role.SUPERVISOR),
    }
    findings = []
    for item in items:
        answer = answers[item.pk]
        if answer.result != Answer.Result.FAIL:
            continue
        finding = Finding(
            inspection=inspection,
            answer=answer,
            bid_section=section,
            jurisdiction_id=inspection.jurisdiction_id,
            item_code=item.code,
            description=f"{item.text}：{answer.note}" if answer.note else item.text,
            basis=item.basis,
            severity=item.severity,
            behaviour_code=item.behaviour_code,
            enterprise=responsible.get(item.subject),
            found_on=timezone.localtime(moment).date(),
        )
        finding.save()
        findings.append(finding)
    ledger_append(
        actor=actor,
        action="supervision.inspection.submitted",
        target=inspection,
        payload={
            "number": inspection.number,
            "answers": len(answers),
            "failed": [f.item_code for f in findings],
            "not_applicable": sorted(i.code for i in items if answers[i.pk].result == Answer.Result.NOT_APPLICABLE),
        },
    )
    if findings:
        ledger_append_many(
            actor=actor,
            events=[
                Event.about(f, "supervision.finding.recorded", {"item": f.item_code, "severity": f.severity})
                for f in findings
            ],
        )
    return findings


def _finding_state(finding: Finding, expected: str) -> None:
    if finding.status != expected:
        raise errors.Conflict(FINDING_STATE, code="finding_state", id=finding.pk, state=finding.get_status_display())


@transaction.atomic
def finding_review(*, actor: User, finding: Finding, accepted: bool, note: str = "") -> Finding:
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    _finding_state(finding, Finding.Status.PROPOSED)
    if finding.inspection.inspectors.filter(pk=actor.pk).exists():
        raise errors.PermissionDenied(REVIEWER_ON_INSPECTION, code="reviewer_on_inspection")
    if not accepted and not note.strip():
        raise errors.ValidationFailed(TEXT_REQUIRED, code="text_required")
    finding.status = Finding.Status.REVIEWED if accepted else Finding.Status.WITHDRAWN
    finding.reviewed_by = actor
    finding.save(update_fields=["status", "reviewed_by"])
    ledger_append(
        actor=actor,
        action="supervision.finding.reviewed",
        target=finding,
        payload={"accepted": accepted, "note": note.strip()},
    )
    return finding


def confirmed_payload(finding: Finding) -> dict[str, Any]:
    """The payload of ``supervision.finding.confirmed`` (documented in docs/architecture.md)."""
    payload: dict[str, Any] = {
        "finding": finding.pk,
        "finding_id": str(finding.pk),  # the credit module's names for the same facts
        "uscc": finding.enterprise.uscc if finding.enterprise else "",
        "person_id": finding.person_id,
        "bid_section": finding.bid_section_id,
        "behaviour_code": finding.behaviour_code or None,
        "severity": finding.severity,
        "date": finding.found_on.isoformat(),
        "description": finding.description,
    }
    if finding.person_id:
        payload["subject_type"] = "person"
        payload["subject_person_id"] = finding.person_id
    else:
        payload["subject_type"] = "enterprise"
        payload["subject_uscc"] = finding.enterprise.uscc if finding.enterprise else None
    return payload


@transaction.atomic
def finding_confirm(*, actor: User, finding: Finding, at: dt.datetime | None = None) -> Finding:
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    _finding_state(finding, Finding.Status.REVIEWED)
    if finding.reviewed_by_id == actor.pk:
        raise errors.PermissionDenied(SAME_PERSON, code="same_person")
    finding.status = Finding.Status.CONFIRMED
    finding.confirmed_by = actor
    finding.confirmed_at = at or timezone.now()
    finding.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    ledger_append(
        actor=actor, action="supervision.finding.confirmed", target=finding, payload=confirmed_payload(finding)
    )
    return finding


def _confirmed_group(findings: Iterable[Finding]) -> list[Finding]:
    rows = list(Finding.objects.filter(pk__in=[f.pk for f in findings]).select_related("enterprise", "bid_section"))
    if not rows or any(f.status != Finding.Status.CONFIRMED for f in rows):
        raise errors.ValidationFailed(NO_FINDINGS, code="no_findings")
    if len({(f.bid_section_id, f.enterprise_id) for f in rows}) != 1 or rows[0].enterprise is None:
        raise errors.ValidationFailed(ONE_SECTION, code="one_section")
    return rows


@transaction.atomic
def rectification_issue(
    *, actor: User, findings: Sequence[Finding], working_days: int, at: dt.datetime | None = None
) -> RectificationOrder:
    """整改通知单: the enterprise has ``working_days`` working days (the issue day not counted)."""
    rows = _confirmed_group(findings)
    if not 1 <= working_days <= 60:
        raise errors.ValidationFailed(WORKING_DAYS, code="working_days")
    moment = at or timezone.now()
    first = rows[0]
    order = RectificationOrder(
        number=f"tmp-{moment.timestamp()}-{first.pk}",
        bid_section=first.bid_section,
        jurisdiction_id=first.jurisdiction_id,
        enterprise=first.enterprise,
        working_days=working_days,
        deadline=add_working_days(timezone.localtime(moment).date(), working_days),
        issued_by=actor,
        issued_at=moment,
    )
    order.save()
    order.number = _number("ZG", order)
    order.save(update_fields=["number"])
    order.findings.set(rows)
    ledger_append(
        actor=actor,
        action="supervision.rectification.issued",
        target=order,
        payload={
            "number": order.number,
            "bid_section": order.bid_section_id,
            "enterprise": order.enterprise.uscc,
            "findings": [f.pk for f in rows],
            "working_days": working_days,
            "deadline": order.deadline.isoformat(),
        },
        occurred_at=moment if at else None,
    )
    return order


@transaction.atomic
def rectification_reply(
    *, actor: User, order: RectificationOrder, text: str, files: Sequence[UploadedFile]
) -> RectificationOrder:
    order = RectificationOrder.objects.select_for_update().select_related("enterprise").get(pk=order.pk)
    if order.status != RectificationOrder.Status.ISSUED:
        raise errors.Conflict(ORDER_STATE, code="order_state", number=order.number, state=order.get_status_display())
    is_enterprise = acts_for(actor, order.enterprise)
    if not is_enterprise and not actor.has_perm("supervision.issue_order"):
        raise errors.PermissionDenied(NOT_THE_ENTERPRISE, code="not_the_enterprise", enterprise=order.enterprise.name)
    if not text.strip() or not files:
        raise errors.ValidationFailed(REPLY_NEEDS_EVIDENCE, code="reply_needs_evidence")
    checked = [(upload, file_check(upload)) for upload in files]
    for upload, info in checked:
        upload.seek(0)
        evidence = OrderEvidence(order=order, name=info.name, sha256=info.sha256)
        evidence.file.save(info.name, upload, save=False)
        evidence.save()
    order.status = RectificationOrder.Status.REPLIED
    order.reply_text = text.strip()
    order.replied_at = timezone.now()
    order.save(update_fields=["status", "reply_text", "replied_at"])
    ledger_append(
        actor=actor,
        action="supervision.rectification.replied",
        target=order,
        payload={"text": order.reply_text, "files": [{"name": i.name, "sha256": i.sha256} for _u, i in checked]},
    )
    return order


@transaction.atomic
def rectification_review(
    *, actor: User, order: RectificationOrder, accepted: bool, note: str = ""
) -> RectificationOrder:
    """Re-inspection of the reply: accepted closes the order; otherwise it goes back to the enterprise."""
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != RectificationOrder.Status.REPLIED:
        raise errors.Conflict(ORDER_STATE, code="order_state", number=order.number, state=order.get_status_display())
    if not accepted and not note.strip():
        raise errors.ValidationFailed(TEXT_REQUIRED, code="text_required")
    order.review_note = note.strip()
    if accepted:
        order.status = RectificationOrder.Status.CLOSED
        order.closed_at = timezone.now()
    else:
        order.status = RectificationOrder.Status.ISSUED
    order.save(update_fields=["status", "review_note", "closed_at"])
    ledger_append(
        actor=actor,
        action="supervision.rectification.closed" if accepted else "supervision.rectification.returned",
        target=order,
        payload={"note": order.review_note},
    )
    return order


@transaction.atomic
def rectifications_flag_overdue(*, today: dt.date | None = None) -> int:
    """Write ``supervision.rectification.overdue`` once for each open order past its deadline; the
    command centre raises a warning from it."""
    today = today or _today()
    overdue = list(
        RectificationOrder.objects.select_for_update()
        .filter(status=RectificationOrder.Status.ISSUED, deadline__lt=today, overdue_reported=False)
        .select_related("enterprise", "bid_section")
    )
    if not overdue:
        return 0
    RectificationOrder.objects.filter(pk__in=[o.pk for o in overdue]).update(overdue_reported=True)
    ledger_append_many(
        actor="system:supervision",
        events=[
            Event.about(
                order,
                "supervision.rectification.overdue",
                {
                    "number": order.number,
                    "deadline": order.deadline.isoformat(),
                    "bid_section": order.bid_section_id,
                    "bid_section_code": order.bid_section.code,
                    "enterprise": order.enterprise.name,
                    "jurisdiction": order.jurisdiction_id,
                },
            )
            for order in overdue
        ],
    )
    return len(overdue)


@transaction.atomic
def stop_work_issue(*, actor: User, findings: Sequence[Finding], reason: str) -> StopWorkOrder:
    rows = _confirmed_group(findings)
    if not any(f.severity == Severity.SEVERE for f in rows):
        raise errors.ValidationFailed(STOP_WORK_NEEDS_SEVERE, code="stop_work_needs_severe")
    if not reason.strip():
        raise errors.ValidationFailed(TEXT_REQUIRED, code="text_required")
    first = rows[0]
    order = StopWorkOrder(
        number=f"tmp-{timezone.now().timestamp()}-{first.pk}",
        bid_section=first.bid_section,
        jurisdiction_id=first.jurisdiction_id,
        enterprise=first.enterprise,
        reason=reason.strip(),
        issued_by=actor,
    )
    order.save()
    order.number = _number("TG", order)
    order.save(update_fields=["number"])
    order.findings.set(rows)
    ledger_append(
        actor=actor,
        action="supervision.stop_work.issued",
        target=order,
        payload={
            "number": order.number,
            "bid_section": order.bid_section_id,
            "findings": [f.pk for f in rows],
            "reason": order.reason,
        },
    )
    return order


@transaction.atomic
def stop_work_lift(*, actor: User, order: StopWorkOrder, reason: str) -> StopWorkOrder:
    order = StopWorkOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != StopWorkOrder.Status.IN_FORCE:
        raise errors.Conflict(ORDER_STATE, code="order_state", number=order.number, state=order.get_status_display())
    if not reason.strip():
        raise errors.ValidationFailed(TEXT_REQUIRED, code="text_required")
    findings = list(order.findings.all())
    open_orders = RectificationOrder.objects.filter(findings__in=findings).exclude(
        status=RectificationOrder.Status.CLOSED
    )
    covered = set(RectificationOrder.objects.filter(findings__in=findings).values_list("findings", flat=True))
    if open_orders.exists() or any(f.pk not in covered for f in findings):
        raise errors.Conflict(LIFT_NEEDS_CLOSED, code="lift_needs_closed")
    order.status = StopWorkOrder.Status.LIFTED
    order.lifted_by = actor
    order.lifted_at = timezone.now()
    order.lift_reason = reason.strip()
    order.save(update_fields=["status", "lifted_by", "lifted_at", "lift_reason"])
    ledger_append(
        actor=actor, action="supervision.stop_work.lifted", target=order, payload={"reason": order.lift_reason}
    )
    return order


@transaction.atomic
def conflict_declare(
    *, actor: User, inspector: User, enterprise: Enterprise, reason: str, note: str = ""
) -> InspectorConflict:
    conflict, created = InspectorConflict.objects.get_or_create(
        inspector=inspector, enterprise=enterprise, reason=reason, defaults={"note": note.strip()}
    )
    if created:
        conflict.full_clean()
        ledger_append(
            actor=actor,
            action="supervision.conflict.declared",
            target=conflict,
            payload={"inspector": inspector.username, "enterprise": enterprise.uscc, "reason": reason},
        )
    return conflict


@transaction.atomic
def draw_make(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    kind: str,
    targets: int,
    inspectors_per_target: int = 2,
    seed: str | None = None,
    today: dt.date | None = None,
) -> Draw:
    """双随机: draw ``targets`` sites weighted by risk and, for each, inspectors without conflicts.

    The candidates (with their weights) and the seed are stored and written to the ledger, so
    ``domain.draw`` on them gives the same result again.
    """
    candidates = domain_candidates(jurisdiction=jurisdiction, kind=kind, today=today or _today())
    if not candidates["sections"]:
        raise errors.ValidationFailed(NO_TARGETS, code="no_targets")
    seed = seed or domain.new_seed()
    try:
        result = domain.draw(candidates, seed=seed, targets=targets, per_target=inspectors_per_target)
    except domain.NotEnoughInspectors as exc:
        raise errors.ValidationFailed(
            NOT_ENOUGH_INSPECTORS, code="not_enough_inspectors", section=exc.section
        ) from None
    record = Draw(
        number=f"tmp-{timezone.now().timestamp()}",
        jurisdiction=jurisdiction,
        kind=kind,
        seed=seed,
        targets=targets,
        inspectors_per_target=inspectors_per_target,
        candidates=candidates,
        result=result,
        drawn_by=actor,
    )
    record.save()
    record.number = _number("SJ", record)
    record.save(update_fields=["number"])
    ledger_append(
        actor=actor,
        action="supervision.draw.made",
        target=record,
        payload={
            "number": record.number,
            "seed": seed,
            "kind": kind,
            "targets": targets,
            "inspectors_per_target": inspectors_per_target,
            "candidates_sha256": domain.candidates_digest(candidates),
            "result": result,
        },
    )
    return record


def domain_candidates(*, jurisdiction: Jurisdiction, kind: str, today: dt.date) -> dict[str, Any]:
    from jianguan.supervision.risk import section_weights

    return domain.candidates_for(jurisdiction=jurisdiction, kind=kind, today=today, weights=section_weights)


@transaction.atomic
def draw_publish(*, actor: User, draw: Draw) -> Draw:
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.published_at is not None:
        raise errors.Conflict(DRAW_PUBLISHED, code="draw_published", number=draw.number)
    draw.published_at = timezone.now()
    draw.save(update_fields=["published_at"])
    ledger_append(actor=actor, action="supervision.draw.published", target=draw, payload={"number": draw.number})
    return draw
