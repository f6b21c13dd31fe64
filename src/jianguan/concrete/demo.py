"""The demo city's concrete: a lab and a press per district, specimen groups for active bid
sections with their raw press readings (written in bulk), batches judged, and planted problems sent
through the real services: a result typed over the raw load, a press testing faster than possible,
a foreign chip at the lab, a test outside the age window, and one weak batch that fails."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from jianguan.core.demo_framework import DEMO_ACTOR, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many

if TYPE_CHECKING:
    from jianguan.concrete.synthetic import PlantedForgery, SyntheticLabData


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
                received_at=at + dt.timedelta(minutes=8),
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


#: groups in the labs' year of records, per scale: enough for most signals on a small city
HISTORY_GROUPS = {"tiny": 4_000, "city": 30_000, "province": 100_000}
LAB_NAMES = ("建科", "华正", "诚信", "中测", "恒信", "鼎盛", "科达", "金石", "永安", "正通", "宏大", "安信")


def history(ctx: DemoContext) -> SyntheticLabData:
    """The labs' year of records with the planted forgeries (the same for the same seed and scale)."""
    from jianguan.concrete.synthetic import generate

    groups = HISTORY_GROUPS.get(ctx.scale.name, HISTORY_GROUPS["tiny"])
    start = ctx.today - dt.timedelta(days=365 + 40)
    return generate(groups=groups, seed=ctx.seed * 1000 + 107, start=start, days=365, known_sigma_share=0.0)


def lab_uscc(place_code: str, index: int) -> str:
    from jianguan.registry.domain import uscc_check_character

    body = f"91{place_code}JC{index + 1:07d}"[:17]
    return body + uscc_check_character(body)


def planted(ctx: DemoContext) -> list[PlantedForgery]:
    """The truth about the demo city's forgeries, with the labs' credit codes: for scoring the signals."""
    from jianguan.concrete.synthetic import PlantedForgery as Planted

    data = history(ctx)
    codes = _lab_codes(ctx, data)
    return [Planted(p.kind, codes[p.lab_id], p.press_serial, p.groups) for p in data.planted]


def _lab_codes(ctx: DemoContext, data: SyntheticLabData) -> dict[str, str]:
    from jianguan.core.models import Jurisdiction

    places = list(Jurisdiction.objects.filter(parent__isnull=False).order_by("code")) or list(
        Jurisdiction.objects.order_by("code")
    )
    return {lab: lab_uscc(places[i % len(places)].code, i) for i, lab in enumerate(data.labs)}


def build_labs(ctx: DemoContext) -> None:
    """A year of the city's testing labs' records, as the chain of custody keeps them: groups with
    cubes, press readings with their arrival times, presses registered to labs, batch verdicts —
    and forgeries planted at some labs (pushed to the pass line, fabricated tight groups, copied
    values, typed-in digits, uploads before the test, another lab's press). Then the forgery-signal
    job runs over the database, as it does nightly."""
    import numpy as np

    from jianguan.concrete import custody, domain
    from jianguan.concrete.leads import forgery_leads_run
    from jianguan.concrete.models import BatchVerdict, LabPress, PressReading, Specimen, SpecimenGroup
    from jianguan.concrete.outbox import readings_to_lake
    from jianguan.core.models import Device, Jurisdiction
    from jianguan.registry.models import Enterprise, KeyPerson

    posts = list(
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
    if not posts:
        ctx.log("concrete: no active bid section with a chief supervision engineer; lab records skipped")
        return
    rng = ctx.rng("concrete.labs")
    data = history(ctx)
    codes = _lab_codes(ctx, data)
    places = {p.code: p for p in Jurisdiction.objects.all()}
    labs: dict[str, Enterprise] = {}
    for index, lab_id in enumerate(data.labs):
        uscc = codes[lab_id]
        place = places[uscc[2:8]]
        labs[lab_id], _ = Enterprise.objects.get_or_create(
            uscc=uscc,
            defaults={
                "name": f"{place.name}{LAB_NAMES[index % len(LAB_NAMES)]}建设工程检测有限公司"
                + (f"（{index // len(LAB_NAMES) + 1}）" if index >= len(LAB_NAMES) else ""),
                "kind": Enterprise.Kind.TESTING,
                "legal_representative": "检测机构负责人",
                "jurisdiction": place,
                "source": "demo-concrete",
            },
        )
    table = data.groups.to_pydict()
    serials = sorted(set(table["press_serial"]) | set(data.press_owners))
    presses: dict[str, Device] = {}
    for serial in serials:
        owner = labs[data.press_owners.get(serial) or data.labs[0]]
        presses[serial], _ = Device.objects.get_or_create(
            serial=serial,
            defaults={
                "kind": Device.Kind.LAB_PRESS,
                "protocol": Device.Protocol.SIGNED_HTTP,
                "name": f"{owner.name} 压力试验机",
                "jurisdiction": owner.jurisdiction,
                "secret": f"demo-press-{rng.getrandbits(64):016x}",
            },
        )
        LabPress.objects.get_or_create(device=presses[serial], defaults={"lab": owner})

    n = len(table["batch_id"])
    batch_numbers = {b: i for i, b in enumerate(dict.fromkeys(table["batch_id"]))}
    groups: list[SpecimenGroup] = []
    cubes: list[tuple[int, int, int, Decimal, dt.datetime]] = []
    readings: list[tuple[int, str, int, Decimal, dt.datetime, dt.datetime]] = []
    for row in range(n):
        number = batch_numbers[table["batch_id"][row]]
        post = posts[number % len(posts)]
        size = int(table["size_mm"][row])
        sampled = table["sampled_at"][row]
        groups.append(
            SpecimenGroup(
                code=f"{post.bid_section.code}-H{row + 1:06d}",
                bid_section=post.bid_section,
                jurisdiction=post.bid_section.jurisdiction,
                lab=labs[table["lab_id"][row]],
                pour_location=f"{rng.randrange(1, 12)}#楼{rng.randrange(1, 33)}层",
                grade=table["grade"][row],
                mix_code=f"H{number + 1:05d}",
                size_mm=size,
                planned_age_days=28,
                sampled_at=sampled,
                witness=post.person,
                status=SpecimenGroup.Status.TESTED,
                received_at=sampled + dt.timedelta(hours=20),
            )
        )
        for k in range(3):
            strength = Decimal(str(table[f"f{k + 1}"][row]))
            load = (strength * size * size / 1000).quantize(Decimal("0.01"))
            offset = dt.timedelta(seconds=90 * k)
            cubes.append((row, k + 1, custody.cube_strength_tenths(load, size), load, table["tested_at"][row] + offset))
            readings.append(
                (
                    row,
                    table["press_serial"][row],
                    k,
                    load,
                    table["tested_at"][row] + offset,
                    table["uploaded_at"][row] + offset,
                )
            )
    values: dict[str, list[int]] = {}
    for row, _position, tenths, _load, _at in cubes:
        values.setdefault(str(row), []).append(tenths)
    for row, group in enumerate(groups):
        f1, f2, f3 = (t / 10 for t in values[str(row)])
        value = domain.group_value(
            domain.CubeGroup(group.code, f1, f2, f3, size_mm=group.size_mm), fcu_k=domain.parse_grade(group.grade)
        )
        group.value_tenths, group.rule = value.value, str(value.rule)
    SpecimenGroup.objects.bulk_create(groups, batch_size=2000)
    saved = dict(SpecimenGroup.objects.filter(code__in=[g.code for g in groups]).values_list("code", "pk"))
    group_pk = [saved[g.code] for g in groups]
    Specimen.objects.bulk_create(
        (
            Specimen(
                group_id=group_pk[row],
                chip_id=f"E2H{row + 1:07d}{position}",
                position=position,
                received=True,
                load_kn=load,
                strength_tenths=tenths,
                tested_at=at,
            )
            for row, position, tenths, load, at in cubes
        ),
        batch_size=5000,
    )
    specimen_pk = dict(Specimen.objects.filter(group_id__in=group_pk).values_list("chip_id", "pk"))
    PressReading.objects.bulk_create(
        (
            PressReading(
                device=presses[serial],
                chip_id=f"E2H{row + 1:07d}{k + 1}",
                tested_at=at,
                peak_load_kn=load,
                loading_rate=Decimal("0.50") if groups[row].grade >= "C30" else Decimal("0.40"),
                specimen_id=specimen_pk[f"E2H{row + 1:07d}{k + 1}"],
                received_at=arrived,
                raw={"chip_id": f"E2H{row + 1:07d}{k + 1}", "peak_load_kn": str(load), "tested_at": at.isoformat()},
            )
            for row, serial, k, load, at, arrived in readings
        ),
        batch_size=5000,
    )
    # batch verdicts, as the chain of custody keeps them
    members: dict[tuple[int, str, str], list[SpecimenGroup]] = {}
    for group in groups:
        members.setdefault((group.bid_section_id, group.grade, group.mix_code), []).append(group)
    verdicts = []
    for (_section, grade, mix), mine in members.items():
        section = mine[0].bid_section
        values_ = [
            domain.GroupValue(g.code, (0, 0, 0), domain.GroupRule(g.rule), g.value_tenths, 100, g.value_tenths)
            for g in mine
        ]
        batch_id = f"{section.code}-{grade}-{mix}"
        verdict = domain.judge(domain.batch_statistics(batch_id, fcu_k=domain.parse_grade(grade), values=values_))
        verdicts.append(
            BatchVerdict(
                batch_id=batch_id,
                bid_section=section,
                jurisdiction=section.jurisdiction,
                grade=grade,
                n_groups=len(mine),
                method=str(verdict.method),
                mean_tenths=verdict.stats.mean,
                s_hundredths=verdict.stats.s,
                min_tenths=verdict.stats.minimum,
                passed=verdict.passed,
                explanation_zh=verdict.explain("zh-hans"),
                explanation_en=verdict.explain("en"),
                evaluated_at=max(g.sampled_at for g in mine) + dt.timedelta(days=29),
            )
        )
    BatchVerdict.objects.bulk_create(verdicts, batch_size=2000)
    ledger_append_many(
        actor=DEMO_ACTOR,
        events=[
            Event.about(
                lab,
                "concrete.records.imported",
                {"lab": lab.uscc, "groups": int(np.sum(np.array(table["lab_id"]) == lab_id)), "source": "demo"},
            )
            for lab_id, lab in labs.items()
        ]
        + [
            Event.about(v, "concrete.batch.failed", {"batch": v.batch_id, "n": v.n_groups, "method": v.method})
            for v in BatchVerdict.objects.filter(batch_id__in=[v.batch_id for v in verdicts], passed=False)
        ],
    )
    readings_to_lake(source="demo")
    run = forgery_leads_run(engine="duckdb", actor=DEMO_ACTOR)
    ctx.log(
        f"concrete: {n} groups of {len(labs)} labs' records, {len(verdicts)} batches, {len(run.leads)} forgery leads "
        f"({len(data.planted)} forgeries planted)"
    )


STEPS = [
    DemoStep(
        "concrete.custody",
        build,
        after=("core.city",),
        after_if_present=("registry.city", "registry.projects", "registry.tree", "lifecycle.stages"),
    ),
    DemoStep(
        "concrete.labs",
        build_labs,
        after=("core.city", "concrete.custody"),
        after_if_present=("registry.city", "registry.projects", "registry.tree", "lifecycle.stages", "lake.sensors"),
    ),
]
