"""The demo city's concrete: a lab and a press per district, specimen groups for active bid
sections with their raw press readings (written in bulk), batches judged, and planted problems sent
through the real services: a result typed over the raw load, a press testing faster than possible,
a foreign chip at the lab, a test outside the age window, and one weak batch that fails."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from jianguan.core.demo_framework import DEMO_ACTOR, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many


def build(ctx: DemoContext) -> None:
    from jianguan.concrete import custody, domain
    from jianguan.concrete.models import PressReading, Specimen, SpecimenGroup
    from jianguan.core.models import Device
    from jianguan.registry.domain import uscc_check_character
    from jianguan.registry.models import Enterprise, KeyPerson

    rng = ctx.rng("concrete.groups")
    candidates = (
        KeyPerson.objects.filter(
            role="chief_supervision_engineer",
            ended_on__isnull=True,
            bid_section__status="active",
            person__registrations__kind="supervision",
            person__registrations__status="valid",
        )
        .select_related("bid_section__jurisdiction", "person")
        .order_by("bid_section__code")
        .distinct()
    )
    limit = 8 if ctx.scale.name == "tiny" else 150
    posts = list(candidates[:limit])
    if not posts:
        ctx.log("concrete: no active bid section with a chief supervision engineer; skipped")
        return
    labs: dict[int, Enterprise] = {}
    presses: dict[int, Device] = {}
    for post in posts:
        place = post.bid_section.jurisdiction
        if place.pk in labs:
            continue
        body = f"12{place.code}MB{len(labs):07d}"[:17]
        lab, _ = Enterprise.objects.get_or_create(
            uscc=body + uscc_check_character(body),
            defaults={
                "name": f"{place.name}建设工程质量检测中心",
                "kind": "testing",
                "legal_representative": "检测中心主任",
                "jurisdiction": place,
                "source": "demo-concrete",
            },
        )
        labs[place.pk] = lab
        presses[place.pk], _ = Device.objects.get_or_create(
            serial=f"JGPRESS{place.code}",
            defaults={
                "kind": Device.Kind.LAB_PRESS,
                "protocol": Device.Protocol.SIGNED_HTTP,
                "name": f"{lab.name} 压力试验机",
                "jurisdiction": place,
                "secret": f"demo-press-{place.code}",
            },
        )
    groups, specimens, readings = [], [], []
    per_section = 6 if ctx.scale.name == "tiny" else 12
    start = timezone.make_aware(dt.datetime.combine(ctx.today - dt.timedelta(days=120), dt.time(9)))
    for s_index, post in enumerate(posts):
        section = post.bid_section
        weak = s_index == 0  # the planted failing batch
        for g in range(per_section):
            sampled = start + dt.timedelta(days=g * 6, minutes=rng.randrange(0, 300))
            code = f"{section.code}-S{g + 1:04d}"
            group = SpecimenGroup(
                code=code,
                bid_section=section,
                jurisdiction=section.jurisdiction,
                lab=labs[section.jurisdiction_id],
                pour_location=f"{rng.randrange(1, 9)}#楼{rng.randrange(1, 30)}层梁板",
                grade="C30",
                mix_code="P1",
                size_mm=150,
                planned_age_days=28,
                sampled_at=sampled,
                witness=post.person,
                status=SpecimenGroup.Status.RECEIVED,
                received_at=sampled + dt.timedelta(hours=20),
            )
            groups.append(group)
            centre = rng.gauss(31.5 if weak else 39.0, 1.2)
            tested = sampled + dt.timedelta(days=28, hours=rng.randrange(-6, 6))
            for k in range(3):
                strength = round(centre + rng.gauss(0, 1.0), 1)
                load = (Decimal(str(strength)) * Decimal(22500) / 1000).quantize(Decimal("0.01"))
                chip = f"E2{section.pk:06d}{g:03d}{k}"
                specimens.append((code, chip, k + 1, load, tested + dt.timedelta(minutes=3 * k)))
    SpecimenGroup.objects.bulk_create(groups)
    by_code = {g.code: g for g in SpecimenGroup.objects.filter(code__in=[g.code for g in groups])}
    Specimen.objects.bulk_create(
        Specimen(
            group=by_code[code],
            chip_id=chip,
            position=position,
            received=True,
            load_kn=load,
            strength_tenths=custody.cube_strength_tenths(load, 150),
            tested_at=at,
        )
        for code, chip, position, load, at in specimens
    )
    saved = {s.chip_id: s for s in Specimen.objects.filter(group__in=by_code.values())}
    for code, chip, _position, load, at in specimens:
        group = by_code[code]
        readings.append(
            PressReading(
                device=presses[group.jurisdiction_id],
                chip_id=chip,
                tested_at=at,
                peak_load_kn=load,
                loading_rate=Decimal("0.60"),
                specimen=saved[chip],
                raw={"chip_id": chip, "peak_load_kn": str(load), "loading_rate": "0.60", "tested_at": at.isoformat()},
            )
        )
    PressReading.objects.bulk_create(readings)
    ledger_append_many(
        actor=DEMO_ACTOR,
        events=[Event.about(g, "concrete.group.sampled", {"code": g.code, "source": "demo"}) for g in by_code.values()],
    )
    cubes: dict[int, list[float]] = {}
    for specimen in saved.values():
        cubes.setdefault(specimen.group_id, []).append((specimen.strength_tenths or 0) / 10)
    for group in by_code.values():
        f1, f2, f3 = sorted(cubes[group.pk])
        value = domain.group_value(domain.CubeGroup(group.code, f1, f2, f3), fcu_k=domain.parse_grade(group.grade))
        group.value_tenths, group.rule, group.status = value.value, str(value.rule), SpecimenGroup.Status.TESTED
    SpecimenGroup.objects.bulk_update(by_code.values(), ["value_tenths", "rule", "status"])
    for post in posts:
        custody.batch_evaluate(section=post.bid_section, grade="C30", mix_code="P1")

    # planted problems, through the services as a lab and a press would cause them
    target = posts[-1].bid_section
    lab = labs[target.jurisdiction_id]
    press = presses[target.jurisdiction_id]
    sampled = timezone.make_aware(dt.datetime.combine(ctx.today - dt.timedelta(days=40), dt.time(10)))
    forged = custody.group_sample(
        actor=DEMO_ACTOR,
        section=target,
        lab=lab,
        witness=posts[-1].person,
        chips=[f"E2F{target.pk:06d}{k}" for k in range(3)],
        data={"pour_location": "地下室底板", "grade": "C30", "mix_code": "P2", "sampled_at": sampled},
    )
    custody.group_receive(
        actor=DEMO_ACTOR, group=forged, chips_read=[f"E2F{target.pk:06d}0", f"E2F{target.pk:06d}1", "E2XXXXXXXX"]
    )
    at = sampled + dt.timedelta(days=33)
    custody.readings_ingest(
        device=press,
        readings=[
            {
                "chip_id": f"E2F{target.pk:06d}0",
                "peak_load_kn": "640.00",
                "loading_rate": "0.60",
                "tested_at": at.isoformat(),
                "reported_strength": "32.6",
            },
            {
                "chip_id": f"E2F{target.pk:06d}1",
                "peak_load_kn": "655.00",
                "loading_rate": "0.60",
                "tested_at": (at + dt.timedelta(seconds=12)).isoformat(),
            },
            {
                "chip_id": f"E2F{target.pk:06d}2",
                "peak_load_kn": "661.00",
                "loading_rate": "0.60",
                "tested_at": (at + dt.timedelta(minutes=4)).isoformat(),
            },
        ],
    )
    ctx.log(f"concrete: {len(groups) + 1} specimen groups, {len(readings) + 3} press readings, {len(posts)} batches")


STEPS = [
    DemoStep(
        "concrete.custody",
        build,
        after=("core.city",),
        after_if_present=("registry.city", "registry.projects", "registry.tree", "lifecycle.stages"),
    )
]
