"""Duty on site: monthly evaluation of key people against the rule ``attendance.duty``, daily
absence warnings, and the certificate-lending leads (挂证 / 人证不符).

All of it is set-based: one query for who was present on which day at which section, then the
rule per key post. Warnings go to the command centre through ``command.services.warning_raise``
with a condition key per post and period, so running a job again counts another occurrence of
the open warning instead of raising a new one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from jianguan.attendance.domain import distance_m, speed_kmh
from jianguan.attendance.models import Absence, Binding, CheckIn, DutyEvaluation
from jianguan.command.services import warning_raise
from jianguan.core.calendar import is_working_day
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.rules import rule_decide
from jianguan.registry.models import BidSection, KeyPerson
from jianguan.registry.selectors import key_people_not_registered_with_their_enterprise

RULE = "attendance.duty"
ACTOR = "system:attendance"
ABSENCE_WORKING_DAYS = 3  # consecutive working days without a check-in before a daily warning
DUTY_ROLES = ("project_manager", "chief_supervision_engineer", "safety_officer")
TRAVEL_MIN_DISTANCE_M = 2_000.0  # two sites closer than this may share a gate
TRAVEL_MAX_SPEED_KMH = 80.0  # faster than this between two check-ins is not one person travelling
NOT_PRESENCE = ("outside_geofence", "low_score")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def presence_checkins(first: dt.date, last: dt.date) -> QuerySet[CheckIn]:
    """Check-ins that count as presence: a known person at a bound section, inside the geofence,
    with an acceptable match score."""
    queryset = CheckIn.objects.filter(
        punched_at__gte=_aware(first),
        punched_at__lt=_aware(last + dt.timedelta(days=1)),
        person__isnull=False,
        bid_section__isnull=False,
    )
    for flag in NOT_PRESENCE:
        queryset = queryset.exclude(flags__contains=flag)
    return queryset


def presence(first: dt.date, last: dt.date) -> dict[tuple[int, int], set[dt.date]]:
    """(bid section, person) → the local days they were present."""
    days: dict[tuple[int, int], set[dt.date]] = defaultdict(set)
    rows = (
        presence_checkins(first, last)
        .annotate(day=TruncDate("punched_at"))
        .values_list("bid_section_id", "person_id", "day")
        .distinct()
    )
    for section, person, day in rows.iterator():
        days[(section, person)].add(day)
    return days


def _absences(first: dt.date, last: dt.date) -> dict[tuple[int, int], set[dt.date]]:
    covered: dict[tuple[int, int], set[dt.date]] = defaultdict(set)
    for absence in Absence.objects.filter(first_day__lte=last, last_day__gte=first):
        for day in _days(max(first, absence.first_day), min(last, absence.last_day)):
            covered[(absence.bid_section_id, absence.person_id)].add(day)
    return covered


def _posts(first: dt.date, last: dt.date) -> QuerySet[KeyPerson]:
    return (
        KeyPerson.objects.filter(started_on__lte=last, bid_section__status=BidSection.Status.ACTIVE)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .select_related("person", "bid_section", "bid_section__jurisdiction", "enterprise")
        .order_by("bid_section_id", "role", "person_id")
    )


@dataclass
class MonthResult:
    month: dt.date
    evaluated: int = 0
    shortfalls: int = 0
    warnings: int = 0
    leads: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def duty_evaluate(
    *, month: dt.date, today: dt.date | None = None, progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None
) -> MonthResult:
    """Evaluate every key post of every active section for ``month`` (up to ``today`` when the
    month is not over: the days before ``today``). Warnings are raised only for a finished month."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    until = min(last, today - dt.timedelta(days=1))
    result = MonthResult(month=first)
    if until < first:
        return result
    present = presence(first, until)
    absent = _absences(first, until)
    working = [day for day in _days(first, until) if is_working_day(day)]
    finished = last < today
    evaluations: list[DutyEvaluation] = []
    posts = list(_posts(first, until))
    for post in progress(posts) if progress else posts:
        start = max(first, post.started_on)
        end = min(until, post.ended_on or until)
        key = (post.bid_section_id, post.person_id)
        construction = [day for day in working if start <= day <= end]
        absence_days = len([day for day in construction if day in absent.get(key, set())])
        present_days = len([day for day in present.get(key, set()) if start <= day <= end])
        due_days = len(construction) - absence_days
        context = {
            "role": post.role,
            "construction_days": len(construction),
            "absence_days": absence_days,
            "due_days": due_days,
            "present_days": present_days,
        }
        decision = rule_decide(RULE, context)
        evaluations.append(
            DutyEvaluation(
                bid_section_id=post.bid_section_id,
                person_id=post.person_id,
                role=post.role,
                month=first,
                construction_days=len(construction),
                absence_days=absence_days,
                present_days=present_days,
                rate=present_days / due_days if due_days > 0 else 1.0,
                compliant=bool(decision.result["compliant"]),
                decision=decision.as_record(),
            )
        )
    with transaction.atomic():
        DutyEvaluation.objects.filter(month=first).delete()
        DutyEvaluation.objects.bulk_create(evaluations, batch_size=1000)
        ledger_append_many(
            actor=ACTOR,
            events=[
                Event(
                    action="attendance.duty.evaluated",
                    object_type="registry.bidsection",
                    object_id=str(e.bid_section_id),
                    payload={
                        "month": f"{first:%Y-%m}",
                        "person": e.person_id,
                        "role": e.role,
                        "present_days": e.present_days,
                        "construction_days": e.construction_days,
                        "absence_days": e.absence_days,
                        "compliant": e.compliant,
                        "rule_version": e.decision.get("version"),
                    },
                )
                for e in evaluations
            ],
        )
        result.evaluated = len(evaluations)
        by_post = {(p.bid_section_id, p.person_id, p.role): p for p in posts}
        for evaluation in evaluations:
            if evaluation.compliant:
                continue
            result.shortfalls += 1
            if finished:
                post = by_post[(evaluation.bid_section_id, evaluation.person_id, evaluation.role)]
                result.warnings += _warn_shortfall(post, evaluation)
        if finished:
            result.leads["never_present"] = never_present_leads(first, evaluations, by_post)
    return result


def _warn_shortfall(post: KeyPerson, evaluation: DutyEvaluation) -> int:
    required = evaluation.decision.get("result", {}).get("required_days")
    _alert, created = warning_raise(
        kind="attendance.duty_shortfall",
        subject_type="registry.keyperson",
        subject_id=str(post.pk),
        subject_label=f"{post.bid_section.code} {post.get_role_display()} {post.person.name}",
        jurisdiction=post.bid_section.jurisdiction,
        params={
            "role": str(post.get_role_display()),
            "person": post.person.name,
            "present_days": evaluation.present_days,
            "required_days": required,
            "month": f"{evaluation.month:%Y-%m}",
        },
        evidence=[
            {
                "kind": "duty_evaluation",
                "month": f"{evaluation.month:%Y-%m}",
                "construction_days": evaluation.construction_days,
                "absence_days": evaluation.absence_days,
                "present_days": evaluation.present_days,
                "rule_version": evaluation.decision.get("version"),
            }
        ],
        condition_key=f"attendance.duty_shortfall:{post.pk}:{evaluation.month:%Y-%m}",
    )
    return int(created)


def never_present_leads(
    first: dt.date, evaluations: list[DutyEvaluation], by_post: dict[tuple[int, int, str], KeyPerson]
) -> int:
    """A key person with no day on site all month while other people checked in there (挂证 lead)."""
    _first, last = month_bounds(first)
    zero = [e for e in evaluations if e.present_days == 0 and e.construction_days > 0 and e.role in DUTY_ROLES]
    if not zero:
        return 0
    others: dict[int, set[int]] = defaultdict(set)
    rows = presence_checkins(first, last).values_list("bid_section_id", "person_id").distinct()
    for section, person in rows:
        others[section].add(person)
    raised = 0
    for evaluation in zero:
        workers = others.get(evaluation.bid_section_id, set()) - {evaluation.person_id}
        if not workers:
            continue
        post = by_post[(evaluation.bid_section_id, evaluation.person_id, evaluation.role)]
        sample = list(
            presence_checkins(first, last)
            .filter(bid_section_id=evaluation.bid_section_id)
            .order_by("punched_at")
            .values("id", "pin", "person_id", "punched_at")[:10]
        )
        _alert, created = warning_raise(
            kind="attendance.never_present",
            subject_type="registry.keyperson",
            subject_id=str(post.pk),
            subject_label=f"{post.bid_section.code} {post.get_role_display()} {post.person.name}",
            jurisdiction=post.bid_section.jurisdiction,
            params={
                "role": str(post.get_role_display()),
                "person": post.person.name,
                "month": f"{first:%Y-%m}",
                "others": len(workers),
            },
            evidence=[
                {"kind": "duty_evaluation", "month": f"{first:%Y-%m}", "present_days": 0},
                *(
                    {
                        "kind": "check_in",
                        "id": row["id"],
                        "person": row["person_id"],
                        "time": row["punched_at"].isoformat(),
                    }
                    for row in sample
                ),
            ],
            condition_key=f"attendance.never_present:{post.pk}:{first:%Y-%m}",
        )
        raised += int(created)
    return raised


def absence_warnings(*, today: dt.date | None = None, days: int = ABSENCE_WORKING_DAYS) -> int:
    """Daily: key people with no check-in on their section for the last ``days`` working days
    (approved absences excepted). One open warning per post."""
    today = today or timezone.localdate()
    window: list[dt.date] = []
    day = today - dt.timedelta(days=1)
    while len(window) < days and day > today - dt.timedelta(days=40):
        if is_working_day(day):
            window.append(day)
        day -= dt.timedelta(days=1)
    if len(window) < days:
        return 0
    first, last = min(window), max(window)
    present = presence(first, last)
    absent = _absences(first, last)
    raised = 0
    for post in _posts(first, last).filter(role__in=DUTY_ROLES, started_on__lte=first):
        key = (post.bid_section_id, post.person_id)
        if present.get(key) or absent.get(key) or (post.ended_on and post.ended_on < last):
            continue
        last_seen = (
            CheckIn.objects.filter(person_id=post.person_id, bid_section_id=post.bid_section_id)
            .order_by("-punched_at")
            .values_list("punched_at", flat=True)
            .first()
        )
        _alert, created = warning_raise(
            kind="attendance.key_person_absent",
            subject_type="registry.keyperson",
            subject_id=str(post.pk),
            subject_label=f"{post.bid_section.code} {post.get_role_display()} {post.person.name}",
            jurisdiction=post.bid_section.jurisdiction,
            params={
                "role": str(post.get_role_display()),
                "person": post.person.name,
                "days": days,
                "since": timezone.localtime(last_seen).date().isoformat() if last_seen else "—",
            },
            evidence=[{"kind": "working_days_without_check_in", "days": [d.isoformat() for d in sorted(window)]}],
            condition_key=f"attendance.key_person_absent:{post.pk}",
        )
        raised += int(created)
    return raised


# --- certificate lending --------------------------------------------------------------------


@dataclass(frozen=True)
class Sighting:
    id: int
    person: int
    section: int
    device: int
    at: dt.datetime
    latitude: float
    longitude: float


def _bindings() -> dict[int, list[Binding]]:
    by_device: dict[int, list[Binding]] = defaultdict(list)
    for binding in Binding.objects.all():
        by_device[binding.device_id].append(binding)
    return by_device


def _place(bindings: list[Binding], at: dt.datetime) -> tuple[float, float] | None:
    for binding in bindings:
        if binding.bound_at <= at and (binding.ended_at is None or at < binding.ended_at):
            return binding.latitude, binding.longitude
    return (bindings[0].latitude, bindings[0].longitude) if bindings else None


def sightings(first: dt.date, last: dt.date) -> Iterable[Sighting]:
    """Known people's check-ins with a place (the GPS fix, else the terminal's site), by person and time."""
    bindings = _bindings()
    rows = (
        presence_checkins(first, last)
        .order_by("person_id", "punched_at")
        .values_list("id", "person_id", "bid_section_id", "device_id", "punched_at", "latitude", "longitude")
    )
    for ident, person, section, device, at, latitude, longitude in rows.iterator(chunk_size=5000):
        if latitude is None or longitude is None:
            place = _place(bindings.get(device, []), at)
            if place is None:
                continue
            latitude, longitude = place
        yield Sighting(ident, person, section, device, at, latitude, longitude)


def travel_pairs(items: Iterable[Sighting]) -> Iterable[tuple[Sighting, Sighting, float, float]]:
    """Consecutive check-ins of one person at two sections too far apart for the time between them."""
    previous: Sighting | None = None
    for item in items:
        if previous is not None and previous.person == item.person and previous.section != item.section:
            distance = distance_m(previous.latitude, previous.longitude, item.latitude, item.longitude)
            seconds = (item.at - previous.at).total_seconds()
            if distance >= TRAVEL_MIN_DISTANCE_M and speed_kmh(distance, seconds) > TRAVEL_MAX_SPEED_KMH:
                yield previous, item, distance, seconds
        previous = item


def _evidence(item: Sighting) -> dict[str, Any]:
    return {
        "kind": "check_in",
        "id": item.id,
        "bid_section": item.section,
        "device": item.device,
        "time": item.at.isoformat(),
        "latitude": round(item.latitude, 6),
        "longitude": round(item.longitude, 6),
    }


def travel_leads(*, first: dt.date, last: dt.date) -> int:
    """Raise a lead per person and day for check-ins at two sites no one could travel between."""
    from jianguan.registry.models import Person

    raised = 0
    for a, b, distance, seconds in travel_pairs(sightings(first, last)):
        person = Person.objects.get(pk=b.person)
        section = BidSection.objects.select_related("jurisdiction").get(pk=b.section)
        day = timezone.localtime(b.at).date()
        _alert, created = warning_raise(
            kind="attendance.impossible_travel",
            subject_type="registry.person",
            subject_id=str(person.pk),
            subject_label=person.name,
            jurisdiction=section.jurisdiction,
            params={
                "person": person.name,
                "distance_km": round(distance / 1000, 1),
                "minutes": round(seconds / 60),
            },
            evidence=[_evidence(a), _evidence(b)],
            condition_key=f"attendance.impossible_travel:{person.pk}:{day.isoformat()}",
        )
        raised += int(created)
    return raised


def registered_elsewhere_leads(*, first: dt.date, last: dt.date) -> int:
    """Key people acting for an enterprise other than the one they are registered with, with their
    check-ins at the section as evidence (人证不符)."""
    raised = 0
    for post in key_people_not_registered_with_their_enterprise().select_related("bid_section__jurisdiction"):
        registered = post.person.enterprise
        checkins = list(
            CheckIn.objects.filter(person_id=post.person_id, bid_section_id=post.bid_section_id)
            .order_by("-punched_at")
            .values("id", "punched_at")[:10]
        )
        _alert, created = warning_raise(
            kind="attendance.registered_elsewhere",
            subject_type="registry.keyperson",
            subject_id=str(post.pk),
            subject_label=f"{post.bid_section.code} {post.get_role_display()} {post.person.name}",
            jurisdiction=post.bid_section.jurisdiction,
            params={
                "person": post.person.name,
                "role": str(post.get_role_display()),
                "acting_for": post.enterprise.name,
                "registered_with": registered.name if registered else "—",
            },
            evidence=[
                {
                    "kind": "key_post",
                    "id": post.pk,
                    "bid_section": post.bid_section.code,
                    "acting_for": post.enterprise.uscc,
                    "registered_with": registered.uscc if registered else None,
                },
                *({"kind": "check_in", "id": c["id"], "time": c["punched_at"].isoformat()} for c in checkins),
            ],
            condition_key=f"attendance.registered_elsewhere:{post.pk}",
        )
        raised += int(created)
    return raised


def attendance_evaluate(
    *, month: dt.date, today: dt.date | None = None, progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None
) -> MonthResult:
    """The monthly job: duty per post, and the lending leads over the month."""
    first, last = month_bounds(month)
    result = duty_evaluate(month=first, today=today, progress=progress)
    result.leads["impossible_travel"] = travel_leads(first=first, last=last)
    result.leads["registered_elsewhere"] = registered_elsewhere_leads(first=first, last=last)
    return result
