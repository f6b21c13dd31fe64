"""The lake's jobs: exceedances, silent devices, attendance; warnings in the command centre; the
same answers on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from django.utils import timezone

from jianguan.command.models import Alert
from jianguan.core.models import Device, Jurisdiction
from jianguan.lake import jobs
from jianguan.lake.schemas import data_type
from jianguan.lake.store import write_batch
from tests.factories import DeviceFactory, JurisdictionFactory

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def place(db: None) -> Jurisdiction:
    return JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)


def _monitor(place: Jurisdiction, serial: str) -> Device:
    return DeviceFactory(
        serial=serial,
        kind=Device.Kind.DUST_NOISE_MONITOR,
        protocol=Device.Protocol.HJ212,
        jurisdiction=place,
        created_at=timezone.now() - dt.timedelta(days=30),
    )


def _dust(rows: list[tuple[str, dt.datetime, float | None, float | None, str | None]], batch: str) -> None:
    table = pa.table(
        {
            "device": [r[0] for r in rows],
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
            "cn": ["2051"] * len(rows),
            "pm10": pa.array([r[2] for r in rows], pa.float64()),
            "noise": pa.array([r[3] for r in rows], pa.float64()),
            "flags": pa.array([r[4] for r in rows], pa.string()),
            "site": [f"SITE-{r[0][-1]}" for r in rows],
        }
    )
    result = write_batch(data_type("dust_noise"), table, source="test", batch=batch)
    assert result.quarantined == 0


def _series(
    device: str,
    start: dt.datetime,
    pm10: list[float],
    noise: list[float] | None = None,
    flags: list[str | None] | None = None,
) -> list[tuple[str, dt.datetime, float | None, float | None, str | None]]:
    noise = noise or [50.0] * len(pm10)
    flags = flags or [None] * len(pm10)
    return [
        (device, start + dt.timedelta(minutes=i), p, n, f)
        for i, (p, n, f) in enumerate(zip(pm10, noise, flags, strict=True))
    ]


def _scenario() -> None:
    day = dt.datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING)
    night = dt.datetime(2026, 11, 20, 23, 0, tzinfo=BEIJING)
    rows = []
    # M1: 7 over (run), dip, 3 over (too short) -> one PM10 run of 7
    rows += _series("JGMON0000000000000001", day, [160, 170, 200, 155, 151, 190, 180, 100, 160, 160, 160])
    # M2: 6 over but one has a maintenance flag -> broken into 2 + 3 -> nothing; noise at night 60 dB > 55 x6 -> run
    rows += _series(
        "JGMON0000000000000002",
        day,
        [200, 200, 200, 200, 200, 200],
        flags=[None, None, "a34002=M;LA=N", None, None, None],
    )
    rows += _series("JGMON0000000000000002", night, [20] * 6, noise=[60, 61, 62, 63, 64, 65])
    # M3: 65 dB in the day (below 70) -> nothing
    rows += _series("JGMON0000000000000003", day, [20] * 8, noise=[65] * 8)
    _dust(rows, "scenario")


def test_exceedance_job_finds_runs_of_consecutive_readings(lake: Path, settings) -> None:
    settings.LAKE_EXCEEDANCE_READINGS = 6
    _scenario()
    frame = jobs.exceedance_frame("duckdb")
    got = [(r.device[-1], r.metric, r.readings, r.peak, r.limit) for r in frame.itertuples()]
    assert got == [("1", "pm10", 7, 200.0, 150.0), ("2", "noise", 6, 65.0, 55.0)]
    first = frame.iloc[0]
    assert first.started_at == pd.Timestamp("2026-11-20 02:00", tz="UTC")
    assert first.ended_at == pd.Timestamp("2026-11-20 02:06", tz="UTC")
    assert first.site == "SITE-1"


def test_exceedances_become_one_warning_each_and_rerunning_adds_nothing(
    lake: Path, place: Jurisdiction, settings
) -> None:
    settings.LAKE_EXCEEDANCE_READINGS = 6
    for i in (1, 2, 3):
        _monitor(place, f"JGMON000000000000000{i}")
    _scenario()
    first = jobs.run_exceedance("duckdb")
    assert (first.found, first.recorded) == (2, 2)
    again = jobs.run_exceedance("duckdb")
    assert (again.found, again.recorded) == (2, 0)
    alerts = Alert.objects.filter(source="lake").order_by("kind")
    assert [(a.kind, a.occurrences, a.department.code) for a in alerts] == [
        ("lake.dust_exceedance", 1, "safety"),
        ("lake.noise_exceedance", 1, "safety"),
    ]
    dust = alerts[0]
    assert dust.params["readings"] == 7
    assert dust.params["peak"] == 200
    assert dust.params["site"] == "SITE-1"
    assert dust.jurisdiction == place
    assert dust.evidence[0]["kind"] == "ledger"


def test_silent_devices(lake: Path, place: Jurisdiction) -> None:
    talking = _monitor(place, "JGMON0000000000000001")
    _monitor(place, "JGMON0000000000000002")  # never sent anything
    _monitor(place, "JGMON0000000000000003")  # sent long ago
    now = timezone.now()
    _dust(
        [
            (talking.serial, now - dt.timedelta(minutes=5), 10.0, 50.0, None),
            ("JGMON0000000000000003", now - dt.timedelta(hours=5), 10.0, 50.0, None),
        ],
        "recent",
    )
    result = jobs.run_silent("duckdb", now=now, hours=2)
    assert sorted(result.frame["device"]) == ["JGMON0000000000000002", "JGMON0000000000000003"]
    assert result.recorded == 2
    assert jobs.run_silent("duckdb", now=now, hours=2).recorded == 0
    assert Alert.objects.filter(kind="lake.device_silent").count() == 2


def _attendance() -> None:
    t0 = dt.datetime(2026, 11, 20, 7, 55, tzinfo=BEIJING)
    rows = [
        ("T1", t0, "p1", 0),
        ("T1", t0 + dt.timedelta(hours=9), "p1", 1),
        ("T1", t0 + dt.timedelta(minutes=3), "p2", 0),
        ("T1", t0 + dt.timedelta(days=1), "p1", 0),
        ("T2", t0 - dt.timedelta(hours=7, minutes=56), "p3", 0),
    ]
    table = pa.table(
        {
            "device": [r[0] for r in rows],
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
            "person": [r[2] for r in rows],
            "direction": [r[3] for r in rows],
            "site": ["S1"] * len(rows),
        }
    )
    write_batch(data_type("attendance"), table, source="test", batch="att")


def test_attendance_daily(lake: Path) -> None:
    _attendance()
    frame = jobs.attendance_frame("duckdb")
    got = [(r.date, r.device, r.person, r.checkins, r.ins, r.outs) for r in frame.itertuples()]
    # p3's check-in at 23:59 local on the 19th belongs to the 19th
    assert got == [
        ("2026-11-19", "T2", "p3", 1, 1, 0),
        ("2026-11-20", "T1", "p1", 2, 1, 1),
        ("2026-11-20", "T1", "p2", 1, 1, 0),
        ("2026-11-21", "T1", "p1", 1, 1, 0),
    ]


@pytest.mark.spark
def test_every_job_gives_the_same_answer_on_duckdb_and_spark(lake: Path, place: Jurisdiction, settings) -> None:
    settings.LAKE_EXCEEDANCE_READINGS = 6
    for i in (1, 2, 3):
        _monitor(place, f"JGMON000000000000000{i}")
    _scenario()
    _attendance()
    now = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    pairs = [
        (jobs.exceedance_frame("duckdb"), jobs.exceedance_frame("spark")),
        (jobs.silent_frame("duckdb", now=now, hours=2), jobs.silent_frame("spark", now=now, hours=2)),
        (jobs.attendance_frame("duckdb"), jobs.attendance_frame("spark")),
    ]
    for duck, spark in pairs:
        assert len(duck) > 0
        pd.testing.assert_frame_equal(duck, spark, check_dtype=False, check_exact=True)


def test_periodic_tasks_run(lake: Path, place: Jurisdiction, settings) -> None:
    from jianguan.core.ledger import ledger_append
    from jianguan.lake import tasks

    ledger_append(actor="system:test", action="lake.test.event", payload={"n": 1})
    tasks.lake_ledger_export.call_local()
    tasks.lake_ledger_export.call_local()
    events = jobs.open_table("ledger_events").to_pandas()
    assert list(events.action).count("lake.test.event") == 1
    assert not events.seq.duplicated().any()
    tasks.lake_exceedance.call_local()
    tasks.lake_silent_devices.call_local()
    tasks.lake_maintenance.call_local()
    settings.LAKE_DROP_DIR = str(lake.parent / "drop")
    (lake.parent / "drop").mkdir()
    (lake.parent / "drop" / "attendance-1.jsonl").write_text('{"device":"X","ts":"2026-11-20 08:00:00","person":"p"}\n')
    tasks.lake_drop_folder.call_local()
    assert list((lake.parent / "drop" / "done").rglob("attendance-1.jsonl"))


def test_cli_runs_a_job(lake: Path, place: Jurisdiction, settings, tmp_path: Path) -> None:
    import io
    import json

    from django.core.management import call_command

    settings.LAKE_EXCEEDANCE_READINGS = 6
    for i in (1, 2, 3):
        _monitor(place, f"JGMON000000000000000{i}")
    _scenario()
    out = io.StringIO()
    call_command(
        "lake",
        "run",
        "exceedance",
        "--engine",
        "duckdb",
        "--out",
        str(tmp_path / "x.csv"),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert json.loads(out.getvalue()) == {"job": "exceedance", "found": 2, "recorded": 2}
    assert len(pd.read_csv(tmp_path / "x.csv")) == 2
