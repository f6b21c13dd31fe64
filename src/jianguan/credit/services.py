"""Writes of the credit module: catalogue versions, behaviour records, appeals, daily standings.

Every write is in the ledger in the same transaction. Points, severity, disclosure period and
blacklist trigger come from the catalogue version in force on the record's date; nobody types them.
Manual entry (penalties, accidents, awards, anything not from a confirmed finding) goes handle →
review → approve, by three different people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.calendar import add_working_days
from jianguan.core.ledger import Actor, Event, actor_identity, ledger_append, ledger_append_many
from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.credit import errors as credit_errors
from jianguan.credit.catalogue import (
    Catalogue,
    CatalogueInvalid,
    Item,
    load_catalogue,
    shipped_catalogue_path,
)
from jianguan.credit.domain import SCHEMES, Scheme, SubjectType, scheme_from_dict, standing_on
from jianguan.credit.domain import Subject as DomainSubject
from jianguan.credit.eligibility import eligibility_refresh, periods_by_subject
from jianguan.credit.models import Appeal, CatalogueVersion, Record, Standing, Subject
from jianguan.credit.scoring import Tables, dialect_of, run_on_cursor
from jianguan.registry.models import Enterprise, Person

SYSTEM = "system:credit"

# registry enterprise kinds → catalogue subject types (cost consultants have no catalogue section)
ENTERPRISE_SUBJECT_TYPES: dict[str, SubjectType] = {
    Enterprise.Kind.OWNER: SubjectType.OWNER,
    Enterprise.Kind.CONSTRUCTION: SubjectType.CONTRACTOR,
    Enterprise.Kind.SUPERVISION: SubjectType.SUPERVISOR,
    Enterprise.Kind.SURVEY: SubjectType.SURVEY,
    Enterprise.Kind.DESIGN: SubjectType.DESIGN,
    Enterprise.Kind.TESTING: SubjectType.TESTING_LAB,
    Enterprise.Kind.AGENCY: SubjectType.TENDER_AGENT,
}

NO_CATALOGUE = _("No behaviour catalogue is in force on %(date)s.")
CODE_UNKNOWN = _("Behaviour code %(behaviour)s is not in catalogue version %(version)s.")
CODE_WRONG_SUBJECT = _("Behaviour %(behaviour)s is for %(expected)s, but %(subject)s is %(actual)s.")
NO_SUBJECT_TYPE = _("%(subject)s is of a kind the behaviour catalogue does not cover.")
QUANTITY_INVALID = _("Behaviour %(behaviour)s is not counted per unit: the quantity must be 1, not %(quantity)s.")
DATE_IN_FUTURE = _("The date %(date)s is in the future.")
PENALTY_INCOMPLETE = _("An administrative penalty needs the decision number, facts, legal basis, penalty and date.")
SOURCE_INVALID = _("A record entered by hand comes from a penalty, an accident or a manual entry, not %(source)s.")
WRONG_STEP = _("Record %(id)s is %(state)s: it cannot be %(step)s now.")
SAME_PERSON_TWICE = _(
    "%(user)s already %(step)s this record: handling, review and approval must be done by three different people."
)
DUPLICATE_SOURCE = _("A record from %(source)s %(ref)s already exists (record %(id)s).")
SUBJECT_NOT_FOUND = _("No enterprise or person %(ref)s is in the registry.")
FINDING_FIELD = _("The confirmed finding has no valid %(field)s.")
SUBJECT_REFERENCE = _("A finding must name the enterprise (uscc) or the person (person_id) it concerns.")
NOT_WAGE_ARREARS = _("Record %(id)s is not about wage arrears.")
APPEAL_PENDING = _("Record %(id)s already has an appeal pending.")
APPEAL_NOT_COUNTING = _("Record %(id)s is not part of the credit record: there is nothing to appeal.")
APPEAL_DECIDED = _("Appeal %(id)s was already decided.")
CORRECTION_CODE = _("A correction needs the behaviour code that replaces the record's.")
GROUNDS_REQUIRED = _("Please state the grounds of the appeal.")
REASONS_REQUIRED = _("Please state the reasons for the decision.")

APPEAL_WORKING_DAYS = 15
# the views over the live tables (migration 0002) and the eligibility table (rewritten from the
# registry before a recompute under a licence-based scheme), in the scoring job's column contract
JOB_TABLES = Tables(
    subjects="credit_job_subjects", records="credit_job_records", eligibility="credit_eligibilityperiod"
)


# --- catalogue ---------------------------------------------------------------------------------


def _digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@lru_cache(maxsize=16)
def _parsed(version_id: int, sha256: str) -> Catalogue:
    return load_catalogue(CatalogueVersion.objects.get(pk=version_id).document)


def catalogue_of(version: CatalogueVersion) -> Catalogue:
    """The checked catalogue of a stored version (parsed once per process)."""
    return _parsed(version.pk, version.sha256)


def catalogue_parse(document: dict[str, Any] | str | bytes) -> tuple[dict[str, Any], Catalogue]:
    """The decoded document and its checked catalogue, or ``CatalogueRefused`` listing every
    problem (each rendered in the active language) — what the editing page and the publication show."""
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise credit_errors.catalogue_refused([("not_json", {"detail": str(error)})]) from error
    try:
        catalogue = load_catalogue(document)
    except CatalogueInvalid as refused:
        raise credit_errors.catalogue_refused([(p.reason, p.params) for p in refused.problems]) from refused
    assert isinstance(document, dict)
    return document, catalogue


def catalogue_check(document: dict[str, Any] | str | bytes) -> Catalogue:
    """Check a catalogue document without storing it; also refuses a version number already used."""
    _document, catalogue = catalogue_parse(document)
    if CatalogueVersion.objects.filter(version=catalogue.version).exists():
        raise errors.Conflict(
            credit_errors.VERSION_EXISTS, code="credit_catalogue_version_exists", version=catalogue.version
        )
    return catalogue


@transaction.atomic
def catalogue_publish(*, actor: Actor, document: dict[str, Any] | str | bytes) -> CatalogueVersion:
    """Check a catalogue document and store it as a new version (the credit office's edits)."""
    document, catalogue = catalogue_parse(document)
    if CatalogueVersion.objects.filter(version=catalogue.version).exists():
        raise errors.Conflict(
            credit_errors.VERSION_EXISTS, code="credit_catalogue_version_exists", version=catalogue.version
        )
    version = CatalogueVersion(
        version=catalogue.version,
        title=catalogue.title,
        effective_from=catalogue.effective_from,
        document=document,
        sha256=_digest(document),
        published_by=actor_identity(actor)[1],
    )
    version.full_clean()
    version.save()
    ledger_append(
        actor=actor,
        action="credit.catalogue.published",
        target=version,
        payload={
            "version": version.version,
            "effective_from": version.effective_from,
            "sha256": version.sha256,
            "items": len(catalogue.items),
        },
    )
    return version


def catalogue_ensure_shipped() -> CatalogueVersion:
    """The shipped catalogue as a stored version (published by the system the first time)."""
    document = json.loads(shipped_catalogue_path().read_text(encoding="utf-8"))
    existing = CatalogueVersion.objects.filter(version=document["version"]).first()
    return existing or catalogue_publish(actor=SYSTEM, document=document)


def catalogue_in_force(on: dt.date) -> CatalogueVersion:
    """The newest catalogue version effective on ``on``, or the first version for earlier days (the
    shipped one is stored on first use)."""
    if not CatalogueVersion.objects.exists():
        catalogue_ensure_shipped()
    version = CatalogueVersion.objects.filter(effective_from__lte=on).order_by("-effective_from", "-id").first()
    if version is None:
        # behaviour before the first version on the platform is scored by that first version
        # (no earlier version was ever recorded here; decision 0008)
        version = CatalogueVersion.objects.order_by("effective_from", "id").first()
    if version is None:
        raise errors.ValidationFailed(NO_CATALOGUE, code="credit_no_catalogue", date=on)
    return version


# --- subjects ----------------------------------------------------------------------------------


def _city_id() -> int | None:
    """People registered with no enterprise are filed under the city (the top jurisdiction)."""
    return Jurisdiction.objects.filter(parent__isnull=True).order_by("code").values_list("id", flat=True).first()


def subject_of(target: Enterprise | Person) -> Subject:
    """The credit file of an enterprise or a person, opened on first use."""
    if isinstance(target, Enterprise):
        subject = Subject.objects.filter(enterprise=target).first()
        if subject is None:
            kind = ENTERPRISE_SUBJECT_TYPES.get(target.kind)
            subject = Subject.objects.create(
                enterprise=target,
                subject_type=kind.value if kind else "",
                name=target.name,
                jurisdiction_id=target.jurisdiction_id,
            )
        return subject
    subject = Subject.objects.filter(person=target).first()
    if subject is None:
        enterprise = target.enterprise
        subject = Subject.objects.create(
            person=target,
            subject_type=SubjectType.REGISTERED_PERSON.value,
            name=target.name,
            jurisdiction_id=enterprise.jurisdiction_id if enterprise else _city_id(),
        )
    return subject


def subjects_sync() -> int:
    """Open a credit file for every enterprise and person that has none; return how many."""
    created = [
        Subject(
            enterprise_id=e.pk,
            subject_type=(ENTERPRISE_SUBJECT_TYPES[e.kind].value if e.kind in ENTERPRISE_SUBJECT_TYPES else ""),
            name=e.name,
            jurisdiction_id=e.jurisdiction_id,
        )
        for e in Enterprise.objects.filter(credit_subject__isnull=True).only("id", "kind", "name", "jurisdiction_id")
    ]
    created += [
        Subject(
            person_id=p.pk,
            subject_type=SubjectType.REGISTERED_PERSON.value,
            name=p.name,
            jurisdiction_id=p.enterprise.jurisdiction_id if p.enterprise else _city_id(),
        )
        for p in Person.objects.filter(credit_subject__isnull=True).select_related("enterprise")
    ]
    Subject.objects.bulk_create(created, batch_size=2000)
    return len(created)


def subject_by_reference(*, uscc: str = "", person_id: Any = None) -> Subject:
    if uscc:
        enterprise = Enterprise.objects.filter(uscc=str(uscc).strip().upper()).first()
        if enterprise is None:
            raise errors.ValidationFailed(SUBJECT_NOT_FOUND, code="credit_subject_unknown", ref=uscc)
        return subject_of(enterprise)
    if person_id not in (None, ""):
        person = Person.objects.filter(pk=str(person_id)).first() if str(person_id).isdigit() else None
        if person is None:
            raise errors.ValidationFailed(SUBJECT_NOT_FOUND, code="credit_subject_unknown", ref=person_id)
        return subject_of(person)
    raise errors.ValidationFailed(SUBJECT_REFERENCE, code="credit_subject_missing")


# --- records -----------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _item_for(subject: Subject, code: str, on: dt.date) -> tuple[CatalogueVersion, Item]:
    version = catalogue_in_force(on)
    catalogue = catalogue_of(version)
    item = catalogue.items.get(str(code).strip().upper())
    if item is None:
        raise errors.ValidationFailed(
            CODE_UNKNOWN, code="credit_code_unknown", extra={"field": "code"}, behaviour=code, version=version.version
        )
    if not subject.subject_type:
        raise errors.ValidationFailed(NO_SUBJECT_TYPE, code="credit_subject_type_missing", subject=subject.name)
    if item.subject_type.value != subject.subject_type:
        types = catalogue.subject_types
        raise errors.ValidationFailed(
            CODE_WRONG_SUBJECT,
            code="credit_code_wrong_subject",
            extra={"field": "code"},
            behaviour=item.code,
            expected=types[item.subject_type].name,
            subject=subject.name,
            actual=types[SubjectType(subject.subject_type)].name
            if SubjectType(subject.subject_type) in types
            else subject.subject_type,
        )
    return version, item


def _new_record(
    *,
    subject: Subject,
    code: str,
    event_date: dt.date,
    source: str,
    quantity: int = 1,
    penalty_until: dt.date | None = None,
    penalised: bool = False,
    **fields: Any,
) -> Record:
    if event_date > _today():
        raise errors.ValidationFailed(
            DATE_IN_FUTURE, code="credit_date_future", extra={"field": "event_date"}, date=event_date
        )
    version, item = _item_for(subject, code, event_date)
    quantity = int(quantity or 1)
    if quantity < 1 or (quantity != 1 and item.unit is None):
        raise errors.ValidationFailed(
            QUANTITY_INVALID,
            code="credit_quantity_invalid",
            extra={"field": "quantity"},
            behaviour=item.code,
            quantity=quantity,
        )
    domain_record = item.record(
        id=None, event_date=event_date, quantity=quantity, penalty_until=penalty_until, penalised=penalised
    )
    return Record(
        subject=subject,
        catalogue=version,
        code=item.code,
        title=item.title,
        kind=item.kind.value,
        severity=item.severity.value if item.severity else "",
        trigger=item.trigger.value if item.trigger else "",
        quantity=quantity,
        points=domain_record.points,
        period_months=item.disclosure_months or item.validity_months or 36,
        event_date=event_date,
        valid_until=domain_record.valid_until,
        penalty_until=penalty_until,
        penalised=domain_record.penalised,
        source=source,
        **fields,
    )


def _record_payload(record: Record) -> dict[str, Any]:
    return {
        "subject": record.subject_id,
        "code": record.code,
        "catalogue": record.catalogue.version,
        "kind": record.kind,
        "severity": record.severity,
        "points": str(record.points),
        "quantity": record.quantity,
        "event_date": record.event_date,
        "valid_until": record.valid_until,
        "source": record.source,
        "source_ref": record.source_ref,
        "status": record.status,
    }


def _check_duplicate(source: str, ref: str) -> None:
    if ref:
        existing = Record.objects.filter(source=source, source_ref=ref).first()
        if existing is not None:
            raise errors.Conflict(
                DUPLICATE_SOURCE, code="credit_record_duplicate", source=source, ref=ref, id=existing.pk
            )


@transaction.atomic
def record_from_finding(
    *, actor: Actor, subject: Subject, code: str, finding_id: str, event_date: dt.date, quantity: int = 1
) -> tuple[Record, bool]:
    """A confirmed inspection finding becomes a record at once (the finding was already reviewed
    by supervision). Sent again, it returns the existing record: (record, created)."""
    existing = Record.objects.filter(source=Record.Source.FINDING, source_ref=str(finding_id)).first()
    if existing is not None:
        return existing, False
    record = _new_record(
        subject=subject,
        code=code,
        event_date=event_date,
        source=Record.Source.FINDING,
        quantity=quantity,
        source_ref=str(finding_id),
        status=Record.Status.RECORDED,
    )
    record.full_clean()
    record.save()
    ledger_append(actor=actor, action="credit.record.recorded", target=record, payload=_record_payload(record))
    _watch(actor, record)
    return record, True


def finding_confirmed(entry: LedgerEntry) -> None:
    """Handler of ``supervision.finding.confirmed`` (payload in docs/architecture.md)."""
    data = entry.data
    if not str(data.get("behaviour_code") or "").strip():
        return  # a finding that is no catalogued behaviour costs no points
    if data.get("person_id"):
        data = {**data, "uscc": ""}  # a finding about a person is the person's, not their enterprise's
    subject = subject_by_reference(uscc=data.get("uscc", ""), person_id=data.get("person_id"))
    finding_id = str(data.get("finding_id") or "").strip()
    if not finding_id:
        raise errors.ValidationFailed(FINDING_FIELD, code="credit_finding_invalid", field="finding_id")
    try:
        event_date = dt.date.fromisoformat(str(data.get("date")))
    except ValueError:
        raise errors.ValidationFailed(FINDING_FIELD, code="credit_finding_invalid", field="date") from None
    try:
        quantity = int(data.get("quantity", 1))
    except (TypeError, ValueError):
        raise errors.ValidationFailed(FINDING_FIELD, code="credit_finding_invalid", field="quantity") from None
    record_from_finding(
        actor=entry.actor_label or SYSTEM,
        subject=subject,
        code=str(data.get("behaviour_code", "")),
        finding_id=finding_id,
        event_date=event_date,
        quantity=quantity,
    )


MANUAL_SOURCES = (Record.Source.PENALTY, Record.Source.ACCIDENT, Record.Source.MANUAL)


@transaction.atomic
def record_handle(
    *,
    actor: User,
    subject: Subject,
    code: str,
    event_date: dt.date,
    source: str = Record.Source.MANUAL,
    quantity: int = 1,
    penalty: dict[str, Any] | None = None,
    penalty_until: dt.date | None = None,
    source_ref: str = "",
    note: str = "",
) -> Record:
    """Step 1 of manual entry: the handler enters the record (points from the catalogue)."""
    if source not in MANUAL_SOURCES:
        raise errors.ValidationFailed(
            SOURCE_INVALID, code="credit_source_invalid", extra={"field": "source"}, source=source
        )
    fields: dict[str, Any] = {}
    if source == Record.Source.PENALTY:
        penalty = penalty or {}
        names = ("decision_number", "facts", "basis", "penalty", "decided_on")
        if any(not str(penalty.get(name) or "").strip() for name in names):
            raise errors.ValidationFailed(
                PENALTY_INCOMPLETE, code="credit_penalty_incomplete", extra={"field": "penalty"}
            )
        fields = {name: penalty[name] for name in names}
        if isinstance(fields["decided_on"], str):
            fields["decided_on"] = dt.date.fromisoformat(fields["decided_on"])
        source_ref = source_ref or str(fields["decision_number"]).strip()
    _check_duplicate(source, source_ref)
    record = _new_record(
        subject=subject,
        code=code,
        event_date=event_date,
        source=source,
        quantity=quantity,
        penalty_until=penalty_until,
        penalised=source == Record.Source.PENALTY,
        source_ref=source_ref,
        note=note,
        status=Record.Status.HANDLED,
        handled_by=actor,
        **fields,
    )
    record.full_clean()
    record.save()
    payload = _record_payload(record)
    if source == Record.Source.PENALTY:
        payload["penalty"] = {k: fields[k] for k in fields}
    ledger_append(actor=actor, action="credit.record.handled", target=record, payload=payload)
    return record


def _refuse_same_person(actor: User, record: Record) -> None:
    for user_id, step in ((record.handled_by_id, _("handled")), (record.reviewed_by_id, _("reviewed"))):
        if user_id is not None and user_id == actor.pk:
            raise errors.PermissionDenied(
                SAME_PERSON_TWICE, code="credit_same_person", user=actor.get_username(), step=step
            )


def _locked(record: Record) -> Record:
    return Record.objects.select_for_update().select_related("catalogue").get(pk=record.pk)


@transaction.atomic
def record_review(*, actor: User, record: Record, accept: bool = True, note: str = "") -> Record:
    """Step 2: a second person reviews (accept → awaiting approval, or reject)."""
    record = _locked(record)
    if record.status != Record.Status.HANDLED:
        raise errors.Conflict(
            WRONG_STEP, code="credit_wrong_step", id=record.pk, state=record.get_status_display(), step=_("reviewed")
        )
    _refuse_same_person(actor, record)
    record.reviewed_by = actor
    record.status = Record.Status.REVIEWED if accept else Record.Status.REJECTED
    record.save(update_fields=["reviewed_by", "status"])
    ledger_append(
        actor=actor,
        action="credit.record.reviewed" if accept else "credit.record.rejected",
        target=record,
        payload={"step": "review", "accept": accept, "note": note},
    )
    return record


@transaction.atomic
def record_approve(*, actor: User, record: Record, accept: bool = True, note: str = "") -> Record:
    """Step 3: a third person approves; the record then counts from its date."""
    record = _locked(record)
    if record.status != Record.Status.REVIEWED:
        raise errors.Conflict(
            WRONG_STEP, code="credit_wrong_step", id=record.pk, state=record.get_status_display(), step=_("approved")
        )
    _refuse_same_person(actor, record)
    record.approved_by = actor
    record.status = Record.Status.RECORDED if accept else Record.Status.REJECTED
    record.save(update_fields=["approved_by", "status"])
    ledger_append(
        actor=actor,
        action="credit.record.recorded" if accept else "credit.record.rejected",
        target=record,
        payload={"step": "approve", "accept": accept, "note": note, **(_record_payload(record) if accept else {})},
    )
    if accept:
        _watch(actor, record)
    return record


@transaction.atomic
def arrears_settle(*, actor: Actor, record: Record, settled_on: dt.date) -> Record:
    """Adjudicated wage arrears paid in full: the blacklisting ends that day (the record stays)."""
    record = _locked(record)
    if record.trigger != "wage_arrears":
        raise errors.ValidationFailed(NOT_WAGE_ARREARS, code="credit_not_arrears", id=record.pk)
    if settled_on > _today():
        raise errors.ValidationFailed(DATE_IN_FUTURE, code="credit_date_future", date=settled_on)
    record.settled_on = settled_on
    record.save(update_fields=["settled_on"])
    ledger_append(actor=actor, action="credit.record.settled", target=record, payload={"settled_on": settled_on})
    return record


BLACKLIST_LABELS = {
    "forged_qualification": _("qualification obtained with forged material"),
    "subcontract_or_lending": _("subcontracting on or lending a qualification, penalised"),
    "major_accident": _("a major accident"),
    "two_larger_accidents": _("two larger accidents within a year"),
    "wage_arrears_unpaid": _("adjudicated wage arrears unpaid"),
}


def _watch(actor: Actor, record: Record) -> None:
    """When a new record puts its subject on the blacklist or in the lowest grade today, say so in
    the ledger (``credit.subject.flagged``); the handler raises the command centre's warning."""
    from jianguan.credit.selectors import counting_records, domain_record

    day = _today()
    if not (record.event_date <= day <= record.valid_until):
        return
    scheme = current_scheme()
    others = [domain_record(r) for r in counting_records(record.subject) if r.pk != record.pk]
    subject = domain_subject(record.subject_id, scheme)
    before = standing_on(subject, others, scheme, day)
    after = standing_on(subject, [*others, domain_record(record)], scheme, day)
    lowest = scheme.grades[-1]
    blacklisted = after.blacklisted and not before.blacklisted
    lowest_now = after.grade == lowest and before.grade != lowest and not after.blacklisted
    if not (blacklisted or lowest_now):
        return
    ledger_append(
        actor=actor,
        action="credit.subject.flagged",
        target=record.subject,
        payload={
            "condition": "blacklisted" if blacklisted else "lowest_grade",
            "day": day,
            "grade": after.grade,
            "score": str(after.score),
            "reasons": sorted(reason.value for reason in after.blacklist),
            "record": record.pk,
            "code": record.code,
        },
    )


# --- appeals -----------------------------------------------------------------------------------


def appeal_working_days() -> int:
    return int(getattr(settings, "CREDIT_APPEAL_WORKING_DAYS", APPEAL_WORKING_DAYS))


@transaction.atomic
def appeal_lodge(
    *, actor: Actor, record: Record, applicant: str, grounds: str, received_on: dt.date | None = None
) -> Appeal:
    """A subject contests a record (异议/信用修复); the decision is due within the working days set."""
    record = _locked(record)
    if not record.counts or record.revoked_on is not None:
        raise errors.ValidationFailed(APPEAL_NOT_COUNTING, code="credit_appeal_not_counting", id=record.pk)
    if not grounds.strip():
        raise errors.ValidationFailed(GROUNDS_REQUIRED, code="required", extra={"field": "grounds"})
    if record.appeals.filter(status=Appeal.Status.PENDING).exists():
        raise errors.Conflict(APPEAL_PENDING, code="credit_appeal_pending", id=record.pk)
    received = received_on or _today()
    appeal = Appeal(
        record=record,
        applicant=applicant.strip() or record.subject.name,
        grounds=grounds.strip(),
        received_on=received,
        deadline=add_working_days(received, appeal_working_days()),
        received_by=actor if isinstance(actor, User) else None,
    )
    appeal.full_clean()
    appeal.save()
    ledger_append(
        actor=actor,
        action="credit.appeal.lodged",
        target=appeal,
        payload={
            "record": record.pk,
            "applicant": appeal.applicant,
            "received_on": received,
            "deadline": appeal.deadline,
        },
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    actor: User,
    appeal: Appeal,
    outcome: str,
    reasons: str,
    decided_on: dt.date | None = None,
    corrected_code: str = "",
) -> Appeal:
    """Decide an appeal. Upheld: nothing changes. Revoked: the record stops counting from the
    decision day. Corrected: the record is replaced by one with the right behaviour code, from the
    same date (the wrong one never counted); the ledger keeps what was there before."""
    appeal = Appeal.objects.select_for_update().select_related("record").get(pk=appeal.pk)
    if appeal.status != Appeal.Status.PENDING:
        raise errors.Conflict(APPEAL_DECIDED, code="credit_appeal_decided", id=appeal.pk)
    if outcome not in Appeal.Outcome.values:
        raise errors.ValidationFailed(errors.INVALID_INPUT, code="invalid", extra={"field": "outcome"})
    if not reasons.strip():
        raise errors.ValidationFailed(REASONS_REQUIRED, code="required", extra={"field": "reasons"})
    day = decided_on or _today()
    record = _locked(appeal.record)
    payload: dict[str, Any] = {"record": record.pk, "outcome": outcome, "reasons": reasons, "decided_on": day}
    if outcome == Appeal.Outcome.REVOKED:
        record.revoked_on = max(day, record.event_date)
        record.status = Record.Status.REVOKED
        record.save(update_fields=["revoked_on", "status"])
    elif outcome == Appeal.Outcome.CORRECTED:
        if not corrected_code.strip():
            raise errors.ValidationFailed(CORRECTION_CODE, code="required", extra={"field": "corrected_code"})
        replacement = _new_record(
            subject=record.subject,
            code=corrected_code,
            event_date=record.event_date,
            source=record.source,
            quantity=record.quantity if corrected_code.strip().upper() == record.code else 1,
            penalty_until=record.penalty_until,
            penalised=record.penalised,
            status=Record.Status.RECORDED,
            note=f"correction of record {record.pk} (appeal {appeal.pk})",
            decision_number=record.decision_number,
            facts=record.facts,
            basis=record.basis,
            penalty=record.penalty,
            decided_on=record.decided_on,
        )
        source_ref = record.source_ref
        record.revoked_on = record.event_date
        record.status = Record.Status.REVOKED
        record.source_ref = f"{source_ref}~{record.pk}" if source_ref else ""
        record.save(update_fields=["revoked_on", "status", "source_ref"])
        replacement.source_ref = source_ref
        replacement.full_clean()
        replacement.save()
        payload["replacement"] = replacement.pk
        ledger_append(
            actor=actor, action="credit.record.recorded", target=replacement, payload=_record_payload(replacement)
        )
    appeal.status = Appeal.Status.DECIDED
    appeal.outcome = outcome
    appeal.reasons = reasons.strip()
    appeal.decided_on = day
    appeal.decided_by = actor
    appeal.save(update_fields=["status", "outcome", "reasons", "decided_on", "decided_by"])
    ledger_append(actor=actor, action="credit.appeal.decided", target=appeal, payload=payload)
    if outcome == Appeal.Outcome.REVOKED:
        ledger_append(
            actor=actor,
            action="credit.record.revoked",
            target=record,
            payload={"revoked_on": record.revoked_on, "appeal": appeal.pk},
        )
    return appeal


# --- standings ---------------------------------------------------------------------------------


def domain_subject(subject: Subject | int, scheme: Scheme | None = None) -> DomainSubject:
    """A credit file as the scoring engine sees it: with its licence periods when the scheme's base
    needs them (Jiangxi), else just its id (no registry reads)."""
    subject_id = subject if isinstance(subject, int) else subject.pk
    if not (scheme or current_scheme()).base_requires_eligibility or not subject_id:
        return DomainSubject(id=subject_id or 0)
    return DomainSubject(id=subject_id, eligible=periods_by_subject([subject_id]).get(subject_id, ()))


def current_scheme() -> Scheme:
    configured = getattr(settings, "CREDIT_SCHEME", "default")
    if isinstance(configured, dict):
        return scheme_from_dict(configured)
    return SCHEMES[str(configured)]


def standings_recompute(*, day: dt.date | None = None, scheme: Scheme | None = None) -> dict[str, int]:
    """Everyone's standing on ``day`` by the set-based job over the ``credit_job_subjects`` and
    ``credit_job_records`` views (and, under a scheme whose base needs valid licences, the licence
    periods rewritten from the registry first), stored as that day's rows (replacing a previous run
    of the same day). Returns the grade distribution."""
    day = day or _today()
    scheme = scheme or current_scheme()
    subjects_sync()
    with transaction.atomic():
        if scheme.base_requires_eligibility:
            eligibility_refresh()
        with connection.cursor() as cursor:
            rows = run_on_cursor(
                cursor, day=day, scheme=scheme, dialect=dialect_of(connection.vendor), tables=JOB_TABLES
            )
        Standing.objects.filter(day=day, scheme=scheme.name).delete()
        Standing.objects.bulk_create(
            [
                Standing(
                    subject_id=row.subject_id,
                    day=day,
                    scheme=scheme.name,
                    score=row.score,
                    grade=row.grade,
                    blacklisted=row.blacklisted,
                    reasons=sorted(reason.value for reason in row.blacklist),
                )
                for row in rows
            ],
            batch_size=5000,
        )
        distribution: dict[str, int] = {}
        for row in rows:
            distribution[row.grade] = distribution.get(row.grade, 0) + 1
        ledger_append_many(
            actor=SYSTEM,
            events=[
                Event(
                    action="credit.standings.computed",
                    object_type="credit.standing",
                    object_id=day.isoformat(),
                    payload={
                        "day": day,
                        "scheme": scheme.name,
                        "subjects": len(rows),
                        "grades": distribution,
                        "blacklisted": sum(1 for row in rows if row.blacklisted),
                    },
                )
            ],
        )
    return distribution
