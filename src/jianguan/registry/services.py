"""Writes of the base registry. Every change is validated here, saved, and recorded in the ledger
in the same transaction. Importers and the provincial sync call these same functions (or their
``*_upsert`` forms), so a rule is enforced once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.ledger import Actor, ledger_append
from jianguan.core.models import Jurisdiction, User
from jianguan.registry import domain
from jianguan.registry.models import (
    KEY_ROLE_PARTICIPANT,
    BidSection,
    Enterprise,
    EnterpriseAccount,
    KeyPerson,
    Participant,
    PermittedWork,
    Person,
    Project,
    Qualification,
    Registration,
    SafetyLicence,
    UnitProject,
)

FIELD_INVALID = _("%(field)s: %(reason)s")
FIELD_REQUIRED = _("%(field)s is required.")
USCC_TAKEN = _("An enterprise with the unified social credit code %(uscc)s is already registered: %(name)s.")
ID_TAKEN = _("A person with this ID number is already registered: %(name)s.")
UNKNOWN_DIVISION = _("There is no administrative division %(division)s.")
DATES_REVERSED = _("The validity ends (%(until)s) before it starts (%(start)s).")
OTHER_ENTERPRISE = _(
    "%(person)s is registered with %(current)s; one person can be registered with only one enterprise at a time "
    "(人证合一). Cancel the registrations there first."
)
REGISTRATION_TAKEN = _("Registration number %(number)s is already held by %(holder)s.")
ENTERPRISE_NOT_ACTIVE = _("%(name)s is %(state)s and cannot take on new work.")
PM_BUSY = _("%(person)s is already project manager of the active bid section %(section)s.")
KEY_PERSON_NOT_REGISTERED = _(
    "%(person)s is not registered with %(enterprise)s, the %(role)s of this bid section; a key person must be "
    "registered with the enterprise they act for."
)
NO_PARTICIPANT = _("The bid section has no %(role)s yet; name the enterprise first.")
ROLE_TAKEN = _("%(role)s of this bid section is %(holder)s; end that post first.")
REGISTRATION_KIND_REQUIRED = _("%(role)s needs a valid %(kinds)s registration; %(person)s has none.")
QUALIFICATION_CLASS = _("There is no qualification class %(klass)s in category %(category)s.")
PROJECT_DAY_FULL = _("99 projects were already registered in %(division)s on %(day)s.")
NOT_YOUR_PROJECT = _("Unit project %(unit)s belongs to another project.")
POST_ENDED = _("This post has already ended.")
NOT_AN_ENTERPRISE_USER = _("%(user)s is not an enterprise account; only enterprise accounts act for an enterprise.")
ACCOUNT_LINKED_ELSEWHERE = _("%(user)s already acts for %(enterprise)s; unlink it there first.")

# which registrations qualify a person for a key role
ROLE_REGISTRATIONS: dict[str, tuple[str, ...]] = {
    "project_manager": ("constructor_1", "constructor_2"),
    "chief_supervision_engineer": ("supervision",),
    "safety_officer": ("safety_c", "safety_b"),
    "technical_lead": (),
    "owner_representative": (),
}


FIELD_LABELS = {
    "uscc": _("unified social credit code"),
    "id_number": _("resident ID number"),
    "name": _("name"),
    "kind": _("kind"),
    "legal_representative": _("legal representative"),
    "jurisdiction": _("administrative division"),
    "grade": _("grade"),
    "number": _("certificate number"),
    "issuer": _("issued by"),
    "valid_until": _("valid until"),
    "category": _("category"),
    "klass": _("class"),
    "address": _("address"),
    "investment": _("investment (10,000 yuan)"),
    "floor_area": _("floor area (m²)"),
    "function": _("function"),
    "code": _("project code"),
    "permit_number": _("construction permit number"),
    "specialty": _("specialty code"),
    "role": _("role"),
    "status": _("status"),
}


def _invalid(field: str, reason: object, *, code: str = "invalid") -> errors.ValidationFailed:
    label = FIELD_LABELS.get(field, field)
    return errors.ValidationFailed(FIELD_INVALID, code=code, field=label, reason=reason, extra={"field": field})


def _required(data: dict[str, Any], *names: str) -> None:
    for name in names:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            label = FIELD_LABELS.get(name, name)
            raise errors.ValidationFailed(FIELD_REQUIRED, code="required", field=label, extra={"field": name})


def _division(code: str | Jurisdiction) -> Jurisdiction:
    if isinstance(code, Jurisdiction):
        return code
    try:
        return Jurisdiction.objects.get(code=str(code).strip())
    except Jurisdiction.DoesNotExist:
        raise errors.ValidationFailed(
            UNKNOWN_DIVISION, code="division_unknown", extra={"field": "jurisdiction"}, division=code
        ) from None


def _check_dates(start: dt.date | None, until: dt.date) -> None:
    if start and until < start:
        raise errors.ValidationFailed(DATES_REVERSED, code="dates_reversed", start=start, until=until)


def _changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes and return {field: [old, new]} for those that changed."""
    changed: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if isinstance(old, Decimal) and new is not None:
            new = Decimal(str(new))
        if old != new:
            changed[name] = [old, new]
            setattr(obj, name, new)
    return changed


def _jsonable(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [v.pk if hasattr(v, "pk") else v for v in pair] for k, pair in changes.items()}


# --- enterprises ---------------------------------------------------------------------------


ENTERPRISE_FIELDS = ("name", "kind", "legal_representative", "registered_capital", "address", "phone", "status")


@transaction.atomic
def enterprise_upsert(*, actor: Actor, data: dict[str, Any], source: str = "local") -> tuple[Enterprise, str]:
    """Create the enterprise with this credit code, or update what changed. Returns the enterprise
    and ``created``, ``updated`` or ``unchanged``."""
    _required(data, "uscc", "name", "kind", "legal_representative", "jurisdiction")
    try:
        code = domain.clean_uscc(str(data["uscc"]))
    except domain.IdentifierError as exc:
        raise _invalid("uscc", exc.reason, code="uscc_invalid") from None
    if data["kind"] not in Enterprise.Kind.values:
        raise _invalid("kind", _("unknown kind"), code="kind_unknown")
    values = {name: data[name] for name in ENTERPRISE_FIELDS if name in data}
    values["jurisdiction"] = _division(data["jurisdiction"])
    enterprise = Enterprise.objects.select_for_update().filter(uscc=code).first()
    if enterprise is None:
        enterprise = Enterprise(uscc=code, source=source, **values)
        enterprise.full_clean()
        enterprise.save()
        ledger_append(
            actor=actor,
            action="registry.enterprise.created",
            target=enterprise,
            payload={"uscc": code, "name": enterprise.name, "kind": enterprise.kind, "source": source},
        )
        return enterprise, "created"
    changed = _changes(enterprise, values)
    if not changed:
        return enterprise, "unchanged"
    enterprise.updated_at = timezone.now()
    enterprise.full_clean()
    enterprise.save(update_fields=[*changed, "updated_at"])
    ledger_append(
        actor=actor,
        action="registry.enterprise.updated",
        target=enterprise,
        payload={"uscc": code, "changes": _jsonable(changed), "source": source},
    )
    return enterprise, "updated"


def enterprise_create(*, actor: Actor, data: dict[str, Any]) -> Enterprise:
    try:
        code = domain.clean_uscc(str(data.get("uscc", "")))
    except domain.IdentifierError as exc:
        raise _invalid("uscc", exc.reason, code="uscc_invalid") from None
    existing = Enterprise.objects.filter(uscc=code).first()
    if existing is not None:
        raise errors.Conflict(USCC_TAKEN, code="uscc_taken", uscc=code, name=existing.name)
    return enterprise_upsert(actor=actor, data=data)[0]


def _certificate_values(data: dict[str, Any]) -> dict[str, Any]:
    _required(data, "number", "issuer", "valid_until")
    _check_dates(data.get("valid_from"), data["valid_until"])
    values = {
        "number": str(data["number"]).strip(),
        "issuer": data["issuer"],
        "valid_from": data.get("valid_from"),
        "valid_until": data["valid_until"],
    }
    if "status" in data:
        values["status"] = data["status"]
    return values


@transaction.atomic
def qualification_upsert(
    *, actor: Actor, enterprise: Enterprise, data: dict[str, Any], source: str = "local"
) -> tuple[Qualification, str]:
    """One qualification per enterprise, category and class; legacy grades are mapped and kept."""
    _required(data, "category", "klass")
    category, klass = data["category"], data["klass"]
    if category == "general" and str(data.get("grade", "")).strip() in {"特", "特级"}:
        category, klass = "comprehensive", "comprehensive"  # 特级 became 综合资质 in the 2020 reform
    if klass not in domain.CLASSES.get(category, {}):
        raise errors.ValidationFailed(QUALIFICATION_CLASS, code="qualification_class", klass=klass, category=category)
    try:
        grade, legacy = domain.normalise_grade(category, str(data.get("grade", "")))
    except domain.IdentifierError as exc:
        raise errors.ValidationFailed(
            domain.GRADE_UNKNOWN, code="grade_unknown", grade=exc.value, extra={"field": "grade"}
        ) from None
    values = {**_certificate_values(data), "grade": grade, "legacy_grade": legacy}
    qualification = (
        Qualification.objects.select_for_update().filter(enterprise=enterprise, category=category, klass=klass).first()
    )
    if qualification is None:
        qualification = Qualification(enterprise=enterprise, category=category, klass=klass, source=source, **values)
        qualification.full_clean()
        qualification.save()
        ledger_append(
            actor=actor,
            action="registry.qualification.created",
            target=qualification,
            payload={"enterprise": enterprise.uscc, "category": category, "klass": klass, **values},
        )
        return qualification, "created"
    changed = _changes(qualification, values)
    if not changed:
        return qualification, "unchanged"
    qualification.updated_at = timezone.now()
    qualification.source = source
    qualification.full_clean()
    qualification.save()
    ledger_append(
        actor=actor,
        action="registry.qualification.updated",
        target=qualification,
        payload={"enterprise": enterprise.uscc, "changes": _jsonable(changed), "source": source},
    )
    return qualification, "updated"


@transaction.atomic
def safety_licence_upsert(
    *, actor: Actor, enterprise: Enterprise, data: dict[str, Any], source: str = "local"
) -> tuple[SafetyLicence, str]:
    values = _certificate_values(data)
    licence = SafetyLicence.objects.select_for_update().filter(enterprise=enterprise).first()
    if licence is None:
        licence = SafetyLicence(enterprise=enterprise, source=source, **values)
        licence.full_clean()
        licence.save()
        ledger_append(
            actor=actor,
            action="registry.safety_licence.created",
            target=licence,
            payload={"enterprise": enterprise.uscc, **values},
        )
        return licence, "created"
    changed = _changes(licence, values)
    if not changed:
        return licence, "unchanged"
    licence.updated_at = timezone.now()
    licence.full_clean()
    licence.save()
    ledger_append(
        actor=actor,
        action="registry.safety_licence.updated",
        target=licence,
        payload={"enterprise": enterprise.uscc, "changes": _jsonable(changed), "source": source},
    )
    return licence, "updated"


# --- people --------------------------------------------------------------------------------


@transaction.atomic
def person_upsert(*, actor: Actor, data: dict[str, Any], source: str = "local") -> tuple[Person, str]:
    """Create the person with this ID number, or update name and phone. Gender and birth date are
    always derived from the ID number, never entered."""
    _required(data, "id_number", "name")
    try:
        ident = domain.parse_ric(str(data["id_number"]))
    except domain.IdentifierError as exc:
        raise _invalid("id_number", exc.reason, code="id_number_invalid") from None
    values = {"name": str(data["name"]).strip()}
    if "phone" in data:
        values["phone"] = str(data.get("phone") or "").strip()
    person = Person.objects.select_for_update().filter(id_number=ident.number).first()
    if person is None:
        person = Person(
            id_number=ident.number, gender=ident.gender, birth_date=ident.birth_date, source=source, **values
        )
        person.full_clean()
        person.save()
        # the ledger never holds the full ID number: the person is found by object id
        ledger_append(
            actor=actor,
            action="registry.person.created",
            target=person,
            payload={"name": person.name, "source": source},
        )
        return person, "created"
    changed = _changes(person, values)
    if not changed:
        return person, "unchanged"
    person.updated_at = timezone.now()
    person.full_clean()
    person.save(update_fields=[*changed, "updated_at"])
    payload_changes = {k: ["***", "***"] if k == "phone" else v for k, v in changed.items()}
    ledger_append(
        actor=actor,
        action="registry.person.updated",
        target=person,
        payload={"changes": payload_changes, "source": source},
    )
    return person, "updated"


def person_create(*, actor: Actor, data: dict[str, Any]) -> Person:
    try:
        ident = domain.parse_ric(str(data.get("id_number", "")))
    except domain.IdentifierError as exc:
        raise _invalid("id_number", exc.reason, code="id_number_invalid") from None
    existing = Person.objects.filter(id_number=ident.number).first()
    if existing is not None:
        raise errors.Conflict(ID_TAKEN, code="id_number_taken", name=existing.name)
    return person_upsert(actor=actor, data=data)[0]


def _active_registrations(person: Person) -> Any:
    return person.registrations.filter(status=Registration.Status.VALID)


@transaction.atomic
def registration_upsert(
    *, actor: Actor, person: Person, enterprise: Enterprise, data: dict[str, Any], source: str = "local"
) -> tuple[Registration, str]:
    """Register a certificate of the person with the enterprise. Refused when the person is
    registered with another enterprise (人证合一) or the number is held by someone else."""
    _required(data, "kind")
    if data["kind"] not in Registration.Kind.values:
        raise _invalid("kind", _("unknown kind"), code="registration_kind_unknown")
    values = {**_certificate_values(data), "specialty": str(data.get("specialty") or "")}
    person = Person.objects.select_for_update().get(pk=person.pk)
    registration = Registration.objects.select_for_update().filter(kind=data["kind"], number=values["number"]).first()
    if registration is not None and registration.person_id != person.pk:
        raise errors.Conflict(
            REGISTRATION_TAKEN,
            code="registration_number_taken",
            number=values["number"],
            holder=registration.person.name,
        )
    others = _active_registrations(person).exclude(enterprise=enterprise)
    if registration is not None:
        others = others.exclude(pk=registration.pk)
    if values.get("status", Registration.Status.VALID) == Registration.Status.VALID and others.exists():
        current = others.select_related("enterprise").first()
        assert current is not None
        raise errors.Conflict(
            OTHER_ENTERPRISE, code="registered_elsewhere", person=person.name, current=current.enterprise.name
        )
    if registration is None:
        registration = Registration(person=person, enterprise=enterprise, kind=data["kind"], source=source, **values)
        registration.full_clean()
        registration.save()
        outcome = "created"
        ledger_append(
            actor=actor,
            action="registry.registration.created",
            target=registration,
            payload={"person": person.pk, "enterprise": enterprise.uscc, "kind": registration.kind, **values},
        )
    else:
        changed = _changes(registration, {**values, "enterprise": enterprise})
        if not changed:
            return registration, "unchanged"
        registration.updated_at = timezone.now()
        registration.source = source
        registration.full_clean()
        registration.save()
        outcome = "updated"
        ledger_append(
            actor=actor,
            action="registry.registration.updated",
            target=registration,
            payload={"person": person.pk, "changes": _jsonable(changed), "source": source},
        )
    _person_enterprise_refresh(person)
    return registration, outcome


def _person_enterprise_refresh(person: Person) -> None:
    current = _active_registrations(person).values_list("enterprise_id", flat=True).first()
    if person.enterprise_id != current:
        person.enterprise_id = current
        person.save(update_fields=["enterprise"])


@transaction.atomic
def registration_cancel(*, actor: Actor, registration: Registration, reason: str) -> Registration:
    """Cancel (注销) a registration, e.g. when the person leaves the enterprise."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.REVOKED:
        return registration
    registration.status = Registration.Status.REVOKED
    registration.updated_at = timezone.now()
    registration.save(update_fields=["status", "updated_at"])
    ledger_append(
        actor=actor,
        action="registry.registration.cancelled",
        target=registration,
        payload={"person": registration.person_id, "enterprise": registration.enterprise.uscc, "reason": reason},
    )
    _person_enterprise_refresh(registration.person)
    return registration


# --- project tree --------------------------------------------------------------------------

PROJECT_FIELDS = (
    "name",
    "address",
    "latitude",
    "longitude",
    "investment",
    "floor_area",
    "category",
    "function",
    "structure",
)


@transaction.atomic
def project_register(*, actor: Actor, owner: Enterprise, data: dict[str, Any]) -> Project:
    """Register (报建) a project; its 16-digit code is allocated from division, date and sequence
    unless the national code is given."""
    _required(data, "name", "jurisdiction", "address", "investment", "floor_area", "category", "function")
    jurisdiction = _division(data["jurisdiction"])
    day = data.get("registered_on") or timezone.localdate()
    code = data.get("code")
    if code:
        try:
            code = domain.check_project_code(str(code))
        except domain.IdentifierError as exc:
            raise _invalid("code", exc.reason, code="project_code_invalid") from None
    else:
        prefix = f"{jurisdiction.code}{day:%Y%m%d}"
        taken = Project.objects.select_for_update().filter(code__startswith=prefix).count()
        if taken >= 99:
            raise errors.Conflict(PROJECT_DAY_FULL, code="project_day_full", division=jurisdiction.code, day=day)
        code = domain.project_code(jurisdiction.code, day, taken + 1)
    project = Project(
        code=code,
        owner=owner,
        jurisdiction=jurisdiction,
        registered_on=day,
        **{name: data[name] for name in PROJECT_FIELDS if name in data},
    )
    project.full_clean()
    project.save()
    ledger_append(
        actor=actor,
        action="registry.project.registered",
        target=project,
        payload={"code": code, "name": project.name, "owner": owner.uscc, "jurisdiction": jurisdiction.code},
    )
    return project


@transaction.atomic
def unit_project_add(*, actor: Actor, project: Project, data: dict[str, Any]) -> UnitProject:
    _required(data, "name", "floor_area")
    number = project.units.count() + 1
    unit = UnitProject(
        project=project,
        code=f"{project.code}{number:02d}",
        name=data["name"],
        floor_area=data["floor_area"],
        above_ground_floors=data.get("above_ground_floors", 0),
        below_ground_floors=data.get("below_ground_floors", 0),
        structure=data.get("structure", ""),
    )
    unit.full_clean()
    unit.save()
    ledger_append(
        actor=actor,
        action="registry.unit_project.added",
        target=unit,
        payload={"project": project.code, "code": unit.code},
    )
    return unit


@transaction.atomic
def bid_section_add(
    *, actor: Actor, project: Project, data: dict[str, Any], units: list[UnitProject] | None = None
) -> BidSection:
    _required(data, "name")
    number = project.bid_sections.count() + 1
    section = BidSection(
        project=project,
        code=f"{project.code}B{number:02d}",
        name=data["name"],
        contract_price=data.get("contract_price"),
        jurisdiction=project.jurisdiction,
    )
    section.full_clean()
    section.save()
    for unit in units or []:
        if unit.project_id != project.pk:
            raise errors.ValidationFailed(NOT_YOUR_PROJECT, code="unit_other_project", unit=unit.code)
    if units:
        section.units.set(units)
    ledger_append(
        actor=actor,
        action="registry.bid_section.added",
        target=section,
        payload={"project": project.code, "code": section.code, "units": [u.code for u in units or []]},
    )
    return section


@transaction.atomic
def bid_section_status_set(*, actor: Actor, section: BidSection, status: str, reason: str = "") -> BidSection:
    """Change a bid section's status; completing it ends its key people's posts."""
    section = BidSection.objects.select_for_update().get(pk=section.pk)
    if status not in BidSection.Status.values:
        raise _invalid("status", _("unknown status"))
    old = section.status
    if old == status:
        return section
    section.status = status
    section.save(update_fields=["status"])
    ended: list[int] = []
    if status == BidSection.Status.COMPLETED:
        today = timezone.localdate()
        for post in section.key_people.filter(ended_on__isnull=True):
            post.ended_on = today
            post.save(update_fields=["ended_on"])
            ended.append(post.pk)
    ledger_append(
        actor=actor,
        action="registry.bid_section.status_changed",
        target=section,
        payload={"from": old, "to": status, "reason": reason, "ended_posts": ended},
    )
    return section


@transaction.atomic
def permitted_work_add(
    *, actor: Actor, section: BidSection, data: dict[str, Any], issued_on: dt.date | None = None
) -> PermittedWork:
    """Record works covered by a construction permit; the 18-digit number is allocated from the
    division, the day and that day's sequence unless given."""
    _required(data, "name", "specialty")
    day = issued_on or timezone.localdate()
    number = data.get("permit_number")
    if number:
        try:
            number = domain.check_permit_number(str(number))
        except domain.IdentifierError as exc:
            raise _invalid("permit_number", exc.reason, code="permit_number_invalid") from None
    else:
        prefix = f"{section.jurisdiction.code}{day:%Y%m%d}"
        taken = PermittedWork.objects.select_for_update().filter(permit_number__startswith=prefix).count()
        number = domain.permit_number(section.jurisdiction.code, day, taken + 1, str(data["specialty"]))
    work = PermittedWork(
        bid_section=section,
        permit_number=number,
        name=data["name"],
        specialty=str(data["specialty"]),
        issued_on=day,
        floor_area=data.get("floor_area"),
        contract_price=data.get("contract_price"),
    )
    work.full_clean()
    work.save()
    ledger_append(
        actor=actor,
        action="registry.permitted_work.added",
        target=work,
        payload={"bid_section": section.code, "permit_number": number},
    )
    return work


@transaction.atomic
def participant_set(*, actor: Actor, section: BidSection, role: str, enterprise: Enterprise) -> Participant:
    """Name the enterprise taking ``role`` in the bid section (replacing a previous one)."""
    if role not in Participant.Role.values:
        raise _invalid("role", _("unknown role"))
    if enterprise.status != Enterprise.Status.ACTIVE:
        raise errors.ValidationFailed(
            ENTERPRISE_NOT_ACTIVE,
            code="enterprise_not_active",
            name=enterprise.name,
            state=enterprise.get_status_display(),
        )
    participant = Participant.objects.select_for_update().filter(bid_section=section, role=role).first()
    previous = participant.enterprise.uscc if participant else None
    if participant is None:
        participant = Participant(bid_section=section, role=role, enterprise=enterprise)
    elif participant.enterprise_id == enterprise.pk:
        return participant
    else:
        participant.enterprise = enterprise
        participant.since = timezone.localdate()
    participant.full_clean()
    participant.save()
    ledger_append(
        actor=actor,
        action="registry.participant.set",
        target=participant,
        payload={"bid_section": section.code, "role": role, "enterprise": enterprise.uscc, "previous": previous},
    )
    return participant


@transaction.atomic
def key_person_assign(
    *, actor: Actor, section: BidSection, role: str, person: Person, started_on: dt.date | None = None
) -> KeyPerson:
    """Put a person in a key post of the bid section. Refused with the reason when the post is
    taken, the person is not registered with the enterprise they would act for, lacks the
    registration the role needs, or (project manager) already runs another active bid section."""
    if role not in KeyPerson.Role.values:
        raise _invalid("role", _("unknown role"))
    participant_role = KEY_ROLE_PARTICIPANT[role]
    participant = section.participants.select_related("enterprise").filter(role=participant_role).first()
    role_label = KeyPerson.Role(role).label
    if participant is None:
        raise errors.ValidationFailed(
            NO_PARTICIPANT, code="no_participant", role=Participant.Role(participant_role).label
        )
    holder = section.key_people.filter(role=role, ended_on__isnull=True).select_related("person").first()
    if holder is not None:
        raise errors.Conflict(ROLE_TAKEN, code="key_role_taken", role=role_label, holder=holder.person.name)
    person = Person.objects.select_for_update().get(pk=person.pk)
    needed = ROLE_REGISTRATIONS.get(role, ())
    registration = None
    today = started_on or timezone.localdate()
    held = person.registrations.filter(status=Registration.Status.VALID, valid_until__gte=today)
    with_enterprise = held.filter(enterprise=participant.enterprise)
    if held.exists() and not with_enterprise.exists():
        raise errors.Conflict(
            KEY_PERSON_NOT_REGISTERED,
            code="key_person_not_registered",
            person=person.name,
            enterprise=participant.enterprise.name,
            role=Participant.Role(participant_role).label,
        )
    if needed:
        registration = with_enterprise.filter(kind__in=needed).first()
        if registration is None:
            kinds = "/".join(str(Registration.Kind(k).label) for k in needed)
            raise errors.ValidationFailed(
                REGISTRATION_KIND_REQUIRED,
                code="registration_missing",
                role=role_label,
                kinds=kinds,
                person=person.name,
            )
    if role == KeyPerson.Role.PROJECT_MANAGER:
        busy = (
            KeyPerson.objects.filter(person=person, role=role, ended_on__isnull=True)
            .exclude(bid_section=section)
            .select_related("bid_section")
            .first()
        )
        if busy is not None:
            raise errors.Conflict(
                PM_BUSY, code="project_manager_busy", person=person.name, section=busy.bid_section.code
            )
    post = KeyPerson(
        bid_section=section,
        role=role,
        person=person,
        enterprise=participant.enterprise,
        registration=registration,
        started_on=started_on or timezone.localdate(),
    )
    post.full_clean()
    post.save()
    ledger_append(
        actor=actor,
        action="registry.key_person.assigned",
        target=post,
        payload={
            "bid_section": section.code,
            "role": role,
            "person": person.pk,
            "enterprise": participant.enterprise.uscc,
            "registration": registration.number if registration else None,
        },
    )
    return post


@transaction.atomic
def key_person_end(*, actor: Actor, post: KeyPerson, ended_on: dt.date | None = None, reason: str = "") -> KeyPerson:
    post = KeyPerson.objects.select_for_update().get(pk=post.pk)
    if post.ended_on is not None:
        raise errors.ValidationFailed(POST_ENDED, code="post_ended")
    post.ended_on = ended_on or timezone.localdate()
    post.save(update_fields=["ended_on"])
    ledger_append(
        actor=actor,
        action="registry.key_person.ended",
        target=post,
        payload={"bid_section": post.bid_section.code, "role": post.role, "person": post.person_id, "reason": reason},
    )
    return post


# --- enterprise accounts -------------------------------------------------------------------


@transaction.atomic
def enterprise_account_link(*, actor: Actor, user: User, enterprise: Enterprise) -> EnterpriseAccount:
    """Let an enterprise user account act for ``enterprise``. Linking it again to the same
    enterprise changes nothing; an account acting for another enterprise must be unlinked first."""
    if user.kind != User.Kind.ENTERPRISE:
        raise errors.ValidationFailed(NOT_AN_ENTERPRISE_USER, code="not_enterprise_user", user=user.username)
    existing = EnterpriseAccount.objects.select_for_update().filter(user=user).select_related("enterprise").first()
    if existing is not None:
        if existing.enterprise_id == enterprise.pk:
            return existing
        raise errors.Conflict(
            ACCOUNT_LINKED_ELSEWHERE,
            code="account_linked_elsewhere",
            user=user.username,
            enterprise=existing.enterprise.name,
        )
    account = EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
    ledger_append(
        actor=actor,
        action="registry.enterprise_account.linked",
        target=account,
        payload={"user": user.username, "enterprise": enterprise.uscc},
    )
    return account


@transaction.atomic
def enterprise_account_unlink(*, actor: Actor, user: User) -> None:
    account = EnterpriseAccount.objects.select_for_update().filter(user=user).select_related("enterprise").first()
    if account is None:
        return
    ledger_append(
        actor=actor,
        action="registry.enterprise_account.unlinked",
        target=account,
        payload={"user": user.username, "enterprise": account.enterprise.uscc},
    )
    account.delete()
