"""Writes of the supporting fee; each in one transaction with its ledger entry.

- ``area_record`` — a floor area from a planning permit, a construction permit or a completion
  survey (for the project or one bid section);
- ``assessment_make`` — stage 6: the fee from the planning-permit area by the rule
  ``fees.supporting_fee`` (rate by use, zone and effective date; civil-air-defence area excluded);
- ``relief_grant`` — a reduction or exemption, checked against the policy rows of the same rule:
  one without a matching policy, for a use that does not qualify, or larger than the policy gives
  is recorded (the decision is the approver's) and flagged at once;
- ``payment_record`` — money received; when the fee is paid (or exempt) stage 6 of every bid
  section of the project is completed through ``lifecycle.services.stage_record``;
- ``assessment_recalculate`` — at completion, from the survey area: a supplementary demand when
  the area grew;
- ``fees_check`` — the reconciliation over every project (daily and after the demo): area growth,
  reliefs, permits granted before the fee was settled. Each finding is recorded once (``Flag``)
  and written as ``fees.flag.raised``; ``fees.handlers`` raises the command-centre warning.

Ledger actions: ``fees.area.recorded``, ``fees.assessment.made``, ``fees.assessment.recalculated``,
``fees.relief.granted``, ``fees.payment.recorded``, ``fees.fee.settled``, ``fees.flag.raised``
(payload ``kind``, ``project``, ``project_code``, ``params``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.ledger import Actor, ledger_append
from jianguan.core.models import User
from jianguan.core.rules import Decision, rule_decide
from jianguan.fees import domain
from jianguan.fees.models import (
    USE_FROM_FUNCTION,
    AreaMeasurement,
    Assessment,
    Basis,
    FeeFile,
    Flag,
    Payment,
    Relief,
    Use,
)
from jianguan.registry.models import BidSection, Project

RULE = "fees.supporting_fee"
DEFAULT_AREA_TOLERANCE = Decimal("0.005")
AREA_LIMIT = Decimal("10000000")  # m²: keeps every amount within the columns (rates are < 1,000 yuan/m²)

AREA_NEGATIVE = _("Floor areas cannot be negative (%(field)s).")
AREA_TOO_LARGE = _("%(field)s of %(value)s m² is beyond any building (at most %(limit)s m²); check the figure.")
AREA_DEFENCE_TOO_LARGE = _(
    "The civil-air-defence area (%(cad)s m²) cannot exceed the below-ground area (%(below)s m²)."
)
DATE_IN_FUTURE = _("The date %(on)s is in the future.")
SECTION_NOT_IN_PROJECT = _("Bid section %(section)s does not belong to project %(project)s.")
DOCUMENT_REQUIRED = _("Give the number of the document the area comes from.")
NO_PLANNING_AREA = _("Project %(project)s has no planning-permit floor area yet; record it before assessing the fee.")
NO_COMPLETION_AREA = _("Project %(project)s has no completion-survey floor area yet; record it first.")
ALREADY_ASSESSED = _("The supporting fee of project %(project)s was already assessed (%(number)s).")
ALREADY_RECALCULATED = _("The fee of project %(project)s was already recalculated at completion (%(number)s).")
NOT_ASSESSED = _("The supporting fee of project %(project)s has not been assessed yet.")
NO_RATE = _("No rate schedule is in force on %(on)s for use %(use)s in zone %(zone)s: check the rule %(rule)s.")
USE_INVALID = _("%(use)s is not a use the fee schedule knows.")
RELIEF_EXISTS = _("Project %(project)s already has a reduction or exemption (%(relief)s).")
RELIEF_SHARE_REQUIRED = _(
    "No policy rule gives relief %(relief)s for this project's use: state the share relieved, the decision document "
    "and the reason."
)
RELIEF_SHARE_INVALID = _("The share relieved must be more than 0 and at most 1.")
RELIEF_DOCUMENT_REQUIRED = _("Cite the decision document of the reduction or exemption.")
RELIEF_REASON_REQUIRED = _("A reduction or exemption without a matching policy rule needs a reason.")
AMOUNT_INVALID = _("The amount must be a positive number of yuan with at most two decimals.")
RECEIPT_TAKEN = _("Receipt %(receipt)s is already recorded.")
PAID_BEFORE_ASSESSED = _("The payment date %(on)s is before the assessment (%(assessed)s).")
RECEIPT_REQUIRED = _("Give the receipt number of the payment.")


def _today() -> dt.date:
    return timezone.localdate()


def _not_future(day: dt.date) -> None:
    if day > _today():
        raise errors.ValidationFailed(DATE_IN_FUTURE, code="date_in_future", on=day.isoformat())


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise errors.ValidationFailed(AMOUNT_INVALID, code="amount_invalid") from None
    if not number.is_finite():
        raise errors.ValidationFailed(AMOUNT_INVALID, code="amount_invalid")
    if number < 0:
        raise errors.ValidationFailed(AREA_NEGATIVE, code="area_negative", field=name)
    if number > AREA_LIMIT:
        raise errors.ValidationFailed(AREA_TOO_LARGE, code="area_too_large", field=name, value=number, limit=AREA_LIMIT)
    return number.quantize(domain.CENT)


def area_tolerance() -> Decimal:
    return Decimal(str(getattr(settings, "FEES_AREA_TOLERANCE", DEFAULT_AREA_TOLERANCE)))


# --- areas ---------------------------------------------------------------------------------------


@transaction.atomic
def area_record(
    *,
    actor: Actor,
    project: Project,
    basis: str,
    above_ground: Any,
    below_ground: Any = 0,
    civil_air_defence: Any = 0,
    measured_on: dt.date,
    document: str,
    bid_section: BidSection | None = None,
) -> AreaMeasurement:
    """Record a floor area as a planning permit, construction permit or completion survey states it."""
    if basis not in Basis.values:
        raise errors.ValidationFailed(errors.INVALID_INPUT, code="basis_invalid")
    above = _decimal(above_ground, "above_ground")
    below = _decimal(below_ground, "below_ground")
    cad = _decimal(civil_air_defence, "civil_air_defence")
    if cad > below:
        raise errors.ValidationFailed(AREA_DEFENCE_TOO_LARGE, code="civil_air_defence_too_large", cad=cad, below=below)
    if not document.strip():
        raise errors.ValidationFailed(DOCUMENT_REQUIRED, code="document_required")
    _not_future(measured_on)
    if bid_section is not None and bid_section.project_id != project.pk:
        raise errors.ValidationFailed(
            SECTION_NOT_IN_PROJECT, code="section_not_in_project", section=bid_section.code, project=project.code
        )
    measurement = AreaMeasurement(
        project=project,
        bid_section=bid_section,
        basis=basis,
        above_ground=above,
        below_ground=below,
        civil_air_defence=cad,
        measured_on=measured_on,
        document=document.strip()[:64],
        recorded_by=actor if isinstance(actor, User) else None,
    )
    measurement.full_clean()
    measurement.save()
    ledger_append(
        actor=actor,
        action="fees.area.recorded",
        target=measurement,
        payload={
            "project": project.pk,
            "project_code": project.code,
            "bid_section": bid_section.pk if bid_section else None,
            "basis": basis,
            "above_ground": above,
            "below_ground": below,
            "civil_air_defence": cad,
            "measured_on": measured_on,
            "document": measurement.document,
        },
    )
    file = FeeFile.objects.filter(project=project).first()
    if file is not None and basis != Basis.PLANNING:
        _check_areas(file, today=_today())
    return measurement


def project_area(project: Project, basis: str) -> domain.Area | None:
    """The project's area on one basis (see ``domain.project_area``)."""
    rows = AreaMeasurement.objects.filter(project=project, basis=basis).values_list(
        "bid_section_id", "above_ground", "below_ground", "civil_air_defence", "measured_on", "pk"
    )
    return domain.project_area(domain.Measurement(*row) for row in rows)


# --- the rule ------------------------------------------------------------------------------------


def fee_decide(*, use: str, district: str, day: dt.date, area: domain.Area, relief: str = "") -> Decision:
    """Evaluate the fee rule for a use, district, day and area (and a relief code claimed)."""
    if use not in Use.values:
        raise errors.ValidationFailed(USE_INVALID, code="use_invalid", use=use)
    decision = rule_decide(
        RULE,
        {
            "use": use,
            "district": district,
            "day": int(day.strftime("%Y%m%d")),
            "above": float(area.above_ground),
            "below": float(area.below_ground),
            "civil_air_defence": float(area.civil_air_defence),
            "relief": relief,
        },
    )
    if decision.result.get("rate") is None:
        raise errors.ValidationFailed(
            NO_RATE,
            code="fee_no_rate",
            on=day.isoformat(),
            use=Use(use).label,
            zone=decision.result.get("zone", "?"),
            rule=RULE,
        )
    return decision


def _number(prefix: str, day: dt.date) -> str:
    stem = f"{prefix}{day:%Y%m%d}"
    taken = Assessment.objects.filter(number__startswith=stem).aggregate(m=Max("number"))["m"]
    return f"{stem}{(int(taken[-4:]) + 1) if taken else 1:04d}"


def _refresh(file: FeeFile) -> FeeFile:
    """Recompute the fee file's totals from its assessments, relief and payments."""
    latest = file.assessments.filter(kind=Assessment.Kind.COMPLETION).first() or file.assessments.get(
        kind=Assessment.Kind.INITIAL
    )
    paid = file.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    file.standard = latest.standard
    file.relieved = latest.relieved
    file.due = latest.due
    file.paid = domain.money(paid)
    file.discount_rate = domain.discount_rate(paid=file.paid, standard=file.standard)
    if file.due == 0 and file.relieved > 0:
        file.status = FeeFile.Status.EXEMPT
    elif file.paid >= file.due:
        file.status = FeeFile.Status.PAID
    elif file.paid > 0:
        file.status = FeeFile.Status.PART_PAID
    else:
        file.status = FeeFile.Status.ASSESSED
    file.open_flags = file.flags.filter(resolved_on__isnull=True).count()
    file.updated_at = timezone.now()
    file.full_clean()
    file.save(
        update_fields=["standard", "relieved", "due", "paid", "discount_rate", "status", "open_flags", "updated_at"]
    )
    return file


# --- assessment ----------------------------------------------------------------------------------


@transaction.atomic
def assessment_make(*, actor: Actor, project: Project, use: str = "", on: dt.date | None = None) -> Assessment:
    """Stage 6: assess the fee from the planning-permit area at the rates in force on ``on``."""
    day = on or _today()
    _not_future(day)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    existing = Assessment.objects.filter(fee_file__project=project, kind=Assessment.Kind.INITIAL).first()
    if existing is not None:
        raise errors.Conflict(
            ALREADY_ASSESSED, code="fee_already_assessed", project=project.code, number=existing.number
        )
    area = project_area(project, Basis.PLANNING)
    if area is None:
        raise errors.ValidationFailed(NO_PLANNING_AREA, code="fee_no_planning_area", project=project.code)
    use = use or str(USE_FROM_FUNCTION.get(project.function, Use.OTHER))
    decision = fee_decide(use=use, district=project.jurisdiction.code, day=day, area=area)
    result = decision.result
    standard = domain.money(result["standard"])
    file = FeeFile(
        project=project,
        jurisdiction=project.jurisdiction,
        use=use,
        zone=str(result["zone"]),
        standard=standard,
        due=standard,
    )
    file.full_clean()
    file.save()
    assessment = Assessment(
        fee_file=file,
        kind=Assessment.Kind.INITIAL,
        number=_number("PT", day),
        basis=Basis.PLANNING,
        use=use,
        zone=file.zone,
        rate_day=day,
        above_ground=area.above_ground,
        below_ground=area.below_ground,
        civil_air_defence=area.civil_air_defence,
        basis_area=domain.money(result["basis_area"]),
        rate=domain.money(result["rate"]),
        schedule=str(result.get("schedule", ""))[:255],
        standard=standard,
        due=standard,
        assessed_on=day,
        assessed_by=actor if isinstance(actor, User) else None,
        decision=decision.as_record(),
    )
    assessment.full_clean()
    assessment.save()
    ledger_append(
        actor=actor,
        action="fees.assessment.made",
        target=assessment,
        payload={
            "project": project.pk,
            "project_code": project.code,
            "number": assessment.number,
            "use": use,
            "zone": file.zone,
            "basis_area": assessment.basis_area,
            "rate": assessment.rate,
            "standard": standard,
            "on": day,
            "rule": {"name": RULE, "version": decision.version},
        },
    )
    _refresh(file)
    return assessment


@transaction.atomic
def relief_grant(
    *,
    actor: User,
    project: Project,
    code: str,
    document: str,
    reason: str = "",
    share: Any = None,
    on: dt.date | None = None,
) -> Relief:
    """Grant a reduction or exemption. The rule says whether a policy gives ``code`` to this use and
    how much; a relief it does not support is recorded as the approver decided it, and flagged."""
    if not actor.has_perm("fees.grant_relief"):
        raise errors.PermissionDenied(action=_("grant supporting-fee reductions and exemptions"))
    day = on or _today()
    _not_future(day)
    file = FeeFile.objects.select_for_update().filter(project=project).first()
    if file is None:
        raise errors.ValidationFailed(NOT_ASSESSED, code="fee_not_assessed", project=project.code)
    existing = Relief.objects.filter(fee_file=file).first()
    if existing is not None:
        raise errors.Conflict(RELIEF_EXISTS, code="fee_relief_exists", project=project.code, relief=existing.code)
    if not document.strip():
        raise errors.ValidationFailed(RELIEF_DOCUMENT_REQUIRED, code="fee_relief_document_required")
    initial = file.assessments.get(kind=Assessment.Kind.INITIAL)
    area = domain.Area(initial.above_ground, initial.below_ground, initial.civil_air_defence, initial.assessed_on, 1)
    decision = fee_decide(
        use=initial.use, district=project.jurisdiction.code, day=initial.rate_day, area=area, relief=code.strip()
    )
    result = decision.result
    rule_status = str(result.get("relief_status", "no_policy"))
    policy_factor = Decimal(str(result["factor"])) if rule_status == "matched" else None
    if share in (None, ""):
        if policy_factor is None:
            raise errors.ValidationFailed(RELIEF_SHARE_REQUIRED, code="fee_relief_share_required", relief=code)
        amount_factor = Decimal(1) - policy_factor
    else:
        try:
            amount_factor = Decimal(str(share)).quantize(Decimal("0.0001"))
        except (InvalidOperation, ValueError):
            raise errors.ValidationFailed(RELIEF_SHARE_INVALID, code="fee_relief_share_invalid") from None
    if not (0 < amount_factor <= 1):
        raise errors.ValidationFailed(RELIEF_SHARE_INVALID, code="fee_relief_share_invalid")
    status = domain.relief_status(rule_status=rule_status, policy_factor=policy_factor, amount_factor=amount_factor)
    if status != Relief.Status.MATCHED and not reason.strip():
        raise errors.ValidationFailed(RELIEF_REASON_REQUIRED, code="fee_relief_reason_required")
    relief = Relief(
        fee_file=file,
        code=code.strip()[:32],
        exemption=amount_factor == 1,
        amount_factor=amount_factor,
        policy_factor=(Decimal(1) - policy_factor) if policy_factor is not None else None,
        policy=str(result.get("policy", ""))[:255],
        document=document.strip()[:255],
        reason=reason.strip(),
        status=status,
        granted_on=day,
        granted_by=actor,
        granted_by_label=(actor.real_name or actor.username)[:100],
        decision=decision.as_record(),
    )
    relief.full_clean()
    relief.save()
    for assessment in file.assessments.all():
        assessment.relieved = domain.money(assessment.standard * amount_factor)
        assessment.due = assessment.standard - assessment.relieved
        assessment.full_clean()
        assessment.save(update_fields=["relieved", "due"])
    ledger_append(
        actor=actor,
        action="fees.relief.granted",
        target=relief,
        payload={
            "project": project.pk,
            "project_code": project.code,
            "code": relief.code,
            "share": amount_factor,
            "policy_share": relief.policy_factor,
            "status": status,
            "document": relief.document,
            "policy": relief.policy,
            "on": day,
            "rule": {"name": RULE, "version": decision.version},
        },
    )
    _refresh(file)
    _check_relief(file, today=day)
    _settle_if_due(actor=actor, file=file, on=day, reference=relief.document[:64])
    return relief


@transaction.atomic
def payment_record(*, actor: Actor, project: Project, amount: Any, paid_on: dt.date, receipt: str) -> Payment:
    """Record money received against the project's fee; settles stage 6 when the fee is paid."""
    _not_future(paid_on)
    file = FeeFile.objects.select_for_update().filter(project=project).first()
    if file is None:
        raise errors.ValidationFailed(NOT_ASSESSED, code="fee_not_assessed", project=project.code)
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise errors.ValidationFailed(AMOUNT_INVALID, code="amount_invalid") from None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e11") or value != value.quantize(domain.CENT):
        raise errors.ValidationFailed(AMOUNT_INVALID, code="amount_invalid")
    receipt = receipt.strip()
    if not receipt:
        raise errors.ValidationFailed(RECEIPT_REQUIRED, code="receipt_required")
    if Payment.objects.filter(receipt=receipt).exists():
        raise errors.Conflict(RECEIPT_TAKEN, code="receipt_taken", receipt=receipt)
    initial = file.assessments.get(kind=Assessment.Kind.INITIAL)
    if paid_on < initial.assessed_on:
        raise errors.ValidationFailed(
            PAID_BEFORE_ASSESSED, code="paid_before_assessed", on=paid_on, assessed=initial.assessed_on
        )
    payment = Payment(
        fee_file=file,
        receipt=receipt[:64],
        amount=value,
        paid_on=paid_on,
        recorded_by=actor if isinstance(actor, User) else None,
    )
    payment.full_clean()
    payment.save()
    ledger_append(
        actor=actor,
        action="fees.payment.recorded",
        target=payment,
        payload={
            "project": project.pk,
            "project_code": project.code,
            "receipt": payment.receipt,
            "amount": value,
            "paid_on": paid_on,
        },
    )
    _refresh(file)
    _settle_if_due(actor=actor, file=file, on=paid_on, reference=payment.receipt)
    return payment


@transaction.atomic
def assessment_recalculate(*, actor: Actor, project: Project, on: dt.date | None = None) -> Assessment:
    """At completion: the fee again on the completion-survey area (rates of the first assessment's
    day, the relief's share kept); what is due beyond the first assessment is a supplementary demand."""
    day = on or _today()
    _not_future(day)
    file = FeeFile.objects.select_for_update().filter(project=project).first()
    if file is None:
        raise errors.ValidationFailed(NOT_ASSESSED, code="fee_not_assessed", project=project.code)
    existing = file.assessments.filter(kind=Assessment.Kind.COMPLETION).first()
    if existing is not None:
        raise errors.Conflict(
            ALREADY_RECALCULATED, code="fee_already_recalculated", project=project.code, number=existing.number
        )
    area = project_area(project, Basis.COMPLETION)
    if area is None:
        raise errors.ValidationFailed(NO_COMPLETION_AREA, code="fee_no_completion_area", project=project.code)
    initial = file.assessments.get(kind=Assessment.Kind.INITIAL)
    decision = fee_decide(use=initial.use, district=project.jurisdiction.code, day=initial.rate_day, area=area)
    result = decision.result
    standard = domain.money(result["standard"])
    relief = Relief.objects.filter(fee_file=file).first()
    relieved = domain.money(standard * relief.amount_factor) if relief else Decimal("0.00")
    due = standard - relieved
    assessment = Assessment(
        fee_file=file,
        kind=Assessment.Kind.COMPLETION,
        number=_number("BJ", day),
        basis=Basis.COMPLETION,
        use=initial.use,
        zone=str(result["zone"]),
        rate_day=initial.rate_day,
        above_ground=area.above_ground,
        below_ground=area.below_ground,
        civil_air_defence=area.civil_air_defence,
        basis_area=domain.money(result["basis_area"]),
        rate=domain.money(result["rate"]),
        schedule=str(result.get("schedule", ""))[:255],
        standard=standard,
        relieved=relieved,
        due=due,
        supplementary=max(due - initial.due, Decimal("0.00")),
        assessed_on=day,
        assessed_by=actor if isinstance(actor, User) else None,
        decision=decision.as_record(),
    )
    assessment.full_clean()
    assessment.save()
    ledger_append(
        actor=actor,
        action="fees.assessment.recalculated",
        target=assessment,
        payload={
            "project": project.pk,
            "project_code": project.code,
            "number": assessment.number,
            "basis_area": assessment.basis_area,
            "initial_area": initial.basis_area,
            "standard": standard,
            "due": due,
            "supplementary": assessment.supplementary,
            "on": day,
            "rule": {"name": RULE, "version": decision.version},
        },
    )
    _refresh(file)
    return assessment


# --- stage 6 -------------------------------------------------------------------------------------


@dataclass
class Settlement:
    stage_recorded: list[int] = field(default_factory=list)
    stage_refused: dict[int, str] = field(default_factory=dict)


def _settle_if_due(*, actor: Actor, file: FeeFile, on: dt.date, reference: str) -> Settlement | None:
    """When the first assessment's demand is met (paid, or relieved to nothing) for the first time,
    mark the file settled and complete stage 6 of the project's bid sections."""
    initial = file.assessments.get(kind=Assessment.Kind.INITIAL)
    paid = file.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if file.settled_on is not None or paid < initial.due:
        return None
    exempt = initial.due == 0
    file.settled_on = on
    file.save(update_fields=["settled_on"])
    outcome = "exempt" if exempt else "passed"
    ledger_append(
        actor=actor,
        action="fees.fee.settled",
        target=file,
        payload={
            "project": file.project_id,
            "project_code": file.project.code,
            "on": on,
            "outcome": outcome,
            "reference": reference,
        },
    )
    return record_stage_six(actor=actor, file=file, on=on, outcome=outcome, reference=reference)


def record_stage_six(*, actor: Actor, file: FeeFile, on: dt.date, outcome: str, reference: str) -> Settlement:
    """Complete lifecycle stage 6 (supporting fee) for each bid section of the project.

    Each section is recorded in a savepoint: a section whose gate refuses (its registration is not
    recorded) or whose stage 6 already ended differently keeps its line as it is — the payment stands
    and the lifecycle's out-of-order check reports the gap."""
    result = Settlement()
    if not apps.is_installed("jianguan.lifecycle"):
        return result
    from jianguan.lifecycle.services import stage_record

    for section in BidSection.objects.filter(project_id=file.project_id).order_by("pk"):
        try:
            with transaction.atomic():
                stage_record(
                    actor=actor,
                    section=section,
                    stage="fee",
                    on=on,
                    outcome=outcome,
                    reference=reference,
                    source="fees",
                    note="fees",
                )
            result.stage_recorded.append(section.pk)
        except errors.ApplicationError as error:
            result.stage_refused[section.pk] = error.code
    return result


# --- reconciliation ------------------------------------------------------------------------------


def _flag(
    *, file: FeeFile | None, project: Project, kind: str, key: str, params: dict[str, Any], today: dt.date
) -> Flag | None:
    """Record a finding once per key and write it to the ledger (the handler raises the warning)."""
    if Flag.objects.filter(key=key).exists():
        return None
    flag = Flag.objects.create(fee_file=file, project=project, kind=kind, key=key, params=params, raised_on=today)
    ledger_append(
        actor="system:fees",
        action="fees.flag.raised",
        target=flag,
        payload={"kind": kind, "project": project.pk, "project_code": project.code, "params": params},
    )
    if file is not None:
        file.open_flags = file.flags.filter(resolved_on__isnull=True).count()
        file.save(update_fields=["open_flags"])
    return flag


def _check_areas(file: FeeFile, *, today: dt.date) -> list[Flag]:
    project = file.project
    initial = file.assessments.get(kind=Assessment.Kind.INITIAL)
    flags = []
    for basis in (Basis.PERMIT, Basis.COMPLETION):
        area = project_area(project, basis)
        if area is None:
            continue
        growth = domain.area_growth(assessed=initial.basis_area, measured=domain.money(area.levied))
        if not growth.beyond(area_tolerance()):
            continue
        supplementary = file.assessments.filter(kind=Assessment.Kind.COMPLETION).first()
        flag = _flag(
            file=file,
            project=project,
            kind=Flag.Kind.AREA_GREW,
            key=f"fees.area_grew:{project.pk}:{basis}:{growth.measured}",
            params={
                "project": project.code,
                "basis": str(Basis(basis).label),
                "assessed": str(growth.assessed),
                "measured": str(growth.measured),
                "delta": str(growth.delta),
                "percent": f"{growth.share * 100:.1f}",
                "supplementary": str(supplementary.supplementary) if supplementary else "",
            },
            today=today,
        )
        if flag:
            flags.append(flag)
    return flags


RELIEF_FLAG_KIND = {
    Relief.Status.NO_POLICY: Flag.Kind.RELIEF_NO_POLICY,
    Relief.Status.USE_NOT_QUALIFYING: Flag.Kind.RELIEF_USE,
    Relief.Status.EXCEEDS_POLICY: Flag.Kind.RELIEF_EXCEEDS,
}


def _check_relief(file: FeeFile, *, today: dt.date) -> list[Flag]:
    relief = Relief.objects.filter(fee_file=file).first()
    if relief is None or relief.status == Relief.Status.MATCHED:
        return []
    flag = _flag(
        file=file,
        project=file.project,
        kind=RELIEF_FLAG_KIND[Relief.Status(relief.status)],
        key=f"fees.relief:{relief.pk}",
        params={
            "project": file.project.code,
            "code": relief.code or "-",
            "use": str(Use(file.use).label),
            "share": f"{relief.amount_factor * 100:.0f}",
            "allowed": f"{relief.policy_factor * 100:.0f}" if relief.policy_factor is not None else "0",
            "amount": str(domain.money(file.standard * relief.amount_factor)),
            "approver": relief.granted_by_label,
            "document": relief.document,
        },
        today=today,
    )
    return [flag] if flag else []


def _check_permit(project: Project, file: FeeFile | None, permits: dict[int, dt.date], *, today: dt.date) -> list[Flag]:
    """A permit (stage 7 completed) before the fee was paid or exempt."""
    first = permits.get(project.pk)
    if first is None:
        return []
    if file is not None and file.settled_on is not None and file.settled_on <= first:
        return []
    flag = _flag(
        file=file,
        project=project,
        kind=Flag.Kind.PERMIT_BEFORE_FEE,
        key=f"fees.permit_before_fee:{project.pk}",
        params={
            "project": project.code,
            "permit_on": first.isoformat(),
            "settled_on": file.settled_on.isoformat() if file and file.settled_on else "",
        },
        today=today,
    )
    return [flag] if flag else []


def _permit_days() -> dict[int, dt.date]:
    """Each project's first construction permit day from the stage line (stage 7 completed)."""
    if not apps.is_installed("jianguan.lifecycle"):
        return {}
    from jianguan.lifecycle.models import StageRecord

    days: dict[int, dt.date] = {}
    for row in StageRecord.objects.filter(stage="permit", status="completed", outcome="passed").values_list(
        "bid_section__project_id", "completed_on"
    ):
        project_id, day = row
        if day is None:
            continue
        if project_id not in days or day < days[project_id]:
            days[project_id] = day
    return days


@dataclass
class CheckResult:
    projects: int = 0
    flags: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.flags.values())


@transaction.atomic
def fees_check(*, today: dt.date | None = None) -> CheckResult:
    """The reconciliation over every project: area growth, reliefs, permits before the fee."""
    day = today or _today()
    result = CheckResult()
    permits = _permit_days()
    files = {f.project_id: f for f in FeeFile.objects.select_related("project")}
    project_ids = set(files) | set(permits)
    projects = Project.objects.filter(pk__in=project_ids).order_by("pk")
    for project in projects:
        result.projects += 1
        file = files.get(project.pk)
        found: list[Flag] = []
        if file is not None:
            found += _check_areas(file, today=day)
            found += _check_relief(file, today=day)
        found += _check_permit(project, file, permits, today=day)
        for flag in found:
            result.flags[flag.kind] = result.flags.get(flag.kind, 0) + 1
    return result
