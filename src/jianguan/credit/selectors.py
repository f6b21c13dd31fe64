"""Reads of the credit module. ``credit_grade`` and ``credit_standing`` are what other modules use
(licensing rules, the weighting of random inspections, bid evaluation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser, access_object, scope_queryset
from jianguan.credit import domain
from jianguan.credit.models import Appeal, Record, Subject
from jianguan.credit.services import current_scheme, domain_subject
from jianguan.registry.models import Enterprise, Person

COUNTING = (Record.Status.RECORDED, Record.Status.REVOKED)


def domain_record(record: Record) -> domain.Record:
    """A stored record as the scoring engine sees it."""
    return domain.Record(
        id=record.pk,
        kind=domain.Kind(record.kind),
        points=record.points,
        event_date=record.event_date,
        valid_until=record.valid_until,
        code=record.code,
        severity=domain.Severity(record.severity) if record.severity else None,
        trigger=domain.Trigger(record.trigger) if record.trigger else None,
        penalised=record.penalised,
        settled_on=record.settled_on,
        revoked_on=record.revoked_on,
    )


def _subject(target: Subject | Enterprise | Person) -> Subject | None:
    """The credit file of a target, without opening one (a read never writes)."""
    if isinstance(target, Subject):
        return target
    if isinstance(target, Enterprise):
        return Subject.objects.filter(enterprise=target).first()
    return Subject.objects.filter(person=target).first()


def counting_records(subject: Subject) -> list[Record]:
    return list(subject.records.filter(status__in=COUNTING).order_by("event_date", "id"))


def credit_standing(target: Subject | Enterprise | Person, on: dt.date | None = None) -> domain.Standing:
    """Score, grade, blacklist reasons and records in force of an enterprise or person on a day,
    replayed from its records (exact for any past day; no file yet: no records)."""
    subject = _subject(target)
    day = on or timezone.localdate()
    scheme = current_scheme()
    records = [domain_record(r) for r in counting_records(subject)] if subject else []
    return domain.standing_on(domain_subject(subject.pk if subject else 0, scheme), records, scheme, day)


def credit_grade(target: Subject | Enterprise | Person, on: dt.date | None = None) -> str:
    """The grade of an enterprise or registered person on a day (the blacklist grade when blacklisted)."""
    return credit_standing(target, on).grade


def credit_grades(enterprises: list[Enterprise], on: dt.date | None = None) -> dict[int, domain.Standing]:
    """The standing of several enterprises on one day (bid evaluation: every bidder as of the
    opening day), each replayed from its records; enterprise id → standing. Two queries whatever
    the number, plus the licence data under a licence-based scheme."""
    day = on or timezone.localdate()
    scheme = current_scheme()
    subjects = {s.enterprise_id: s for s in Subject.objects.filter(enterprise__in=enterprises)}
    by_subject: dict[int, list[domain.Record]] = {s.pk: [] for s in subjects.values()}
    for record in Record.objects.filter(subject__in=subjects.values(), status__in=COUNTING).order_by(
        "event_date", "id"
    ):
        by_subject[record.subject_id].append(domain_record(record))
    eligible: dict[int, tuple[domain.Period, ...]] = {}
    if scheme.base_requires_eligibility:
        from jianguan.credit.eligibility import periods_by_subject

        eligible = periods_by_subject([s.pk for s in subjects.values()])
    found = {}
    for enterprise in enterprises:
        subject = subjects.get(enterprise.pk)
        target = domain.Subject(
            id=subject.pk if subject else 0, eligible=eligible.get(subject.pk, ()) if subject else ()
        )
        found[enterprise.pk] = domain.standing_on(
            target, by_subject.get(subject.pk, []) if subject else [], scheme, day
        )
    return found


def credit_history(subject: Subject, start: dt.date, end: dt.date) -> list[domain.Standing]:
    scheme = current_scheme()
    records = [domain_record(r) for r in counting_records(subject)]
    return domain.standing_history(domain_subject(subject, scheme), records, scheme, start, end)


def disclosed_records(subject: Subject, on: dt.date | None = None) -> list[Record]:
    """What the public may see on a day: records in force that day (bad ones inside their
    disclosure period, good ones inside their validity, nothing revoked or awaiting approval)."""
    day = on or timezone.localdate()
    return list(
        subject.records.filter(status__in=COUNTING, event_date__lte=day, valid_until__gte=day)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        .select_related("catalogue")
        .prefetch_related("appeals")
        .order_by("-event_date", "-id")
    )


def subject_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Subject]:
    qs = scope_queryset(Subject.objects.all(), user, field="jurisdiction")
    query = (filters or {}).get("q", "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(enterprise__uscc=query.upper()))
    return qs


def access_subject_by_id(user: AnyUser, subject_id: Any) -> Subject:
    return access_object(Subject.objects.all(), user, subject_id, what=_("Credit file"))


def records_awaiting(*, user: AnyUser) -> QuerySet[Record]:
    subjects = subject_list(user=user)
    return Record.objects.filter(
        subject__in=subjects, status__in=(Record.Status.HANDLED, Record.Status.REVIEWED)
    ).select_related("subject")


def appeals_pending(*, user: AnyUser) -> QuerySet[Appeal]:
    subjects = subject_list(user=user)
    return Appeal.objects.filter(record__subject__in=subjects, status=Appeal.Status.PENDING).select_related(
        "record", "record__subject"
    )
