"""Licence data for schemes whose base score needs valid licences (Jiangxi: base 70 only while the
enterprise holds a valid business licence, qualification and safety production licence).

From the registry, the periods in which each credit subject holds what such a base requires:

* an enterprise only while it is active (the registry's status stands for the business licence,
  whose dates it does not keep);
* contractors (施工企业): a valid qualification *and* a valid safety production licence — the days
  both cover;
* supervisors, survey, design and testing enterprises: a valid qualification;
* owners, tender agents and cost consultants hold no qualification for this: active is enough;
* registered people: a valid registration.

A certificate without ``valid_from`` counts from the start; one suspended or revoked counts for no
day. The registry keeps a certificate's current status, not its history, so a certificate revoked
today is treated as never held when a past day is replayed — the conservative reading (no base
without evidence), recorded in decision 0006.

``periods_by_subject`` answers for a few subjects (the credit file, the portal) or for everyone
(``eligibility_refresh`` writes them into the table the set-based job joins).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from jianguan.credit.domain import Period
from jianguan.credit.models import EligibilityPeriod, Subject
from jianguan.registry.models import Certificate, Enterprise, Qualification, Registration, SafetyLicence

START = dt.date(1, 1, 1)
QUALIFIED_KINDS = frozenset(
    {
        Enterprise.Kind.CONSTRUCTION,
        Enterprise.Kind.SUPERVISION,
        Enterprise.Kind.SURVEY,
        Enterprise.Kind.DESIGN,
        Enterprise.Kind.TESTING,
    }
)
SAFETY_LICENCE_KINDS = frozenset({Enterprise.Kind.CONSTRUCTION})

Span = tuple[dt.date, dt.date | None]


def _span(valid_from: dt.date | None, valid_until: dt.date) -> Span:
    return (valid_from or START, valid_until)


def _overlap(a: Span, b: Span) -> Span | None:
    start = max(a[0], b[0])
    ends = [end for end in (a[1], b[1]) if end is not None]
    end = min(ends) if ends else None
    return None if end is not None and end < start else (start, end)


def _merged(spans: Iterable[Span]) -> tuple[Period, ...]:
    """Overlapping or adjacent spans joined, in order."""
    periods: list[Period] = []
    for start, end in sorted(spans, key=lambda span: span[0]):
        if periods:
            last = periods[-1]
            if last.end is None or start <= last.end + dt.timedelta(days=1):
                if last.end is not None and (end is None or end > last.end):
                    periods[-1] = Period(last.start, end)
                continue
        periods.append(Period(start, end))
    return tuple(periods)


def periods_by_subject(subject_ids: Iterable[int] | None = None) -> dict[int, tuple[Period, ...]]:
    """The eligible periods of the given subjects (every subject when None); a subject that holds
    nothing has no entry."""
    subjects = Subject.objects.all()
    if subject_ids is not None:
        subjects = subjects.filter(pk__in=list(subject_ids))
    rows = list(subjects.values_list("pk", "enterprise_id", "person_id", "enterprise__kind", "enterprise__status"))
    enterprise_ids = [r[1] for r in rows if r[1] is not None]
    person_ids = [r[2] for r in rows if r[2] is not None]
    everyone = subject_ids is None

    qualifications: dict[int, list[Span]] = defaultdict(list)
    quals = Qualification.objects.filter(status=Certificate.Status.VALID)
    if not everyone:
        quals = quals.filter(enterprise_id__in=enterprise_ids)
    for enterprise_id, valid_from, valid_until in quals.values_list("enterprise_id", "valid_from", "valid_until"):
        qualifications[enterprise_id].append(_span(valid_from, valid_until))

    licences: dict[int, Span] = {}
    safety = SafetyLicence.objects.filter(status=Certificate.Status.VALID)
    if not everyone:
        safety = safety.filter(enterprise_id__in=enterprise_ids)
    for enterprise_id, valid_from, valid_until in safety.values_list("enterprise_id", "valid_from", "valid_until"):
        licences[enterprise_id] = _span(valid_from, valid_until)

    registrations: dict[int, list[Span]] = defaultdict(list)
    regs = Registration.objects.filter(status=Certificate.Status.VALID)
    if not everyone:
        regs = regs.filter(person_id__in=person_ids)
    for person_id, valid_from, valid_until in regs.values_list("person_id", "valid_from", "valid_until"):
        registrations[person_id].append(_span(valid_from, valid_until))

    found: dict[int, tuple[Period, ...]] = {}
    for subject_id, enterprise_id, person_id, kind, status in rows:
        spans: list[Span]
        if person_id is not None:
            spans = registrations.get(person_id, [])
        elif status != Enterprise.Status.ACTIVE:
            spans = []
        elif kind not in QUALIFIED_KINDS:
            spans = [(START, None)]
        else:
            spans = qualifications.get(enterprise_id, [])
            if kind in SAFETY_LICENCE_KINDS:
                licence = licences.get(enterprise_id)
                overlaps = [_overlap(span, licence) for span in spans] if licence else []
                spans = [span for span in overlaps if span is not None]
        periods = _merged(spans)
        if periods:
            found[subject_id] = periods
    return found


def eligible_periods(subject: Subject) -> tuple[Period, ...]:
    return periods_by_subject([subject.pk]).get(subject.pk, ())


@transaction.atomic
def eligibility_refresh() -> int:
    """Rewrite the eligibility table the set-based job joins, from the registry as it is now;
    return the number of periods."""
    EligibilityPeriod.objects.all().delete()
    rows = [
        EligibilityPeriod(subject_id=subject_id, valid_from=period.start, valid_until=period.end)
        for subject_id, periods in periods_by_subject().items()
        for period in periods
    ]
    EligibilityPeriod.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
