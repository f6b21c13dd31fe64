"""What the public may see of credit (the portal pages and the JSON feed), and nothing more.

Rules (建市〔2017〕241号 and decision 0008):

* a subject's basic information is public; a person's resident ID number is always masked;
* a bad record is shown only inside its disclosure period (event date … last day in force) and a good
  one only inside its three-year validity; expired, revoked, rejected and not-yet-approved records
  are neither shown nor used;
* a record under appeal stays disclosed (an appeal does not suspend disclosure) and is marked
  "under appeal"; revoked by the appeal, it disappears from the decision day;
* the score and grade are today's, replayed from the records in force today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jianguan.core.access import mask_id_number
from jianguan.credit import domain
from jianguan.credit.models import Appeal, Record, Subject
from jianguan.credit.selectors import COUNTING, disclosed_records, domain_record
from jianguan.credit.services import BLACKLIST_LABELS, ENTERPRISE_SUBJECT_TYPES, current_scheme, domain_subject
from jianguan.registry.models import Enterprise, Person, Registration

MAX_RESULTS = 50


@dataclass(frozen=True)
class PublicRecord:
    id: int
    code: str
    title: str
    kind: str
    severity: str
    points: Decimal
    event_date: dt.date
    disclosed_until: dt.date
    source: str
    source_label: str
    decision_number: str
    penalty: str
    under_appeal: bool

    @property
    def scope(self) -> str:
        """Where it is published: A and B nationally, C locally (2020 draft)."""
        return "local" if self.severity == "C" else "national"


@dataclass(frozen=True)
class PublicFile:
    kind: str  # "enterprise" | "person"
    key: str  # uscc, or the person's id
    name: str
    code: str  # the uscc, or the masked ID number
    subject_type: str
    enterprise: str
    score: Decimal
    grade: str
    blacklisted: bool
    blacklist: list[str]  # the reasons, in the active language
    blacklist_codes: list[str]
    day: dt.date
    bad: list[PublicRecord] = field(default_factory=list)
    good: list[PublicRecord] = field(default_factory=list)
    registrations: list[str] = field(default_factory=list)


def _public_record(record: Record) -> PublicRecord:
    return PublicRecord(
        id=record.pk,
        code=record.code,
        title=record.title,
        kind=record.kind,
        severity=record.severity,
        points=record.points,
        event_date=record.event_date,
        disclosed_until=record.valid_until,
        source=record.source,
        source_label=str(record.get_source_display()),
        decision_number=record.decision_number,
        penalty=record.penalty,
        under_appeal=any(a.status == Appeal.Status.PENDING for a in record.appeals.all()),
    )


def _subject_of(target: Enterprise | Person) -> Subject | None:
    if isinstance(target, Enterprise):
        return Subject.objects.filter(enterprise=target).first()
    return Subject.objects.filter(person=target).first()


def public_file(target: Enterprise | Person, on: dt.date | None = None) -> PublicFile:
    day = on or timezone.localdate()
    subject = _subject_of(target)
    shown = disclosed_records(subject, day) if subject else []
    in_force = [domain_record(r) for r in shown]
    scheme = current_scheme()
    standing = domain.standing_on(domain_subject(subject.pk if subject else 0, scheme), in_force, scheme, day)
    codes = sorted(r.value for r in standing.blacklist)
    reasons = [str(BLACKLIST_LABELS[code]) for code in codes]
    records = [_public_record(r) for r in shown]
    if isinstance(target, Enterprise):
        kind = ENTERPRISE_SUBJECT_TYPES.get(target.kind)
        return PublicFile(
            kind="enterprise",
            key=target.uscc,
            name=target.name,
            code=target.uscc,
            subject_type=str(target.get_kind_display()) if kind else "",
            enterprise="",
            score=standing.score,
            grade=standing.grade,
            blacklisted=standing.blacklisted,
            blacklist=reasons,
            blacklist_codes=codes,
            day=day,
            bad=[r for r in records if r.kind == "bad"],
            good=[r for r in records if r.kind == "good"],
        )
    registrations = [
        f"{r.get_kind_display()} {r.number}"
        for r in Registration.objects.filter(person=target, status=Registration.Status.VALID).order_by("kind")
    ]
    return PublicFile(
        kind="person",
        key=str(target.pk),
        name=target.name,
        code=mask_id_number(target.id_number),
        subject_type="",
        enterprise=target.enterprise.name if target.enterprise_id and target.enterprise else "",
        score=standing.score,
        grade=standing.grade,
        blacklisted=standing.blacklisted,
        blacklist=reasons,
        blacklist_codes=codes,
        day=day,
        bad=[r for r in records if r.kind == "bad"],
        good=[r for r in records if r.kind == "good"],
        registrations=registrations,
    )


@dataclass(frozen=True)
class SearchHit:
    kind: str
    key: str
    name: str
    code: str
    detail: str


def public_search(query: str) -> list[SearchHit]:
    """Enterprises by name part or exact credit code; registered people by name part, exact
    registration number or exact ID number (always shown masked)."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    hits: list[SearchHit] = []
    enterprises = Enterprise.objects.filter(Q(name__icontains=query) | Q(uscc=query.upper())).order_by("name")
    for e in enterprises[:MAX_RESULTS]:
        hits.append(SearchHit("enterprise", e.uscc, e.name, e.uscc, str(e.get_kind_display())))
    registered = Registration.objects.filter(person=OuterRef("pk"))
    people = (
        Person.objects.filter(Exists(registered))
        .filter(Q(name__icontains=query) | Q(id_number=query.upper()) | Q(registrations__number=query))
        .select_related("enterprise")
        .distinct()
        .order_by("name", "id")
    )
    for p in people[:MAX_RESULTS]:
        hits.append(
            SearchHit(
                "person", str(p.pk), p.name, mask_id_number(p.id_number), p.enterprise.name if p.enterprise else ""
            )
        )
    return hits


def public_blacklist(on: dt.date | None = None) -> list[PublicFile]:
    """Every subject blacklisted today: only subjects with a blacklist record in force can be, so
    those are replayed (no stale snapshot: an appeal decided this morning counts)."""
    day = on or timezone.localdate()
    candidates = (
        Subject.objects.filter(
            records__status__in=COUNTING,
            records__event_date__lte=day,
            records__valid_until__gte=day,
            records__trigger__gt="",
        )
        .select_related("enterprise", "person", "person__enterprise")
        .distinct()
    )
    files = []
    for subject in candidates:
        target = subject.enterprise or subject.person
        assert target is not None
        public = public_file(target, day)
        if public.blacklisted:
            files.append(public)
    return sorted(files, key=lambda f: f.name)


def public_feed(*, on: dt.date | None = None, offset: int = 0, limit: int = 500) -> dict[str, Any]:
    """The feed for the city credit platform and the province: disclosed bad and good records in
    force on the day, with their subject (people masked), and the blacklist."""
    day = on or timezone.localdate()
    shown = (
        Record.objects.filter(status__in=COUNTING, event_date__lte=day, valid_until__gte=day)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        .select_related("subject__enterprise", "subject__person")
        .prefetch_related("appeals")
        .order_by("id")
    )
    total = shown.count()
    items = []
    for record in shown[offset : offset + limit]:
        subject = record.subject
        public = _public_record(record)
        if subject.enterprise is not None:
            who = {"kind": "enterprise", "name": subject.enterprise.name, "uscc": subject.enterprise.uscc}
        else:
            assert subject.person is not None
            who = {"kind": "person", "name": subject.person.name, "id_number": mask_id_number(subject.person.id_number)}
        items.append(
            {
                "id": public.id,
                "subject": who,
                "code": public.code,
                "title": public.title,
                "kind": public.kind,
                "severity": public.severity or None,
                "scope": public.scope if public.kind == "bad" else None,
                "points": str(public.points),
                "event_date": public.event_date.isoformat(),
                "disclosed_until": public.disclosed_until.isoformat(),
                "source": public.source,
                "decision_number": public.decision_number or None,
                "penalty": public.penalty or None,
                "under_appeal": public.under_appeal,
            }
        )
    blacklist = [
        {"kind": f.kind, "name": f.name, "code": f.code, "grade": f.grade, "reasons": f.blacklist_codes}
        for f in public_blacklist(day)
    ]
    return {
        "format": "jianguan.credit.feed/1",
        "day": day.isoformat(),
        "scheme": current_scheme().name,
        "total": total,
        "offset": offset,
        "limit": limit,
        "records": items,
        "blacklist": blacklist if offset == 0 else [],
    }
