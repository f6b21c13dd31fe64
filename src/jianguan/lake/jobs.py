"""The lake's analytics jobs, written once as Ibis expressions and run by DuckDB or Spark.

- ``exceedances``: per monitor, runs of at least N consecutive readings above the limit (PM10 above
  the local limit; noise above the day or night limit of GB 12523-2011, night 22:00–06:00 local),
  counting only readings whose data flag is N (normal) or absent;
- ``silent_devices``: registered, active devices that have sent nothing since a cut-off;
- ``attendance_daily``: per local day, terminal, site and person: first and last check-in, count,
  ins and outs — what the attendance module's duty rules read.

``run_*`` functions execute a job on an engine and record what it found (``detection_record``),
which the command centre turns into warnings; re-running over the same data records nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd
from django.conf import settings
from django.utils import timezone

from jianguan.lake import engines
from jianguan.lake.store import open_table, table_uri

PM10_CODE, NOISE_CODE = "a34002", "LA"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def pm10_limit() -> float:
    return float(_setting("LAKE_PM10_LIMIT", 150.0))  # µg/m³, the local limit (configurable)


def noise_limits() -> tuple[float, float]:
    return float(_setting("LAKE_NOISE_DAY_LIMIT", 70.0)), float(_setting("LAKE_NOISE_NIGHT_LIMIT", 55.0))


def consecutive_readings() -> int:
    return int(_setting("LAKE_EXCEEDANCE_READINGS", 6))


def utc_offset_seconds() -> int:
    offset = dt.datetime.now(ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _flag_ok(t: ibis.Table, code: str) -> ibis.BooleanValue:
    return t.flags.isnull() | ~t.flags.contains(f"{code}=") | t.flags.contains(f"{code}=N")


def exceedances(
    t: ibis.Table,
    *,
    metric: str,
    day_limit: float,
    night_limit: float | None = None,
    readings: int,
    cn: str = "2051",
    offset_seconds: int = 8 * 3600,
) -> ibis.Table:
    """Runs of ``readings`` or more consecutive readings of ``metric`` above its limit, per device."""
    code = PM10_CODE if metric == "pm10" else NOISE_CODE
    data = t.filter((t.cn == cn) & t[metric].notnull() & _flag_ok(t, code))
    if night_limit is None:
        limit = ibis.literal(day_limit, type="float64")
    else:
        hour = ((data.ts.epoch_seconds() + offset_seconds) // 3600) % 24
        night = (hour >= 22) | (hour < 6)
        limit = ibis.ifelse(night, ibis.literal(night_limit, type="float64"), ibis.literal(day_limit, type="float64"))
    marked = data.mutate(limit_=limit).mutate(over=lambda x: x[metric] > x.limit_)
    numbered = marked.mutate(
        rn_all=ibis.row_number().over(group_by=[marked.device], order_by=[marked.ts]),
        rn_grp=ibis.row_number().over(group_by=[marked.device, marked.over], order_by=[marked.ts]),
    )
    runs = (
        numbered.filter(numbered.over)
        .mutate(run=numbered.rn_all - numbered.rn_grp)
        .group_by(["device", "run"])
        .aggregate(
            site=lambda x: x.site.max(),
            started_at=lambda x: x.ts.min(),
            ended_at=lambda x: x.ts.max(),
            readings=lambda x: x.count(),
            peak=lambda x: x[metric].max(),
            limit=lambda x: x.limit_.min(),
        )
    )
    return (
        runs.filter(runs.readings >= readings)
        .mutate(metric=ibis.literal(metric))
        .select("device", "site", "metric", "started_at", "ended_at", "readings", "peak", "limit")
    )


def last_seen(t: ibis.Table) -> ibis.Table:
    return t.group_by("device").aggregate(last_seen=t.ts.max(), readings=t.count())


def silent_devices(seen: ibis.Table, registry: ibis.Table, *, cutoff: dt.datetime) -> ibis.Table:
    """Registered devices (``serial``, ``data_type``) silent since ``cutoff`` (or never heard from)."""
    joined = registry.left_join(seen, registry.serial == seen.device)
    stamp = ibis.literal(cutoff.astimezone(dt.UTC), type="timestamp('UTC')")
    return joined.filter(joined.last_seen.isnull() | (joined.last_seen < stamp)).select(
        device=joined.serial, data_type=joined.data_type, last_seen=joined.last_seen
    )


def attendance_daily(t: ibis.Table) -> ibis.Table:
    """Per local day (the ``date`` partition), terminal, site and person."""
    return t.group_by(["date", "device", "site", "person"]).aggregate(
        first_at=t.ts.min(),
        last_at=t.ts.max(),
        checkins=t.count(),
        ins=(t.direction == 0).cast("int64").sum(),
        outs=(t.direction == 1).cast("int64").sum(),
    )


# --- running on an engine ----------------------------------------------------------------------


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine-independent pandas: timestamps as UTC, integers as int64, floats as float64."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = pd.to_datetime(col, utc=True) if col.dt.tz is None else col.dt.tz_convert("UTC")
            out[name] = out[name].astype("datetime64[us, UTC]")
        elif pd.api.types.is_integer_dtype(col):
            out[name] = col.astype("int64")
        elif pd.api.types.is_float_dtype(col):
            out[name] = col.astype("float64")
    return out


def _read(backend: Any, name: str) -> ibis.Table | None:
    table = open_table(name)
    if table is None or not table.file_uris():
        return None
    return engines.read_delta(backend, table_uri(name))


def exceedance_frame(engine: str | None = None, *, since: dt.datetime | None = None) -> pd.DataFrame:
    backend = engines.connect(engine)
    t = _read(backend, "dust_noise")
    columns = ["device", "site", "metric", "started_at", "ended_at", "readings", "peak", "limit"]
    if t is None:
        return pd.DataFrame(columns=columns)
    if since is not None:
        t = t.filter(t.ts >= ibis.literal(since.astimezone(dt.UTC), type="timestamp('UTC')"))
    n = consecutive_readings()
    day, night = noise_limits()
    offset = utc_offset_seconds()
    expr = exceedances(t, metric="pm10", day_limit=pm10_limit(), readings=n, offset_seconds=offset).union(
        exceedances(t, metric="noise", day_limit=day, night_limit=night, readings=n, offset_seconds=offset)
    )
    frame = normalise(backend.execute(expr))
    return engines.same_result_columns(frame, ["device", "metric", "started_at"])


SILENT_HOURS = {"dust_noise": 2.0, "tower_crane": 24.0, "hoist": 24.0, "attendance": 48.0, "concrete_press": 168.0}


def silent_hours(name: str) -> float:
    configured = _setting("LAKE_SILENT_HOURS", {})
    return float(configured.get(name, SILENT_HOURS.get(name, 24.0)))


def silent_frame(
    engine: str | None = None, *, now: dt.datetime | None = None, hours: float | None = None
) -> pd.DataFrame:
    """Devices silent for longer than their type allows (monitors 2 h, cranes and hoists 24 h,
    attendance terminals 48 h, presses a week; ``LAKE_SILENT_HOURS`` overrides; ``hours`` for all)."""
    from jianguan.core.models import Device
    from jianguan.lake.schemas import DEVICE_KIND_TYPES

    moment = now or timezone.now()
    registered = list(
        Device.objects.filter(status=Device.Status.ACTIVE, kind__in=list(DEVICE_KIND_TYPES)).values_list(
            "serial", "kind", "created_at"
        )
    )
    columns = ["device", "data_type", "last_seen"]
    if not registered:
        return pd.DataFrame(columns=columns)
    backend = engines.connect(engine)
    frames = []
    for name in sorted({DEVICE_KIND_TYPES[kind] for _serial, kind, _created in registered}):
        cutoff = moment - dt.timedelta(hours=hours if hours is not None else silent_hours(name))
        rows = [
            {"serial": serial, "data_type": name}
            for serial, kind, created in registered
            if DEVICE_KIND_TYPES[kind] == name and created < cutoff
        ]
        if not rows:
            continue
        t = _read(backend, name)
        if t is None:
            seen = ibis.memtable(
                pd.DataFrame(
                    {
                        "device": pd.Series([], dtype="str"),
                        "last_seen": pd.Series([], dtype="datetime64[us, UTC]"),
                        "readings": pd.Series([], dtype="int64"),
                    }
                )
            )
        else:
            seen = last_seen(t)
        registry = ibis.memtable(pd.DataFrame(rows))
        frames.append(normalise(backend.execute(silent_devices(seen, registry, cutoff=cutoff))))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return engines.same_result_columns(frame, ["device"])


def attendance_frame(engine: str | None = None) -> pd.DataFrame:
    backend = engines.connect(engine)
    t = _read(backend, "attendance")
    if t is None:
        return pd.DataFrame(
            columns=["date", "device", "site", "person", "first_at", "last_at", "checkins", "ins", "outs"]
        )
    frame = normalise(backend.execute(attendance_daily(t)))
    return engines.same_result_columns(frame, ["date", "device", "person"])


@dataclass
class JobResult:
    job: str
    found: int
    recorded: int
    frame: pd.DataFrame


def run_exceedance(engine: str | None = None, *, since: dt.datetime | None = None) -> JobResult:
    from jianguan.core.models import Device
    from jianguan.lake.models import Detection
    from jianguan.lake.services import detection_record

    frame = exceedance_frame(engine, since=since)
    devices = {d.serial: d for d in Device.objects.filter(serial__in=set(frame["device"]))}
    recorded = 0
    row: dict[Any, Any]
    for row in frame.to_dict("records"):
        device = devices.get(row["device"])
        if device is None:
            continue
        kind = Detection.Kind.DUST_EXCEEDANCE if row["metric"] == "pm10" else Detection.Kind.NOISE_EXCEEDANCE
        start = row["started_at"].to_pydatetime()
        _detection, new = detection_record(
            kind=kind,
            device=device,
            started_at=start,
            ended_at=row["ended_at"].to_pydatetime(),
            site=row["site"] or "",
            params={
                "metric": "PM10" if row["metric"] == "pm10" else "LA",
                "limit": _num(row["limit"]),
                "peak": _num(row["peak"]),
                "readings": int(row["readings"]),
                "start": timezone.localtime(start).strftime("%Y-%m-%d %H:%M"),
            },
        )
        recorded += int(new)
    return JobResult("exceedance", len(frame), recorded, frame)


def run_silent(engine: str | None = None, *, now: dt.datetime | None = None, hours: float | None = None) -> JobResult:
    from jianguan.core.models import Device
    from jianguan.lake.models import Detection
    from jianguan.lake.services import detection_record

    moment = now or timezone.now()
    frame = silent_frame(engine, now=moment, hours=hours)
    devices = {d.serial: d for d in Device.objects.filter(serial__in=set(frame["device"]))}
    recorded = 0
    row: dict[Any, Any]
    for row in frame.to_dict("records"):
        device = devices[row["device"]]
        seen = None if pd.isna(row["last_seen"]) else row["last_seen"].to_pydatetime()
        since = seen or device.created_at
        _detection, new = detection_record(
            kind=Detection.Kind.SILENT_DEVICE,
            device=device,
            started_at=since,
            params={
                "last_seen": timezone.localtime(since).strftime("%Y-%m-%d %H:%M") if seen else "—",
                "hours": round((moment - since).total_seconds() / 3600, 1),
                "data_type": row["data_type"],
            },
        )
        recorded += int(new)
    return JobResult("silent", len(frame), recorded, frame)


def run_attendance(engine: str | None = None) -> JobResult:
    frame = attendance_frame(engine)
    return JobResult("attendance", len(frame), 0, frame)


def run_maintenance(engine: str | None = None) -> JobResult:
    from jianguan.lake.store import maintain_all

    results = maintain_all()
    frame = pd.DataFrame([r.__dict__ for r in results])
    return JobResult("maintain", len(results), 0, frame)


def run_ledger_export(engine: str | None = None) -> JobResult:
    from jianguan.lake.export import export_ledger

    written = export_ledger()
    return JobResult("ledger-export", written, written, pd.DataFrame({"written": [written]}))


def _num(value: Any) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else round(number, 2)


JOBS: dict[str, Callable[..., JobResult]] = {
    "exceedance": run_exceedance,
    "silent": run_silent,
    "attendance": run_attendance,
    "maintain": run_maintenance,
    "ledger-export": run_ledger_export,
}
