"""Writes of licensing. Every step runs the application's workflow (SpiffWorkflow) from its JSON
state, saves the new state and appends to the ledger in one transaction, so an application is
never half-moved.

Ledger events other modules may subscribe to (payloads are JSON):

- ``licensing.application.submitted`` — ``number``, ``kind``, ``applicant`` (USCC), ``bid_section``
  (id or null), ``deadline``
- ``licensing.task.completed`` — ``number``, ``step``, ``lane``, ``decision``, ``reason``
- ``licensing.application.correction_requested`` / ``.resubmitted`` — ``number``, ``reason`` / ``suspended_days``
- ``licensing.application.decided`` — ``number``, ``status`` (approved, rejected, not_required), ``reason``
- ``licensing.permit.granted`` — ``number`` (application), ``kind``, ``permit_number``, ``bid_section``
  (id or null), ``bid_section_code``, ``holder`` (USCC), ``issued_on``, ``qualification`` (registry
  id or null). Lifecycle completes stage 5, 7 or 12 from it (supervision registration, construction
  permit, completion filing). The registry writes an approval makes (permitted work, key post,
  qualification, bid section completed) are its own ledger entries in the same transaction.
- ``licensing.permit.revoked`` / ``licensing.permit.lapsed`` — ``permit_number``, ``bid_section``, ``reason``
- ``licensing.application.overdue`` — ``number``, ``deadline``, ``step``, ``lane``, ``jurisdiction``
- ``licensing.process.version_added`` — ``key``, ``version``, ``sha256``
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.signing import Signer
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.calendar import add_working_days, working_days_between
from jianguan.core.files import file_check
from jianguan.core.ledger import Actor, ledger_append
from jianguan.core.models import Jurisdiction, User
from jianguan.licensing import engine
from jianguan.licensing.models import Application, Attachment, Permit, ProcessVersion
from jianguan.registry import domain as registry_domain
from jianguan.registry import selectors as registry_selectors
from jianguan.registry import services as registry_services
from jianguan.registry.models import (
    BidSection,
    Enterprise,
    KeyPerson,
    PermittedWork,
    Person,
    Qualification,
    Registration,
)

PROCESS_DIR = Path(__file__).resolve().parent / "processes"

DEFAULT_TIME_LIMITS = {
    "construction_permit": 7,
    "supervision_registration": 5,
    "qualification_application": 20,
    "key_person_change": 5,
    "completion_filing": 15,
}
LANE_PERMISSION = {
    "handler": "licensing.handle_application",
    "reviewer": "licensing.review_application",
    "approver": "licensing.approve_application",
}
LANE_LABELS = {
    "applicant": _("applicant"),
    "handler": _("handling (办理)"),
    "reviewer": _("review (审核)"),
    "approver": _("approval (批准)"),
}
DECISIONS = {
    "handler": ("accept", "correct", "reject"),
    "reviewer": ("accept", "return", "reject"),
    "approver": ("accept", "return", "reject"),
}
# the materials each kind must carry: code -> label
MATERIALS: dict[str, dict[str, Any]] = {
    "construction_permit": {
        "drawing_review": _("drawing review certificate"),
        "contract": _("construction contract"),
        "fee": _("fee receipt or exemption"),
    },
    "supervision_registration": {"contract": _("construction contract"), "safety_plan": _("hazardous works list")},
    "qualification_application": {"people": _("list of registered people"), "projects": _("completed projects")},
    "key_person_change": {"consent": _("owner's consent"), "certificate": _("registration certificate")},
    "completion_filing": {"acceptance": _("completion acceptance report"), "warranty": _("quality warranty")},
}
# what the applicant declares, per kind (checked against the attached materials by the handler)
DECLARATIONS: dict[str, dict[str, Any]] = {
    "construction_permit": {
        "drawing_review_passed": _("construction drawings passed review"),
        "contract_filed": _("construction contract filed"),
        "fee_paid": _("supporting-infrastructure fee paid"),
        "fee_exempt": _("exempt from the supporting-infrastructure fee"),
    },
    "supervision_registration": {
        "drawing_review_passed": _("construction drawings passed review"),
        "contract_filed": _("construction contract filed"),
        "safety_plan_submitted": _("hazardous works list and safety measures submitted"),
    },
    "qualification_application": {"major_accident_last_year": _("a major accident in the last year")},
    "key_person_change": {"owner_consent": _("the owner agrees to the change"), "reason_given": _("reason given")},
    "completion_filing": {
        "acceptance_report": _("completion acceptance report"),
        "quality_assessment": _("quality assessment report"),
        "fire_acceptance": _("fire-safety acceptance passed or filed"),
        "warranty_signed": _("quality warranty signed"),
    },
}
PERMIT_VALID_START_MONTHS = 3
QUALIFICATION_VALID_YEARS = 5  # 建筑业企业资质管理规定: a certificate is valid for five years
QUALIFICATION_CATEGORIES = ("comprehensive", "general", "specialty", "labour")
GRADE_RANK = {"": 0, "乙": 1, "甲": 2}

PROCESS_INVALID = _("The process %(key)s cannot be used: %(reason)s")
UNKNOWN_PROCESS = _("There is no licensing process %(key)s.")
MATERIAL_MISSING = _("Materials missing: %(materials)s. Attach them and submit again.")
SUBJECT_REQUIRED = _("A %(kind)s application needs %(what)s.")
ALREADY_OPEN = _("Application %(number)s for the same matter is still open; wait for its decision or withdraw it.")
WRONG_ROLE = _("Step %(step)s belongs to %(lane)s; you do not hold that role.")
SAME_PERSON = _(
    "You already took part in %(lane)s of application %(number)s; handling, review and approval must be done by "
    "three different people."
)
NOT_AT_STEP = _("Application %(number)s is not waiting for this step (it is at %(step)s).")
DECISION_INVALID = _("Decision %(decision)s is not possible at step %(step)s; choose one of %(choices)s.")
REASON_REQUIRED = _("A reason is required to reject, return or ask for correction.")
PRECONDITIONS_FAILED = _("The automatic check failed, so the application cannot be accepted: %(failures)s")
CLAIMED_BY_OTHER = _("Application %(number)s is claimed by %(user)s.")
NOT_APPLICANT = _("Only the applicant or the approval office may supplement application %(number)s.")
NOT_FOR_ENTERPRISE = _("Your account may not apply on behalf of %(name)s.")
PERMIT_NOT_VALID = _("Permit %(number)s is %(state)s already.")
QUALIFICATION_CLASS_UNKNOWN = _(
    "Choose the qualification applied for: there is no construction qualification class %(klass)s in category "
    "%(category)s."
)
QUALIFICATION_HELD = _(
    "%(name)s already holds %(qualification)s (certificate %(number)s), valid; an application must ask for a new "
    "class or a higher grade."
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def time_limit_for(kind: str) -> int:
    limits = {**DEFAULT_TIME_LIMITS, **getattr(settings, "LICENSING_TIME_LIMITS", {})}
    return int(limits[kind])


# ---------------------------------------------------------------- process versions


def _register_process(*, actor: Actor, key: str, text: str, source: str, note: str = "") -> ProcessVersion:
    latest = ProcessVersion.objects.filter(key=key).order_by("-version").first()
    digest = _sha(text)
    if latest is not None and latest.sha256 == digest:
        return latest
    version = ProcessVersion.objects.create(
        key=key, version=(latest.version + 1) if latest else 1, bpmn=text, sha256=digest, source=source, note=note
    )
    ledger_append(
        actor=actor,
        action="licensing.process.version_added",
        target=version,
        payload={"key": key, "version": version.version, "sha256": digest, "source": source},
    )
    return version


def process_validate(key: str, content: str | bytes) -> str:
    if key not in DEFAULT_TIME_LIMITS:
        raise errors.ValidationFailed(UNKNOWN_PROCESS, code="process_unknown", key=key)
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        engine.check(text, key)
    except UnicodeDecodeError:
        raise errors.ValidationFailed(PROCESS_INVALID, code="process_invalid", key=key, reason="not UTF-8") from None
    except engine.ProcessInvalid as exc:
        raise errors.ValidationFailed(PROCESS_INVALID, code="process_invalid", key=key, reason=exc.reason) from None
    return text


@transaction.atomic
def process_version_upload(*, actor: Actor, key: str, content: str | bytes, note: str = "") -> ProcessVersion:
    """A new version of a process, validated first; running applications stay on theirs."""
    text = process_validate(key, content)
    return _register_process(actor=actor, key=key, text=text, source="upload", note=note)


@transaction.atomic
def processes_sync_files(directory: Path = PROCESS_DIR) -> list[ProcessVersion]:
    return [
        _register_process(
            actor="system:migrate",
            key=path.stem,
            text=process_validate(path.stem, path.read_text("utf-8")),
            source="file",
        )
        for path in sorted(directory.glob("*.bpmn"))
    ]


def process_current(key: str) -> ProcessVersion:
    version = ProcessVersion.objects.filter(key=key).order_by("-version").first()
    if version is None:
        processes_sync_files()
        version = ProcessVersion.objects.filter(key=key).order_by("-version").first()
    if version is None:
        raise errors.NotFound(UNKNOWN_PROCESS, code="process_unknown", key=key)
    return version


# ---------------------------------------------------------------- facts for the rules


def _valid(cert: Any, day: dt.date) -> bool:
    return cert is not None and cert.status == "valid" and cert.valid_until >= day


def _manager_facts(section: BidSection, person: Person | None, day: dt.date) -> tuple[bool, int]:
    contractor = section.participants.filter(role="contractor").select_related("enterprise").first()
    if person is None:
        post = section.key_people.filter(role="project_manager", ended_on__isnull=True).first()
        person = post.person if post else None
    if person is None or contractor is None:
        return False, 0
    registered = person.registrations.filter(
        enterprise=contractor.enterprise,
        kind__in=registry_services.ROLE_REGISTRATIONS["project_manager"],
        status=Registration.Status.VALID,
        valid_until__gte=day,
    ).exists()
    others = (
        KeyPerson.objects.filter(person=person, role="project_manager", ended_on__isnull=True)
        .exclude(bid_section=section)
        .filter(bid_section__status__in=["planned", "active", "suspended"])
        .count()
    )
    return registered, others


# the specialties named on registrations (注册建造师 / 监理工程师) that count for a class, by
# "category:class"; a general-contracting class is its own specialty (建筑工程 → 建筑工程)
CLASS_SPECIALTIES: dict[str, tuple[str, ...]] = {
    **{
        f"specialty:{klass}": ("建筑工程",)
        for klass in (
            "decoration", "building_mep", "general_specialty", "foundation", "lifting", "ready_mixed_concrete",
            "formwork_scaffold", "waterproofing", "fire", "ancient_building",
        )
    },
    "comprehensive:comprehensive": ("建筑工程", "市政公用工程"),
    "specialty:highway_specialty": ("公路工程",),
    "specialty:bridge": ("公路工程", "市政公用工程"),
    "specialty:tunnel": ("公路工程", "市政公用工程"),
    "specialty:port_specialty": ("港口与航道工程",),
    "specialty:water_specialty": ("水利水电工程",),
    "specialty:railway_electrification": ("铁路工程",),
    "specialty:transmission": ("机电工程",),
    "specialty:nuclear": ("机电工程",),
    "supervision:housing": ("房屋建筑工程",),
    "supervision:municipal": ("市政公用工程",),
}  # fmt: skip


def _specialty_names(category: str, klass: str) -> set[str]:
    """How registrations name the specialties that count for a class: 建筑工程 → 建筑工程, 建筑."""
    labels = CLASS_SPECIALTIES.get(f"{category}:{klass}") or (registry_domain.class_label(category, klass),)
    return {variant for label in labels for variant in (label, label.removesuffix("工程"))} - {""}


def qualification_requested(
    applicant: Enterprise, declared: Mapping[str, Any], day: dt.date | None = None
) -> tuple[str, str, str]:
    """(category, class, grade) an application asks for, checked against the catalogue and what the
    enterprise already holds. Refused with a clear message otherwise."""
    category = str(declared.get("category") or "").strip()
    klass = str(declared.get("klass") or "").strip()
    if klass not in registry_domain.CLASSES.get(category, {}):
        raise errors.ValidationFailed(
            QUALIFICATION_CLASS_UNKNOWN, code="qualification_class", category=category or "-", klass=klass or "-"
        )
    try:
        grade, _legacy = registry_domain.normalise_grade(category, str(declared.get("requested_grade") or ""))
    except registry_domain.IdentifierError:
        raise errors.ValidationFailed(
            registry_domain.GRADE_UNKNOWN, code="grade_unknown", grade=declared.get("requested_grade") or "-"
        ) from None
    if category not in registry_domain.UNGRADED and not grade:
        raise errors.ValidationFailed(
            registry_domain.GRADE_UNKNOWN, code="grade_unknown", grade=declared.get("requested_grade") or "-"
        )
    held = Qualification.objects.filter(enterprise=applicant, category=category, klass=klass).first()
    if (
        held is not None
        and held.is_valid_on(day or timezone.localdate())
        and GRADE_RANK[held.grade] >= GRADE_RANK[grade]
    ):
        raise errors.Conflict(
            QUALIFICATION_HELD,
            code="qualification_held",
            name=applicant.name,
            qualification=str(held),
            number=held.number,
        )
    return category, klass, grade


def _qualification_facts(applicant: Enterprise, facts: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """Qualification standards look at the registry and the credit file, not at what the applicant
    says: registered people of the specialty registered with the applicant, its credit grade, and
    major or larger accidents on its credit file in the last year (or declared)."""
    from jianguan.credit import selectors as credit
    from jianguan.credit.models import Record

    category, klass = str(facts.get("category", "")), str(facts.get("klass", ""))
    people = (
        Registration.objects.filter(
            enterprise=applicant,
            status=Registration.Status.VALID,
            valid_until__gte=day,
            specialty__in=_specialty_names(category, klass),
        )
        .values("person")
        .distinct()
        .count()
    )
    accidents = Record.objects.filter(
        subject__enterprise=applicant,
        trigger__in=["major_accident", "larger_accident"],
        event_date__gt=day - dt.timedelta(days=365),
        event_date__lte=day,
        status__in=[Record.Status.RECORDED],
    ).exists()
    completed = facts.get("completed_projects", 0)
    facts.update(
        requested_grade=str(facts.get("requested_grade") or ""),
        registered_in_specialty=people,
        completed_projects=completed if isinstance(completed, int) and not isinstance(completed, bool) else 0,
        major_accident_last_year=bool(facts.get("major_accident_last_year")) or accidents,
        credit_grade=credit.credit_grade(applicant, day),
    )
    return facts


def collect_facts(
    *,
    kind: str,
    applicant: Enterprise,
    section: BidSection | None,
    person: Person | None,
    declared: dict[str, Any],
    day: dt.date,
) -> dict[str, Any]:
    """What the rule of ``kind`` looks at: the registry's records plus what the applicant declared."""
    facts: dict[str, Any] = {k: v for k, v in declared.items() if isinstance(v, (bool, int, float, str))}
    if kind == "qualification_application":
        return _qualification_facts(applicant, facts, day)
    assert section is not None
    project = section.project
    if kind == "construction_permit":
        contractor = section.participants.filter(role="contractor").select_related("enterprise").first()
        qualification = None
        if contractor is not None:
            qualification = (
                contractor.enterprise.qualifications.filter(category__in=["comprehensive", "general"])
                .order_by("category", "grade")
                .first()
            )
        registered, others = _manager_facts(section, None, day)
        licence = getattr(contractor.enterprise, "safety_licence", None) if contractor else None
        facts.update(
            investment_yuan=float(project.investment) * 10000,
            floor_area=float(project.floor_area),
            supervision_registered=Application.objects.filter(
                kind="supervision_registration", bid_section=section, status=Application.Status.APPROVED
            ).exists()
            or bool(declared.get("supervision_registered")),
            manager_registered=registered,
            manager_other_active_projects=others,
            qualification_valid=_valid(qualification, day),
            qualification_category=qualification.category if qualification else "",
            qualification_grade=qualification.grade if qualification else "",
            safety_licence_valid=_valid(licence, day),
        )
        if apps.is_installed("jianguan.fees"):
            # the fee office's records, when it holds an assessment, replace the declaration
            from jianguan.fees.selectors import permit_fee_facts

            facts.update(permit_fee_facts(section=section, on=day))
    elif kind == "supervision_registration":
        registered, _others = _manager_facts(section, None, day)
        chief = section.key_people.filter(role="chief_supervision_engineer", ended_on__isnull=True).first()
        facts.update(
            manager_registered=registered, chief_registered=chief is not None and chief.registration_id is not None
        )
    elif kind == "key_person_change":
        registered, others = _manager_facts(section, person, day)
        facts.update(new_person_registered=registered, new_person_other_active_projects=others)
    elif kind == "completion_filing":
        facts.update(permit_exists=PermittedWork.objects.filter(bid_section=section).exists())
    return facts


# ---------------------------------------------------------------- applications


def _next_number(kind: str, day: dt.date) -> str:
    prefix = {
        "construction_permit": "SG",
        "supervision_registration": "JD",
        "qualification_application": "ZZ",
        "key_person_change": "BG",
        "completion_filing": "BA",
    }[kind]
    stem = f"{prefix}{day:%Y%m%d}"
    taken = Application.objects.filter(number__startswith=stem).aggregate(m=Max("number"))["m"]
    return f"{stem}{(int(taken[-4:]) + 1) if taken else 1:04d}"


def _place(application: Application, workflow: Any) -> None:
    """Copy where the workflow stands (step, lane, status) onto the application."""
    ready = engine.ready_user_tasks(workflow)
    application.workflow_state = engine.dumps(workflow)
    data = workflow.data if workflow.completed else (ready[0].data if ready else {})
    decisions = data.get("decisions") or {}
    if decisions:
        application.decision = decisions.get("check", next(iter(decisions.values())))
    if ready:
        application.step = ready[0].task_spec.name
        application.lane = ready[0].task_spec.lane or ""
        application.status = (
            Application.Status.CORRECTION if application.lane == "applicant" else Application.Status.IN_PROGRESS
        )
    else:
        application.step, application.lane = "", ""


def _end_event(workflow: Any) -> str:
    from SpiffWorkflow.util.task import TaskState

    ends = [
        t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name.startswith("end_")
    ]
    return ends[-1] if ends else ""


def _deadline(application: Application) -> dt.date:
    return add_working_days(application.submitted_on, application.time_limit + application.suspended_days)


def _store_files(application: Application, files: Mapping[str, UploadedFile]) -> list[Attachment]:
    stored = []
    for material, upload in files.items():
        checked = file_check(upload)
        attachment = Attachment(
            application=application,
            material=material,
            name=checked.name,
            kind=checked.kind,
            size=checked.size,
            sha256=checked.sha256,
        )
        attachment.file.save(f"{application.number}-{material}.{checked.kind}", upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


@transaction.atomic
def application_submit(
    *,
    actor: User,
    kind: str,
    applicant: Enterprise,
    declared: dict[str, Any],
    files: Mapping[str, UploadedFile],
    bid_section: BidSection | None = None,
    person: Person | None = None,
    title: str = "",
    client_key: str = "",
    today: dt.date | None = None,
) -> tuple[Application, bool]:
    """Submit an application; the workflow starts and runs its automatic check at once.

    Returns (application, created). The same ``client_key`` from the same applicant answers the
    application already made, so a re-sent form never creates a second one."""
    if kind not in DEFAULT_TIME_LIMITS:
        raise errors.ValidationFailed(UNKNOWN_PROCESS, code="process_unknown", key=kind)
    if actor.kind == User.Kind.ENTERPRISE:
        if not registry_selectors.acts_for(actor, applicant):
            raise errors.PermissionDenied(NOT_FOR_ENTERPRISE, code="not_your_enterprise", name=applicant.name)
    elif not actor.has_perm("licensing.add_application"):
        raise errors.PermissionDenied(action=_("submit applications on behalf of an enterprise"))
    if client_key:
        existing = Application.objects.filter(applicant=applicant, client_key=client_key).first()
        if existing is not None:
            return existing, False
    kind_label = Application.Kind(kind).label
    if kind != "qualification_application" and bid_section is None:
        raise errors.ValidationFailed(
            SUBJECT_REQUIRED, code="bid_section_required", kind=kind_label, what=_("a bid section")
        )
    if kind == "qualification_application":
        category, klass, grade = qualification_requested(applicant, declared, today)
        declared = {**declared, "category": category, "klass": klass, "requested_grade": grade}
        title = title or f"{applicant.name} {registry_domain.class_label(category, klass)}{grade}"
    if kind == "key_person_change" and person is None:
        raise errors.ValidationFailed(
            SUBJECT_REQUIRED, code="person_required", kind=kind_label, what=_("the new project manager")
        )
    missing = [label for code, label in MATERIALS[kind].items() if code not in files]
    if missing:
        raise errors.ValidationFailed(
            MATERIAL_MISSING,
            code="material_missing",
            materials=format_lazy("、".join(["{}"] * len(missing)), *missing),
            extra={"missing": [code for code in MATERIALS[kind] if code not in files]},
        )
    open_same = Application.objects.filter(
        kind=kind, applicant=applicant, bid_section=bid_section, status__in=["in_progress", "correction"]
    ).first()
    if open_same is not None:
        raise errors.Conflict(ALREADY_OPEN, code="application_open", number=open_same.number)
    day = today or timezone.localdate()
    process = process_current(kind)
    facts = collect_facts(
        kind=kind, applicant=applicant, section=bid_section, person=person, declared=declared, day=day
    )
    workflow = engine.start(process.bpmn, kind, {"facts": facts})
    limit = time_limit_for(kind)
    application = Application(
        number=_next_number(kind, day),
        kind=kind,
        process=process,
        applicant=applicant,
        bid_section=bid_section,
        person=person,
        jurisdiction=bid_section.jurisdiction if bid_section else applicant.jurisdiction,
        title=title or (f"{bid_section.project.name} {bid_section.name}" if bid_section else applicant.name),
        facts=facts,
        client_key=client_key,
        time_limit=limit,
        submitted_on=day,
        deadline=add_working_days(day, limit),
        submitted_by=actor,
        workflow_state="{}",
    )
    _place(application, workflow)
    _finish_if_done(application, workflow, actor)
    try:
        with transaction.atomic():
            application.full_clean(exclude=["workflow_state"])
            application.save()
    except IntegrityError:
        raise errors.Conflict(ALREADY_OPEN, code="application_open", number=application.number) from None
    _store_files(application, files)
    ledger_append(
        actor=actor,
        action="licensing.application.submitted",
        target=application,
        payload={
            "number": application.number,
            "kind": kind,
            "applicant": applicant.uscc,
            "bid_section": bid_section.pk if bid_section else None,
            "deadline": application.deadline.isoformat(),
            "rule_passed": application.decision.get("result", {}).get("passed"),
        },
    )
    if application.status == Application.Status.NOT_REQUIRED:
        _decided(application, actor)
    return application, True


def _finish_if_done(application: Application, workflow: Any, actor: Actor) -> None:
    if not workflow.completed:
        return
    end = _end_event(workflow)
    application.status = {
        "end_approved": Application.Status.APPROVED,
        "end_rejected": Application.Status.REJECTED,
        "end_not_required": Application.Status.NOT_REQUIRED,
    }.get(end, Application.Status.REJECTED)
    application.decided_at = timezone.now()


def _decided(application: Application, actor: Actor) -> None:
    ledger_append(
        actor=actor,
        action="licensing.application.decided",
        target=application,
        payload={"number": application.number, "status": application.status, "reason": application.outcome_reason},
    )


def _check_actor(application: Application, actor: User, lane: str) -> None:
    if lane == "applicant":
        if actor.pk != application.submitted_by_id and not actor.has_perm("licensing.handle_application"):
            raise errors.PermissionDenied(NOT_APPLICANT, code="not_applicant", number=application.number)
        return
    if not actor.has_perm(LANE_PERMISSION[lane]):
        raise errors.PermissionDenied(WRONG_ROLE, code="wrong_role", step=application.step, lane=LANE_LABELS[lane])
    for other, people in (application.actors or {}).items():
        if other != lane and other != "applicant" and actor.pk in people:
            raise errors.Conflict(SAME_PERSON, code="same_person", lane=LANE_LABELS[other], number=application.number)


@transaction.atomic
def task_claim(*, actor: User, application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_open or application.lane not in LANE_PERMISSION:
        raise errors.Conflict(NOT_AT_STEP, code="not_at_step", number=application.number, step=application.step or "-")
    _check_actor(application, actor, application.lane)
    if application.claimed_by_id and application.claimed_by_id != actor.pk:
        raise errors.Conflict(
            CLAIMED_BY_OTHER, code="claimed", number=application.number, user=str(application.claimed_by)
        )
    application.claimed_by = actor
    application.save(update_fields=["claimed_by"])
    ledger_append(
        actor=actor,
        action="licensing.task.claimed",
        target=application,
        payload={"number": application.number, "step": application.step},
    )
    return application


@transaction.atomic
def task_complete(
    *, actor: User, application: Application, step: str, decision: str, reason: str = "", today: dt.date | None = None
) -> Application:
    """Complete the current staff step: accept (send on), correct (ask the applicant for more),
    return (back one step) or reject. Refused when the actor lacks the lane's role, already acted in
    another lane of this application, or the step is not the current one."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_open or application.step != step or application.lane not in LANE_PERMISSION:
        raise errors.Conflict(NOT_AT_STEP, code="not_at_step", number=application.number, step=application.step or "-")
    lane = application.lane
    _check_actor(application, actor, lane)
    if application.claimed_by_id and application.claimed_by_id != actor.pk:
        raise errors.Conflict(
            CLAIMED_BY_OTHER, code="claimed", number=application.number, user=str(application.claimed_by)
        )
    choices = DECISIONS[lane]
    if decision not in choices:
        raise errors.ValidationFailed(
            DECISION_INVALID, code="decision_invalid", decision=decision, step=step, choices=", ".join(choices)
        )
    reason = (reason or "").strip()
    if decision != "accept" and not reason:
        raise errors.ValidationFailed(REASON_REQUIRED, code="reason_required")
    result = (application.decision or {}).get("result", {})
    if decision == "accept" and lane == "handler" and not result.get("passed", False):
        failures = "；".join(f.get("zh", f.get("code", "")) for f in result.get("failures", []))
        raise errors.ValidationFailed(PRECONDITIONS_FAILED, code="preconditions_failed", failures=failures)
    workflow = engine.loads(application.workflow_state)
    ready = [t for t in engine.ready_user_tasks(workflow) if t.task_spec.name == step]
    if not ready:
        raise errors.Conflict(NOT_AT_STEP, code="not_at_step", number=application.number, step=application.step or "-")
    engine.complete(workflow, ready[0], {"decision": decision, "reason": reason})
    actors = dict(application.actors or {})
    actors[lane] = sorted({*actors.get(lane, []), actor.pk})
    application.actors = actors
    application.claimed_by = None
    day = today or timezone.localdate()
    if decision == "correct":
        application.suspended_since = day
    if decision == "reject":
        application.outcome_reason = reason
    _place(application, workflow)
    _finish_if_done(application, workflow, actor)
    application.save()
    ledger_append(
        actor=actor,
        action="licensing.task.completed",
        target=application,
        payload={"number": application.number, "step": step, "lane": lane, "decision": decision, "reason": reason},
    )
    if decision == "correct":
        ledger_append(
            actor=actor,
            action="licensing.application.correction_requested",
            target=application,
            payload={"number": application.number, "reason": reason},
        )
    if not application.is_open:
        _decided(application, actor)
        if application.status == Application.Status.APPROVED:
            permit_issue(actor=actor, application=application, day=day)
    return application


@transaction.atomic
def application_resubmit(
    *,
    actor: User,
    application: Application,
    declared: dict[str, Any],
    files: Mapping[str, UploadedFile],
    today: dt.date | None = None,
) -> Application:
    """The applicant's correction (补正): new materials and declarations; the clock resumes and
    the automatic check runs again."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Application.Status.CORRECTION:
        raise errors.Conflict(NOT_AT_STEP, code="not_at_step", number=application.number, step=application.step or "-")
    _check_actor(application, actor, "applicant")
    day = today or timezone.localdate()
    _store_files(application, files)
    facts = collect_facts(
        kind=application.kind,
        applicant=application.applicant,
        section=application.bid_section,
        person=application.person,
        declared={**application.facts, **declared},
        day=day,
    )
    workflow = engine.loads(application.workflow_state)
    ready = engine.ready_user_tasks(workflow)
    engine.complete(workflow, ready[0], {"facts": facts})
    suspended = working_days_between(application.suspended_since or day, day)
    application.suspended_days += suspended
    application.suspended_since = None
    application.deadline = _deadline(application)
    application.facts = facts
    _place(application, workflow)
    _finish_if_done(application, workflow, actor)
    application.save()
    ledger_append(
        actor=actor,
        action="licensing.application.resubmitted",
        target=application,
        payload={
            "number": application.number,
            "suspended_days": suspended,
            "deadline": application.deadline.isoformat(),
        },
    )
    if not application.is_open:
        _decided(application, actor)
    return application


# ---------------------------------------------------------------- permits


def _permit_number(application: Application, day: dt.date) -> str:
    prefix = {
        "supervision_registration": "JD",
        "qualification_application": "ZZ",
        "key_person_change": "BG",
        "completion_filing": "BA",
    }[application.kind]
    stem = f"{prefix}{application.jurisdiction.code}{day:%Y%m%d}"
    taken = Permit.objects.filter(number__startswith=stem).count()
    return f"{stem}{taken + 1:03d}"


def permit_token(permit: Permit) -> str:
    return Signer(salt="jianguan.licensing.permit").sign(permit.number)


def permit_from_token(token: str) -> tuple[Permit | None, str]:
    """(permit, verdict): verdict is ``genuine``, ``tampered`` or ``unknown``."""
    from django.core.signing import BadSignature

    try:
        number = Signer(salt="jianguan.licensing.permit").unsign(token)
    except BadSignature:
        return None, "tampered"
    permit = (
        Permit.objects.select_related("holder", "bid_section__project", "application").filter(number=number).first()
    )
    return permit, ("genuine" if permit else "unknown")


def permit_issue(*, actor: Actor, application: Application, day: dt.date) -> Permit:
    section = application.bid_section
    work = None
    if application.kind == "construction_permit":
        assert section is not None
        work = registry_services.permitted_work_add(
            actor=actor,
            section=section,
            data={
                "name": f"{section.project.name}{section.name}",
                "specialty": "01",
                "floor_area": section.project.floor_area,
                "contract_price": section.contract_price,
            },
            issued_on=day,
        )
        number = work.permit_number
    else:
        number = _permit_number(application, day)
    if application.kind == "key_person_change":
        assert section is not None
        assert application.person is not None
        for post in section.key_people.filter(role="project_manager", ended_on__isnull=True):
            registry_services.key_person_end(actor=actor, post=post, ended_on=day, reason=application.number)
        registry_services.key_person_assign(
            actor=actor, section=section, role="project_manager", person=application.person, started_on=day
        )
    qualification = None
    if application.kind == "qualification_application":
        qualification = _qualification_grant(actor=actor, application=application, number=number, day=day)
    start_by = None
    if application.kind == "construction_permit":
        month = day.month - 1 + PERMIT_VALID_START_MONTHS
        year, month = day.year + month // 12, month % 12 + 1
        import calendar as _cal

        start_by = dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))
    permit = Permit.objects.create(
        application=application,
        number=number,
        kind=application.kind,
        holder=application.applicant,
        bid_section=section,
        permitted_work=work,
        jurisdiction=application.jurisdiction,
        issued_on=day,
        start_by=start_by,
    )
    ledger_append(
        actor=actor,
        action="licensing.permit.granted",
        target=permit,
        payload={
            "number": application.number,
            "kind": application.kind,
            "permit_number": number,
            "bid_section": section.pk if section else None,
            "bid_section_code": section.code if section else None,
            "holder": application.applicant.uscc,
            "issued_on": day.isoformat(),
            "qualification": qualification.pk if qualification else None,
        },
    )
    if application.kind == "completion_filing":
        # filed: the works are complete. Lifecycle completes stage 12 from the event above (its
        # handler, same transaction); the registry's status of the section follows here.
        assert section is not None
        registry_services.bid_section_status_set(
            actor=actor, section=section, status=BidSection.Status.COMPLETED, reason=f"竣工验收备案 {number}"
        )
    return permit


def issuing_authority(jurisdiction: Jurisdiction) -> str:
    """The housing and construction bureau of the city (or province) a division belongs to:
    ``settings.LICENSING_AUTHORITY`` when set, else 宜昌市住房和城乡建设局 for 西陵区."""
    configured = getattr(settings, "LICENSING_AUTHORITY", "")
    if configured:
        return str(configured)
    division: Jurisdiction | None = jurisdiction
    while division is not None and division.level in (Jurisdiction.Level.DISTRICT, Jurisdiction.Level.COUNTY):
        division = division.parent
    division = division or jurisdiction
    suffix = "住房和城乡建设厅" if division.level == Jurisdiction.Level.PROVINCE else "住房和城乡建设局"
    return f"{division.name}{suffix}"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _qualification_grant(*, actor: Actor, application: Application, number: str, day: dt.date) -> Qualification:
    """An approved application creates the qualification, or raises the grade of the one held,
    through the registry (which writes its own ledger entry). A new qualification takes the permit's
    number as its certificate number; an upgrade keeps the certificate number it had. Valid five
    years from the approval."""
    facts = application.facts
    category, klass = str(facts["category"]), str(facts["klass"])
    held = Qualification.objects.filter(enterprise=application.applicant, category=category, klass=klass).first()
    qualification, _state = registry_services.qualification_upsert(
        actor=actor,
        enterprise=application.applicant,
        data={
            "category": category,
            "klass": klass,
            "grade": str(facts.get("requested_grade") or ""),
            "number": held.number if held else number,
            "issuer": issuing_authority(application.jurisdiction),
            "valid_from": day,
            "valid_until": _add_years(day, QUALIFICATION_VALID_YEARS) - dt.timedelta(days=1),
            "status": Qualification.Status.VALID,
        },
        source="licensing",
    )
    return qualification


@transaction.atomic
def permit_revoke(*, actor: User, permit: Permit, reason: str) -> Permit:
    permit = Permit.objects.select_for_update().get(pk=permit.pk)
    if not actor.has_perm("licensing.revoke_permit"):
        raise errors.PermissionDenied(WRONG_ROLE, code="wrong_role", step="revoke", lane=LANE_LABELS["approver"])
    if not (reason or "").strip():
        raise errors.ValidationFailed(REASON_REQUIRED, code="reason_required")
    if permit.status != Permit.Status.VALID:
        raise errors.Conflict(
            PERMIT_NOT_VALID, code="permit_not_valid", number=permit.number, state=permit.get_status_display()
        )
    permit.status = Permit.Status.REVOKED
    permit.status_reason = reason.strip()
    permit.save(update_fields=["status", "status_reason"])
    ledger_append(
        actor=actor,
        action="licensing.permit.revoked",
        target=permit,
        payload={"permit_number": permit.number, "bid_section": permit.bid_section_id, "reason": permit.status_reason},
    )
    return permit


@transaction.atomic
def permits_lapse(*, today: dt.date | None = None) -> list[Permit]:
    """Construction permits whose works have not started within three months lapse (建筑法 art. 9)."""
    day = today or timezone.localdate()
    lapsed = []
    candidates = (
        Permit.objects.select_for_update(of=("self",))
        .filter(kind="construction_permit", status=Permit.Status.VALID, start_by__lt=day)
        .select_related("bid_section")
    )
    for permit in candidates:
        if permit.bid_section is not None and permit.bid_section.status != "planned":
            continue
        permit.status = Permit.Status.LAPSED
        permit.status_reason = "施工许可证自领取之日起三个月内未开工 / work not started within three months"
        permit.save(update_fields=["status", "status_reason"])
        ledger_append(
            actor="system:licensing",
            action="licensing.permit.lapsed",
            target=permit,
            payload={
                "permit_number": permit.number,
                "bid_section": permit.bid_section_id,
                "reason": permit.status_reason,
            },
        )
        lapsed.append(permit)
    return lapsed


@transaction.atomic
def applications_flag_overdue(*, today: dt.date | None = None) -> list[Application]:
    """Open applications past their statutory deadline (clock not suspended) are reported once in
    the ledger; the command centre raises a warning from that event."""
    day = today or timezone.localdate()
    overdue = list(
        Application.objects.select_for_update()
        .filter(status=Application.Status.IN_PROGRESS, deadline__lt=day, overdue_reported=False)
        .select_related("jurisdiction")
    )
    for application in overdue:
        application.overdue_reported = True
        application.save(update_fields=["overdue_reported"])
        ledger_append(
            actor="system:licensing",
            action="licensing.application.overdue",
            target=application,
            payload={
                "number": application.number,
                "title": application.title,
                "deadline": application.deadline.isoformat(),
                "step": application.step,
                "lane": application.lane,
                "jurisdiction": application.jurisdiction.code,
            },
        )
    return overdue
