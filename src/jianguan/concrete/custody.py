"""Services of the chain of custody: sampling, lab receipt, press readings, batch evaluation.

Strength of a cube = peak load / loaded area (GB/T 50081-2019 §5.0.5: f = F / A, to 0.1 MPa); the
group value and the batch verdict come from :mod:`jianguan.concrete.domain` (GB/T 50107-2010).
Tolerances of the test age and loading rates are those of GB/T 50081-2019 (§5.0.4, §3.x).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.concrete import domain
from jianguan.concrete.models import BatchVerdict, CustodyFlag, PressReading, Specimen, SpecimenGroup
from jianguan.core import errors
from jianguan.core.ledger import Actor, ledger_append
from jianguan.core.models import Device
from jianguan.registry.models import BidSection, Enterprise, Person, Registration

# test age tolerance per planned age (days → hours), GB/T 50081-2019 table 5.0.4 as commonly cited
AGE_TOLERANCE_HOURS = {1: 0.5, 3: 2, 7: 6, 28: 20, 56: 24, 60: 24, 90: 48}
# loading rate (MPa/s) by strength class, GB/T 50081-2019
LOADING_RATES = (
    (30, Decimal("0.3"), Decimal("0.5")),
    (60, Decimal("0.5"), Decimal("0.8")),
    (999, Decimal("0.8"), Decimal("1.0")),
)

THREE_CHIPS = _("A specimen group has three cubes, each with its own RFID chip.")
CHIP_TAKEN = _("RFID chip %(chip)s is already used by specimen group %(group)s.")
WITNESS_NOT_SUPERVISOR = _("%(person)s holds no valid supervision-engineer registration and cannot witness sampling.")
LAB_NOT_TESTING = _("%(name)s is not a testing laboratory.")
READING_INVALID = _("Reading %(index)s: %(reason)s")
GROUP_NOT_SAMPLED = _("Specimen group %(group)s was already received.")


def _flag(kind: str, *, group: SpecimenGroup | None = None, device: Device | None = None, **detail: Any) -> CustodyFlag:
    jurisdiction = group.jurisdiction if group else (device.jurisdiction if device else None)
    flag = CustodyFlag.objects.create(kind=kind, group=group, device=device, jurisdiction=jurisdiction, detail=detail)
    ledger_append(
        actor="system:concrete",
        action="concrete.custody.flagged",
        target=flag,
        payload={
            "kind": kind,
            "group": group.code if group else None,
            "device": device.serial if device else None,
            **detail,
        },
    )
    return flag


@transaction.atomic
def group_sample(
    *,
    actor: Actor,
    section: BidSection,
    lab: Enterprise,
    witness: Person,
    chips: list[str],
    data: dict[str, Any],
) -> SpecimenGroup:
    """Record a group sampled on site: three chips, pour location, grade, mix, size, planned age."""
    chips = [str(chip).strip().upper() for chip in chips]
    if len(chips) != 3 or len(set(chips)) != 3 or not all(chips):
        raise errors.ValidationFailed(THREE_CHIPS, code="three_chips")
    if lab.kind != Enterprise.Kind.TESTING:
        raise errors.ValidationFailed(LAB_NOT_TESTING, code="lab_not_testing", name=lab.name)
    sampled_at = data.get("sampled_at") or timezone.now()
    if not Registration.objects.filter(
        person=witness, kind="supervision", status="valid", valid_until__gte=sampled_at.date()
    ).exists():
        raise errors.ValidationFailed(WITNESS_NOT_SUPERVISOR, code="witness_not_supervisor", person=witness.name)
    domain.parse_grade(str(data["grade"]))
    taken = Specimen.objects.filter(chip_id__in=chips).select_related("group").first()
    if taken is not None:
        raise errors.Conflict(CHIP_TAKEN, code="chip_taken", chip=taken.chip_id, group=taken.group.code)
    count = SpecimenGroup.objects.filter(bid_section=section).count() + 1
    group = SpecimenGroup(
        code=data.get("code") or f"{section.code}-S{count:04d}",
        bid_section=section,
        jurisdiction=section.jurisdiction,
        lab=lab,
        pour_location=data["pour_location"],
        grade=str(data["grade"]).upper(),
        mix_code=data.get("mix_code", "M1"),
        size_mm=int(data.get("size_mm", 150)),
        planned_age_days=int(data.get("planned_age_days", 28)),
        sampled_at=sampled_at,
        witness=witness,
    )
    group.full_clean()
    group.save()
    Specimen.objects.bulk_create([Specimen(group=group, chip_id=chip, position=i) for i, chip in enumerate(chips, 1)])
    ledger_append(
        actor=actor,
        action="concrete.group.sampled",
        target=group,
        payload={"code": group.code, "chips": chips, "grade": group.grade, "witness": witness.pk, "lab": lab.uscc},
    )
    return group


@transaction.atomic
def group_receive(*, actor: Actor, group: SpecimenGroup, chips_read: list[str]) -> list[CustodyFlag]:
    """The lab reads the chips on receipt; chips that differ from those sampled are flagged."""
    group = SpecimenGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != SpecimenGroup.Status.SAMPLED:
        raise errors.Conflict(GROUP_NOT_SAMPLED, code="group_received", group=group.code)
    read = {str(chip).strip().upper() for chip in chips_read}
    sampled = set(group.specimens.values_list("chip_id", flat=True))
    group.specimens.filter(chip_id__in=read).update(received=True)
    group.status = SpecimenGroup.Status.RECEIVED
    group.received_at = timezone.now()
    group.save(update_fields=["status", "received_at"])
    ledger_append(actor=actor, action="concrete.group.received", target=group, payload={"chips_read": sorted(read)})
    flags = []
    if read != sampled:
        flags.append(
            _flag(
                CustodyFlag.Kind.CHIP_MISMATCH,
                group=group,
                sampled=sorted(sampled),
                read=sorted(read),
                missing=sorted(sampled - read),
                foreign=sorted(read - sampled),
            )
        )
    return flags


def cube_strength_tenths(load_kn: Decimal, size_mm: int) -> int:
    """f = F / A in 0.1 MPa, half up: kN × 1000 / mm² = MPa."""
    mpa = Decimal(load_kn) * 1000 / (size_mm * size_mm)
    return int((mpa * 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _rate_range(fcu_k: int) -> tuple[Decimal, Decimal]:
    for below, low, high in LOADING_RATES:
        if fcu_k < below:
            return low, high
    return LOADING_RATES[-1][1], LOADING_RATES[-1][2]


def _parse_reading(index: int, raw: dict[str, Any]) -> dict[str, Any]:
    def bad(reason: object) -> errors.ValidationFailed:
        return errors.ValidationFailed(READING_INVALID, code="reading_invalid", index=index, reason=reason)

    chip = str(raw.get("chip_id") or "").strip().upper()
    if not chip:
        raise bad(_("chip_id is required"))
    try:
        load = Decimal(str(raw.get("peak_load_kn")))
        rate = Decimal(str(raw.get("loading_rate")))
    except Exception:
        raise bad(_("peak_load_kn and loading_rate must be numbers")) from None
    if not (load.is_finite() and 0 < load < 10000) or not (rate.is_finite() and 0 < rate < 100):
        raise bad(_("peak_load_kn or loading_rate out of range"))
    try:
        tested_at = dt.datetime.fromisoformat(str(raw.get("tested_at")))
    except ValueError:
        raise bad(_("tested_at must be an ISO 8601 time with offset")) from None
    if tested_at.tzinfo is None:
        raise bad(_("tested_at must be an ISO 8601 time with offset"))
    reported = raw.get("reported_strength")
    try:
        reported_value = Decimal(str(reported)) if reported not in (None, "") else None
    except Exception:
        raise bad(_("reported_strength must be a number")) from None
    return {
        "chip_id": chip,
        "peak_load_kn": load,
        "loading_rate": rate,
        "tested_at": tested_at,
        "reported_strength": reported_value,
    }


def readings_ingest(*, device: Device, readings: list[dict[str, Any]]) -> dict[str, Any]:
    """Store a press's raw readings (each in its own transaction; re-sent ones are skipped), link
    each to its specimen, compute strengths, flag what does not fit, and complete groups."""
    stored = duplicates = 0
    refused: list[dict[str, Any]] = []
    for index, raw in enumerate(readings, start=1):
        try:
            values = _parse_reading(index, raw if isinstance(raw, dict) else {})
        except errors.ApplicationError as error:
            refused.append({"index": index, **error.as_dict()})
            continue
        try:
            with transaction.atomic():
                _reading_store(device=device, values=values, raw=raw)
            stored += 1
        except IntegrityError:
            duplicates += 1
    if stored:
        transaction.on_commit(_to_lake, robust=True)  # an unreachable queue must not fail the upload
    return {"stored": stored, "duplicates": duplicates, "refused": refused}


def _to_lake() -> None:
    """Once the readings are committed: on to the lake (a Huey task; they wait in the outbox)."""
    from jianguan.concrete.tasks import press_readings_to_lake

    press_readings_to_lake()


def _reading_store(*, device: Device, values: dict[str, Any], raw: dict[str, Any]) -> PressReading:
    reading = PressReading.objects.create(device=device, raw=raw, **values)
    specimen = Specimen.objects.select_related("group", "group__jurisdiction").filter(chip_id=values["chip_id"]).first()
    ledger_append(
        actor=device,
        action="concrete.press.reading",
        target=reading,
        payload={"chip": values["chip_id"], "load_kn": values["peak_load_kn"], "tested_at": values["tested_at"]},
    )
    if specimen is None:
        _flag(CustodyFlag.Kind.UNKNOWN_CHIP, device=device, chip=values["chip_id"], reading=reading.pk)
        return reading
    group = specimen.group
    fcu_k = domain.parse_grade(group.grade)
    strength = cube_strength_tenths(values["peak_load_kn"], group.size_mm)
    reading.specimen = specimen
    reading.save(update_fields=["specimen"])
    if not specimen.received:
        _flag(
            CustodyFlag.Kind.CHIP_MISMATCH,
            group=group,
            chip=specimen.chip_id,
            reading=reading.pk,
            note="not read at receipt",
        )
    age_hours = (values["tested_at"] - group.sampled_at).total_seconds() / 3600
    tolerance = AGE_TOLERANCE_HOURS.get(group.planned_age_days, 24)
    if abs(age_hours - group.planned_age_days * 24) > tolerance:
        _flag(
            CustodyFlag.Kind.AGE_WINDOW,
            group=group,
            chip=specimen.chip_id,
            age_hours=round(age_hours, 1),
            planned_days=group.planned_age_days,
            tolerance_hours=tolerance,
        )
    if values["reported_strength"] is not None and abs(int(values["reported_strength"] * 10) - strength) > 1:
        _flag(
            CustodyFlag.Kind.RESULT_MISMATCH,
            group=group,
            chip=specimen.chip_id,
            reported=str(values["reported_strength"]),
            computed=str(Decimal(strength) / 10),
            load_kn=str(values["peak_load_kn"]),
        )
    low, high = _rate_range(fcu_k)
    if not low <= values["loading_rate"] <= high:
        _flag(
            CustodyFlag.Kind.LOADING_RATE,
            group=group,
            chip=specimen.chip_id,
            rate=str(values["loading_rate"]),
            range=[str(low), str(high)],
        )
    previous = (
        PressReading.objects.filter(device=device, tested_at__lt=values["tested_at"]).order_by("-tested_at").first()
    )
    if previous is not None:
        needed = float(Decimal(strength) / 10 / values["loading_rate"])  # seconds of loading alone
        gap = (values["tested_at"] - previous.tested_at).total_seconds()
        if gap < needed:
            _flag(
                CustodyFlag.Kind.PRESS_TOO_FAST,
                group=group,
                device=device,
                chip=specimen.chip_id,
                previous_chip=previous.chip_id,
                gap_seconds=round(gap, 1),
                loading_seconds=round(needed, 1),
            )
    specimen.load_kn = values["peak_load_kn"]
    specimen.strength_tenths = strength
    specimen.tested_at = values["tested_at"]
    specimen.save(update_fields=["load_kn", "strength_tenths", "tested_at"])
    _group_complete(group)
    return reading


def _group_complete(group: SpecimenGroup) -> None:
    strengths = list(group.specimens.order_by("position").values_list("strength_tenths", flat=True))
    if len(strengths) != 3 or any(s is None for s in strengths):
        return
    f1, f2, f3 = (int(s or 0) / 10 for s in strengths)
    fcu_k = domain.parse_grade(group.grade)
    value = domain.group_value(domain.CubeGroup(group.code, f1, f2, f3, size_mm=group.size_mm), fcu_k=fcu_k)
    group.value_tenths = value.value
    group.rule = str(value.rule)
    group.status = SpecimenGroup.Status.TESTED
    group.save(update_fields=["value_tenths", "rule", "status"])
    ledger_append(
        actor="system:concrete",
        action="concrete.group.tested",
        target=group,
        payload={"cubes": list(value.cubes), "rule": str(value.rule), "value_tenths": value.value},
    )
    batch_evaluate(section=group.bid_section, grade=group.grade, mix_code=group.mix_code)


@transaction.atomic
def batch_evaluate(*, section: BidSection, grade: str, mix_code: str) -> BatchVerdict | None:
    """Evaluate the batch of the section's tested groups of one grade and mix; a failing batch is
    a ledger event the command centre turns into a warning for the quality station."""
    groups = list(
        SpecimenGroup.objects.filter(
            bid_section=section, grade=grade, mix_code=mix_code, status=SpecimenGroup.Status.TESTED
        ).prefetch_related("specimens")
    )
    if not groups:
        return None
    fcu_k = domain.parse_grade(grade)
    values = [
        domain.GroupValue(g.code, (0, 0, 0), domain.GroupRule(g.rule), g.value_tenths, 100, g.value_tenths)
        for g in groups
    ]
    batch_id = f"{section.code}-{grade}-{mix_code}"
    verdict = domain.judge(domain.batch_statistics(batch_id, fcu_k=fcu_k, values=values))
    record, _created = BatchVerdict.objects.update_or_create(
        batch_id=batch_id,
        defaults={
            "bid_section": section,
            "jurisdiction": section.jurisdiction,
            "grade": grade,
            "n_groups": len(groups),
            "method": str(verdict.method),
            "mean_tenths": verdict.stats.mean,
            "s_hundredths": verdict.stats.s,
            "min_tenths": verdict.stats.minimum,
            "passed": verdict.passed,
            "explanation_zh": verdict.explain("zh-hans"),
            "explanation_en": verdict.explain("en"),
            "evaluated_at": timezone.now(),
        },
    )
    ledger_append(
        actor="system:concrete",
        action="concrete.batch.passed" if verdict.passed else "concrete.batch.failed",
        target=record,
        payload={"batch": batch_id, "bid_section": section.pk, "n": len(groups), "method": str(verdict.method)},
    )
    return record
