"""Job: the forgery signals (:mod:`jianguan.concrete.signals`) over the city's own records — the
tested specimen groups, their cubes' strengths (computed from the press loads), the press that
crushed them, when they were tested and when the readings arrived — with the registry of presses
(``LabPress``). Each lead is kept as a ``ForgeryLead`` with its evidence rows; a new one is a ledger
event, which ``concrete/handlers.py`` turns into a warning for the quality station."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from jianguan.concrete.models import ForgeryLead, LabPress, PressReading, Specimen, SpecimenGroup
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Device, Jurisdiction
from jianguan.registry.models import Enterprise

EVIDENCE_KEPT = 300  # rows stored with a lead (all are counted)


@dataclass
class LeadsRun:
    groups: int
    leads: list[ForgeryLead] = field(default_factory=list)
    new: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def groups_table() -> pa.Table:
    """One row per tested group with three strengths: the columns ``concrete signals`` reads."""
    groups = {
        row["pk"]: row
        for row in SpecimenGroup.objects.filter(status=SpecimenGroup.Status.TESTED).values(
            "pk", "code", "grade", "mix_code", "size_mm", "bid_section__code", "lab__uscc"
        )
    }
    cubes: dict[int, list[Any]] = {}
    for group_id, _position, tenths, tested in (
        Specimen.objects.filter(group__status=SpecimenGroup.Status.TESTED, strength_tenths__isnull=False)
        .order_by("group_id", "position")
        .values_list("group_id", "position", "strength_tenths", "tested_at")
    ):
        cubes.setdefault(group_id, []).append((tenths, tested))
    arrivals: dict[int, tuple[str, dt.datetime]] = {}
    for group_id, serial, received in (
        PressReading.objects.filter(specimen__group__status=SpecimenGroup.Status.TESTED)
        .order_by("specimen__group_id", "received_at", "pk")
        .values_list("specimen__group_id", "device__serial", "received_at")
    ):
        arrivals.setdefault(group_id, (serial, received))
    rows: dict[str, list[Any]] = {
        name: []
        for name in (
            "batch_id",
            "grade",
            "group_id",
            "size_mm",
            "f1",
            "f2",
            "f3",
            "lab_id",
            "press_serial",
            "tested_at",
            "uploaded_at",
        )
    }
    for pk, group in groups.items():
        three = cubes.get(pk, [])
        if len(three) != 3 or pk not in arrivals:
            continue
        serial, received = arrivals[pk]
        values = [
            ("batch_id", f"{group['bid_section__code']}-{group['grade']}-{group['mix_code']}"),
            ("grade", group["grade"]),
            ("group_id", group["code"]),
            ("size_mm", group["size_mm"]),
            ("f1", three[0][0] / 10),
            ("f2", three[1][0] / 10),
            ("f3", three[2][0] / 10),
            ("lab_id", group["lab__uscc"]),
            ("press_serial", serial),
            ("tested_at", min(t for _, t in three if t is not None) if any(t for _, t in three) else None),
            ("uploaded_at", received),
        ]
        for name, value in values:
            rows[name].append(value)
    stamp = pa.timestamp("us", tz="UTC")
    types = {"size_mm": pa.int64(), "f1": pa.float64(), "f2": pa.float64(), "f3": pa.float64()}
    return pa.table(
        {
            name: pa.array(values, types.get(name, stamp if name.endswith("_at") else pa.string()))
            for name, values in rows.items()
        }
    )


def press_owners() -> dict[str, str]:
    return dict(LabPress.objects.values_list("device__serial", "lab__uscc"))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def forgery_leads_run(*, engine: str | None = None, actor: str = "system:concrete") -> LeadsRun:
    """Run the six signals over the database's groups and keep the leads (updated in place)."""
    from jianguan.concrete.signals import find_signals_in

    started = time.perf_counter()
    table = groups_table()
    run = LeadsRun(groups=table.num_rows)
    run.seconds["export"] = time.perf_counter() - started
    if table.num_rows == 0:
        return run
    owners = press_owners()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "groups.parquet"
        pq.write_table(table, path)
        started = time.perf_counter()
        found = find_signals_in(path, languages=["zh-hans", "en"], engine=engine, press_owners=owners)
        chinese, english = found["zh-hans"], found["en"]
        run.seconds["signals"] = time.perf_counter() - started
    started = time.perf_counter()
    run.leads, run.new = _store(chinese, english, actor=actor)
    run.seconds["store"] = time.perf_counter() - started
    return run


@transaction.atomic
def _store(chinese: Any, english: Any, *, actor: str) -> tuple[list[ForgeryLead], int]:
    now = timezone.now()
    labs = {lab.uscc: lab for lab in Enterprise.objects.filter(kind=Enterprise.Kind.TESTING)}
    presses = {d.serial: d for d in Device.objects.filter(kind=Device.Kind.LAB_PRESS)}
    city = Jurisdiction.objects.filter(parent__isnull=True).order_by("code").first()
    english_summary = dict(zip(english.leads["lead_id"], english.leads["summary"], strict=True))
    english_detail = english.evidence.groupby("lead_id")["detail"].apply(list).to_dict()
    kept, events = [], []
    for lead in chinese.leads.to_dict("records"):
        named = [labs[uscc] for uscc in str(lead["lab_id"]).split("+") if uscc in labs]
        lab = named[0] if len(named) == 1 and "+" not in str(lead["lab_id"]) else None
        press = presses.get(str(lead["press_serial"] or ""))
        rows = chinese.evidence[chinese.evidence["lead_id"] == lead["lead_id"]]
        details_en = english_detail.get(lead["lead_id"], [])
        evidence = []
        for index, row in enumerate(rows.head(EVIDENCE_KEPT).to_dict("records")):
            item = {key: _clean(value) for key, value in row.items() if key not in {"lead_id", "signal"}}
            item["detail_en"] = details_en[index] if index < len(details_en) else ""
            evidence.append(item)
        jurisdiction = lab or (named[0] if named else None) or press
        values = {
            "signal": lead["signal"],
            "lab": lab,
            "labs": str(lead["lab_id"])[:255],
            "press": press,
            "jurisdiction": jurisdiction.jurisdiction if jurisdiction is not None else city,
            "examined": _clean(lead["examined"]),
            "observed": _clean(lead["observed"]),
            "expected": _clean(lead["expected"]),
            "p_value": _clean(lead["p_value"]),
            "summary_zh": lead["summary"],
            "summary_en": english_summary.get(lead["lead_id"], lead["summary"]),
            "evidence": evidence,
            "evidence_rows": int(lead["evidence_rows"]),
            "last_found_at": now,
            "active": True,
        }
        record, created = ForgeryLead.objects.update_or_create(lead_id=lead["lead_id"], defaults=values)
        kept.append(record)
        if created:
            events.append(
                Event.about(
                    record,
                    "concrete.forgery.lead_found",
                    {
                        "lead": record.lead_id,
                        "signal": record.signal,
                        "labs": record.labs,
                        "summary": record.summary_zh,
                    },
                )
            )
    ForgeryLead.objects.filter(active=True).exclude(pk__in=[lead.pk for lead in kept]).update(active=False)
    if events:
        ledger_append_many(actor=actor, events=events)
    return kept, len(events)
