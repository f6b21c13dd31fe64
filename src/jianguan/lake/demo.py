"""The lake's part of the demo city: monitors, cranes and hoists on demo sites, some days of their
data written through the same validation as real traffic, with anomalies planted (a dust episode,
noise at night, a monitor that went silent, a few bad records in quarantine), then the jobs run so
the command centre shows the warnings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from jianguan.core.demo import DEMO_MONITOR_MN, DEMO_TERMINAL_SN
from jianguan.core.demo_framework import DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Device, Jurisdiction
from jianguan.lake.schemas import data_type
from jianguan.lake.store import write_batch

DEMO_ACTOR = "system:demo"
# per scale: (days of data, dust monitors, cranes, hoists, people at the demo terminal)
SIZES = {"tiny": (3, 3, 1, 1, 20), "city": (7, 40, 10, 5, 120), "province": (7, 120, 30, 15, 300)}
SILENT_MN = "JGDEMO0000000000000003"


def _devices(ctx: DemoContext, monitors: int, cranes: int, hoists: int) -> dict[str, list[Device]]:
    districts = list(Jurisdiction.objects.filter(parent__isnull=False).order_by("code"))
    rng = ctx.rng("lake.devices")
    wanted: list[Device] = []
    for i in range(2, monitors + 1):
        wanted.append(
            Device(
                serial=f"JGDEMO{i:016d}",
                kind=Device.Kind.DUST_NOISE_MONITOR,
                protocol=Device.Protocol.HJ212,
                name=f"扬尘噪声监测仪 {i:03d}",
                jurisdiction=districts[i % len(districts)],
                secret=f"{rng.randrange(10**6):06d}",
            )
        )
    for kind, prefix, label, count in (
        (Device.Kind.CRANE_MONITOR, "JGDEMOTC", "塔吊监测仪", cranes),
        (Device.Kind.HOIST_MONITOR, "JGDEMOHS", "升降机监测仪", hoists),
    ):
        for i in range(1, count + 1):
            wanted.append(
                Device(
                    serial=f"{prefix}{i:04d}",
                    kind=kind,
                    protocol=Device.Protocol.MQTT,
                    name=f"{label} {i:03d}",
                    jurisdiction=districts[i % len(districts)],
                    secret=f"{rng.getrandbits(128):032x}",
                )
            )
    existing = set(Device.objects.values_list("serial", flat=True))
    fresh = [d for d in wanted if d.serial not in existing]
    for device in fresh:
        device.created_at = ctx.now() - dt.timedelta(days=60)
    created = Device.objects.bulk_create(fresh)
    if created:
        ledger_append_many(
            actor=DEMO_ACTOR,
            occurred_at=ctx.now(),
            events=[
                Event(
                    "core.device.registered",
                    "core.device",
                    str(d.pk),
                    {
                        "serial": d.serial,
                        "kind": d.kind,
                        "protocol": d.protocol,
                        "name": d.name,
                        "jurisdiction": d.jurisdiction.code,
                    },
                )
                for d in created
            ],
        )
    Device.objects.filter(serial__in=[DEMO_MONITOR_MN, DEMO_TERMINAL_SN]).update(
        created_at=ctx.now() - dt.timedelta(days=60)
    )
    out: dict[str, list[Device]] = {}
    for device in Device.objects.filter(serial__startswith="JGDEMO").order_by("serial"):
        out.setdefault(device.kind, []).append(device)
    return out


def _minutes(start: dt.datetime, count: int) -> np.ndarray:
    base = np.datetime64(start.astimezone(dt.UTC).replace(tzinfo=None), "us")
    return base + np.arange(count, dtype="int64") * np.int64(60_000_000)


def _site(device: Device) -> str:
    return f"SITE-{device.serial[-4:]}"


def _dust(ctx: DemoContext, monitors: list[Device], days: int) -> pa.Table:
    rng = np.random.default_rng(ctx.seed)
    end = ctx.now()
    start = end - dt.timedelta(days=days)
    n = days * 1440
    times = _minutes(start, n)
    local_hours = (np.arange(n) // 60 + start.hour) % 24
    parts = []
    for index, device in enumerate(monitors):
        count = n
        if device.serial == SILENT_MN:
            count = n - 6 * 60  # stopped six hours ago
        daily = 55 + 25 * np.sin((local_hours[:count] - 9) / 24 * 2 * np.pi)
        pm10 = np.clip(daily + rng.normal(0, 12, count) + index % 7 * 4, 5, None).round(1)
        noise = np.where((local_hours[:count] >= 7) & (local_hours[:count] < 19), 62.0, 47.0) + rng.normal(
            0, 2.5, count
        )
        if index == 0:  # the demo monitor: a dust episode this afternoon (PM10 above 150 for 12 minutes)
            at = count - 4 * 60
            pm10[at : at + 12] = rng.uniform(170, 260, 12).round(1)
        if index == 1:  # night work: noise above 55 dB(A) for 10 minutes last night
            at = count - 19 * 60  # 23:00 yesterday
            noise[at : at + 10] = rng.uniform(60, 68, 10)
        parts.append(
            pa.table(
                {
                    "device": pa.array([device.serial] * count, pa.string()),
                    "ts": pa.array(times[:count], pa.timestamp("us", tz="UTC")),
                    "cn": pa.array(["2051"] * count, pa.string()),
                    "tsp": pa.array((pm10 * 1.6).round(1)),
                    "pm10": pa.array(pm10),
                    "pm25": pa.array((pm10 * 0.55).round(1)),
                    "noise": pa.array(noise.round(1)),
                    "temperature": pa.array((14 + rng.normal(0, 1, count)).round(1)),
                    "humidity": pa.array(np.clip(60 + rng.normal(0, 5, count), 0, 100).round(1)),
                    "wind_speed": pa.array(np.abs(rng.normal(2, 1, count)).round(1)),
                    "wind_direction": pa.array(rng.uniform(0, 359, count).round(0)),
                    "flags": pa.array(["a34002=N;LA=N"] * count, pa.string()),
                    "site": pa.array([_site(device)] * count, pa.string()),
                }
            )
        )
    return pa.concat_tables(parts)


def _cranes(ctx: DemoContext, cranes: list[Device], days: int) -> pa.Table:
    rng = np.random.default_rng(ctx.seed + 1)
    parts = []
    for device in cranes:
        for day in range(days):
            start = (ctx.now() - dt.timedelta(days=day)).replace(hour=7, minute=0, second=0, microsecond=0)
            count = 600  # 07:00–17:00, every minute
            load = np.clip(rng.gamma(2, 1.2, count), 0, 8).round(2)
            parts.append(
                pa.table(
                    {
                        "device": pa.array([device.serial] * count, pa.string()),
                        "ts": pa.array(_minutes(start, count), pa.timestamp("us", tz="UTC")),
                        "load_t": pa.array(load),
                        "safe_load_t": pa.array(np.full(count, 8.0)),
                        "moment_pct": pa.array((load / 8 * 100 * rng.uniform(0.6, 1.0, count)).round(1)),
                        "amplitude_m": pa.array(rng.uniform(3, 55, count).round(1)),
                        "rotation_deg": pa.array(rng.uniform(-180, 180, count).round(1)),
                        "height_m": pa.array(rng.uniform(5, 80, count).round(1)),
                        "wind_speed": pa.array(np.abs(rng.normal(3, 1.5, count)).round(1)),
                        "warning": pa.array(np.zeros(count, dtype="int64")),
                        "site": pa.array([_site(device)] * count, pa.string()),
                    }
                )
            )
    return pa.concat_tables(parts)


def _hoists(ctx: DemoContext, hoists: list[Device], days: int) -> pa.Table:
    rng = np.random.default_rng(ctx.seed + 3)
    parts = []
    for device in hoists:
        for day in range(days):
            start = (ctx.now() - dt.timedelta(days=day)).replace(hour=7, minute=0, second=0, microsecond=0)
            count = 600
            floor = rng.integers(1, 30, count)
            parts.append(
                pa.table(
                    {
                        "device": pa.array([device.serial] * count, pa.string()),
                        "ts": pa.array(_minutes(start, count), pa.timestamp("us", tz="UTC")),
                        "load_kg": pa.array(rng.uniform(0, 1800, count).round(0)),
                        "rated_load_kg": pa.array(np.full(count, 2000.0)),
                        "height_m": pa.array((floor * 3.0).astype("float64")),
                        "speed_m_s": pa.array(rng.uniform(-1, 1, count).round(2)),
                        "floor": pa.array(floor.astype("int64")),
                        "people": pa.array(rng.integers(0, 12, count).astype("int64")),
                        "door_open": pa.array(rng.random(count) < 0.2),
                        "warning": pa.array(np.zeros(count, dtype="int64")),
                        "site": pa.array([_site(device)] * count, pa.string()),
                    }
                )
            )
    return pa.concat_tables(parts)


def _attendance(ctx: DemoContext, people: int, days: int) -> pa.Table:
    rng = np.random.default_rng(ctx.seed + 2)
    devices, times, persons, directions = [], [], [], []
    for day in range(days):
        base = ctx.now().replace(hour=7, minute=30, second=0, microsecond=0) - dt.timedelta(days=day)
        for person in range(people):
            if rng.random() < 0.1:
                continue
            arrive = base + dt.timedelta(seconds=int(rng.integers(0, 3600)))
            # leaving between 16:30 and 17:59, before the demo's "now" (18:00)
            leave = base + dt.timedelta(hours=9, seconds=int(rng.integers(0, 5400)))
            for when, direction in ((arrive, 0), (leave, 1)):
                devices.append(DEMO_TERMINAL_SN)
                times.append(when)
                persons.append(f"{1000 + person}")
                directions.append(direction)
    return pa.table(
        {
            "device": pa.array(devices, pa.string()),
            "ts": pa.array(times, pa.timestamp("us", tz="UTC")),
            "person": pa.array(persons, pa.string()),
            "direction": pa.array(directions, pa.int64()),
            "site": pa.array(["SITE-0001"] * len(devices), pa.string()),
        }
    )


def build(ctx: DemoContext) -> None:
    from jianguan.lake.jobs import run_exceedance, run_silent

    days, monitors, cranes, hoists, people = SIZES.get(ctx.scale.name, SIZES["tiny"])
    devices = _devices(ctx, monitors, cranes, hoists)
    stamp = f"demo:{ctx.seed}:{ctx.today.isoformat()}"
    serials = frozenset(Device.objects.values_list("serial", flat=True))
    work = [
        ("dust_noise", lambda: _dust(ctx, devices.get(Device.Kind.DUST_NOISE_MONITOR, []), days)),
        ("tower_crane", lambda: _cranes(ctx, devices.get(Device.Kind.CRANE_MONITOR, []), days)),
        ("hoist", lambda: _hoists(ctx, devices.get(Device.Kind.HOIST_MONITOR, []), days)),
        ("attendance", lambda: _attendance(ctx, people, days)),
    ]
    for name, make in ctx.progress(work, desc="lake"):
        write_batch(data_type(name), make(), source="demo", batch=f"{stamp}:{name}", devices=serials)
    # a few records a real lake would refuse, so the quarantine is not empty
    bad = pa.table(
        {
            "device": [DEMO_MONITOR_MN, DEMO_MONITOR_MN, "JGUNKNOWN0001"],
            "ts": [
                "2026-13-01 08:00:00",
                ctx.now().strftime("%Y-%m-%d %H:%M:%S"),
                ctx.now().strftime("%Y-%m-%d %H:%M:%S"),
            ],
            "cn": ["2051", "2051", "2051"],
            "pm10": ["50", "99999", "40"],
        }
    )
    write_batch(data_type("dust_noise"), bad, source="http", batch=f"{stamp}:bad", devices=serials)
    run_exceedance("duckdb", since=ctx.now() - dt.timedelta(days=days + 1))
    run_silent("duckdb", now=ctx.now())


STEPS = [DemoStep("lake.sensors", build, after=("core.city",))]
