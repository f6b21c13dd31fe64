"""The demo city's attendance: a terminal bound at each active bid section, its key people
enrolled, last month's check-ins written in bulk, with planted cases: key people short of the
duty rule, a chief engineer who never comes while others work, and people lending their
certificates to a second site (the same person at two distant sites within an hour).
Then last month is evaluated, so the command centre shows the warnings."""

from __future__ import annotations

import datetime as dt

from jianguan.attendance.duty import attendance_evaluate, month_bounds
from jianguan.attendance.models import Binding, CheckIn, DeviceState, Enrolment
from jianguan.core.calendar import is_working_day
from jianguan.core.demo import DEMO_TERMINAL_SN
from jianguan.core.demo_framework import DEMO_ACTOR, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Device
from jianguan.registry.models import BidSection, KeyPerson

SECTIONS_BY_SCALE = {"tiny": 12, "city": 400, "province": 2000}
LOCAL = dt.timezone(dt.timedelta(hours=8))


def _place(section: BidSection, rng_offset: float) -> tuple[float, float]:
    project = section.project
    if project.latitude is not None and project.longitude is not None:
        return project.latitude, project.longitude
    j = section.jurisdiction
    base = (j.latitude or 30.70, j.longitude or 111.29)
    return base[0] + rng_offset, base[1] + rng_offset


def build(ctx: DemoContext) -> None:
    rng = ctx.rng("attendance.checkins")
    limit = SECTIONS_BY_SCALE.get(ctx.scale.name, 12)
    sections = list(
        BidSection.objects.filter(status=BidSection.Status.ACTIVE, key_people__ended_on__isnull=True)
        .select_related("project", "jurisdiction")
        .distinct()
        .order_by("code")[:limit]
    )
    if not sections:
        ctx.log("  attendance: no active bid sections with key people (registry demo absent); nothing to do")
        return
    now = ctx.now()
    secret_rng = ctx.rng("attendance.secrets")
    # one ZKTeco terminal per section; the first section gets core's demo terminal
    demo_terminal = Device.objects.filter(serial=DEMO_TERMINAL_SN).first()
    new_devices = [
        Device(
            serial=f"JGZK{index:06d}",
            kind=Device.Kind.ATTENDANCE_TERMINAL,
            protocol=Device.Protocol.ZKTECO_PUSH,
            name=f"{section.name}考勤机",
            jurisdiction=section.jurisdiction,
            secret=f"{secret_rng.getrandbits(192):048x}",
        )
        for index, section in enumerate(sections, 1)
        if not (index == 1 and demo_terminal)
    ]
    Device.objects.bulk_create(new_devices)
    devices = ([demo_terminal] if demo_terminal else []) + list(
        Device.objects.filter(serial__in=[d.serial for d in new_devices]).order_by("serial")
    )
    bindings = []
    for section, device in zip(sections, devices, strict=True):
        lat, lon = _place(section, rng.uniform(-0.05, 0.05))
        bindings.append(
            Binding(
                device=device,
                bid_section=section,
                location=f"{section.name}大门",
                latitude=lat,
                longitude=lon,
                radius_m=300,
                bound_at=now - dt.timedelta(days=90),
            )
        )
    Binding.objects.bulk_create(bindings)
    posts_by_section: dict[int, list[KeyPerson]] = {}
    for post in KeyPerson.objects.filter(bid_section__in=sections, ended_on__isnull=True).select_related("person"):
        posts_by_section.setdefault(post.bid_section_id, []).append(post)
    enrolments = []
    pins: dict[tuple[int, int], str] = {}  # (device, person) -> pin
    for binding in bindings:
        for number, post in enumerate(posts_by_section.get(binding.bid_section_id, []), 1):
            if (binding.device_id, post.person_id) in pins:
                continue
            pins[(binding.device_id, post.person_id)] = str(number)
            enrolments.append(
                Enrolment(device=binding.device, pin=str(number), person=post.person, enrolled_at=binding.bound_at)
            )
    # planted lenders: a project manager also enrolled at a distant section's terminal
    lenders: list[tuple[KeyPerson, Binding]] = []
    managers = [p for b in bindings for p in posts_by_section.get(b.bid_section_id, []) if p.role == "project_manager"]
    for post in rng.sample(managers, k=max(1, len(managers) // 10)) if managers else []:
        home = next(b for b in bindings if b.bid_section_id == post.bid_section_id)
        far = [b for b in bindings if b is not home and _distance(home, b) > 5_000]
        if not far:
            continue
        other = rng.choice(far)
        pin = f"9{len(enrolments):04d}"
        pins[(other.device_id, post.person_id)] = pin
        enrolments.append(Enrolment(device=other.device, pin=pin, person=post.person, enrolled_at=other.bound_at))
        lenders.append((post, other))
    Enrolment.objects.bulk_create(enrolments)

    first, last = month_bounds((ctx.today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))
    working = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    working = [day for day in working if is_working_day(day)]
    posts = [p for b in bindings for p in posts_by_section.get(b.bid_section_id, [])]
    chiefs = [p for p in posts if p.role == "chief_supervision_engineer"]
    never = set(rng.sample([c.pk for c in chiefs], k=max(1, len(chiefs) // 8))) if chiefs else set()
    short = {p.pk for p in posts if rng.random() < 0.15}
    device_of = {b.bid_section_id: b.device for b in bindings}
    section_of = {b.device_id: b.bid_section_id for b in bindings}
    rows: list[CheckIn] = []
    arrivals: dict[int, dict[dt.date, dt.datetime]] = {}
    for post in posts:
        if post.pk in never:
            continue
        rate = 0.55 if post.pk in short else 0.95
        device = device_of[post.bid_section_id]
        pin = pins[(device.pk, post.person_id)]
        for day in working:
            if day < post.started_on or rng.random() > rate:
                continue
            arrive = dt.datetime.combine(day, dt.time(7, rng.randint(20, 59)), tzinfo=LOCAL)
            leave = dt.datetime.combine(day, dt.time(17, rng.randint(30, 59)), tzinfo=LOCAL)
            arrivals.setdefault(post.pk, {})[day] = arrive
            for moment, status in ((arrive, "0"), (leave, "1")):
                rows.append(_punch(device, pin, moment, status, post.person_id, section_of[device.pk], now))
    for post, other in lenders:
        # someone punches the lender's card at the other site two minutes after he arrived at his own
        pin = pins[(other.device_id, post.person_id)]
        days = sorted(arrivals.get(post.pk, {}))
        for day in rng.sample(days, k=min(3, len(days))):
            moment = arrivals[post.pk][day] + dt.timedelta(minutes=2)
            rows.append(
                _punch(other.device, pin, moment, "0", post.person_id, other.bid_section_id, now, "not_on_roster")
            )
    CheckIn.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    DeviceState.objects.bulk_create([DeviceState(device=b.device, last_seen_at=now) for b in bindings])
    events = [
        Event(
            "core.device.registered",
            "core.device",
            str(d.pk),
            {"serial": d.serial, "kind": d.kind, "protocol": d.protocol, "name": d.name},
        )
        for d in devices
        if d.serial != DEMO_TERMINAL_SN
    ]
    events += [Event.about(b, "attendance.binding.created", {"serial": b.device.serial}) for b in bindings]
    events += [
        Event.about(e, "attendance.enrolment.created", {"serial": e.device.serial, "pin": e.pin, "person": e.person_id})
        for e in enrolments
    ]
    per_device: dict[int, int] = {}
    for row in rows:
        per_device[row.device_id] = per_device.get(row.device_id, 0) + 1
    events += [
        Event(
            "attendance.batch.received",
            "core.device",
            str(device_id),
            {"source": "demo", "table": "ATTLOG", "records": count, "quarantined": 0},
        )
        for device_id, count in per_device.items()
    ]
    ledger_append_many(actor=DEMO_ACTOR, events=events, occurred_at=now)
    result = attendance_evaluate(month=first, today=ctx.today)
    ctx.log(
        f"  attendance: {len(bindings)} terminals bound, {len(enrolments)} enrolments, {len(rows):,} check-ins "
        f"for {first:%Y-%m}; {result.shortfalls} posts short of the duty rule, leads {dict(result.leads)} "
        f"(planted: {len(short)} short, {len(never)} never present, {len(lenders)} lenders)"
    )


def _distance(a: Binding, b: Binding) -> float:
    from jianguan.attendance.domain import distance_m

    return distance_m(a.latitude, a.longitude, b.latitude, b.longitude)


def _punch(
    device: Device,
    pin: str,
    moment: dt.datetime,
    status: str,
    person: int,
    section: int,
    now: dt.datetime,
    flags: str = "",
) -> CheckIn:
    return CheckIn(
        device=device,
        pin=pin,
        punched_at=moment,
        status=status,
        verify="15",
        source=CheckIn.Source.ZKTECO,
        person_id=person,
        bid_section_id=section,
        flags=flags,
        raw=f"{pin}\t{moment:%Y-%m-%d %H:%M:%S}\t{status}\t15",
        received_at=now,
    )


STEPS = [DemoStep("attendance.checkins", build, after=("core.city",), after_if_present=("registry.city",))]
