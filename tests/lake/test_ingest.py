"""Files into the lake: formats, validation, quarantine, duplicates, idempotent reruns, the drop
folder, the CLI, and a crash in the middle of a batch."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable
from django.core.management import call_command
from django.core.management.base import CommandError

from jianguan.lake.ingest import IngestError, ingest_file
from jianguan.lake.schemas import DATA_TYPES, data_type
from jianguan.lake.store import ensure_table, maintain, table_uri

BEIJING = dt.timezone(dt.timedelta(hours=8))
ROOT = Path(__file__).resolve().parents[2]


def _rows(name: str) -> pd.DataFrame:
    return DeltaTable(table_uri(name)).to_pandas()


def test_every_data_type_has_a_table_partitioned_by_date_and_source(lake: Path) -> None:
    for name in [*DATA_TYPES, "quarantine"]:
        table = ensure_table(name)
        assert table.metadata().partition_columns == ["date", "source"]
    assert DeltaTable(table_uri("ledger_events")).metadata().configuration["delta.logRetentionDuration"]


CSV = """device,ts,cn,pm10,noise,temperature
M1,2026-11-20 08:00:00,2051,80,60,12.5
M1,2026-11-20 08:01:00,2051,81,61,12.5
M1,2026-11-20 08:01:00,2051,81,61,12.5
M1,2026-11-20 08:02:00,2051,abc,61,12.5
M1,2026-11-20 08:03:00,2051,90,200,12.5
M2,2026-11-20 08:03:00,2051,90,60,12.5
,2026-11-20 08:04:00,2051,90,60,12.5
M1,2026-11-20 08:05:00,2099,90,60,12.5
M1,2026-11-20 08:06:00,2051,90,60
"""


def test_csv_batch_keeps_the_good_records_and_quarantines_the_rest_with_reasons(lake: Path) -> None:
    path = lake.parent / "dust_noise-a.csv"
    path.write_text(CSV, encoding="utf-8")
    summary = ingest_file(path, devices=frozenset({"M1"})).as_dict()
    assert (summary["received"], summary["written"], summary["duplicates"], summary["quarantined"]) == (9, 2, 1, 6)
    stored = _rows("dust_noise").sort_values("ts")
    assert list(stored.pm10) == [80.0, 81.0]
    assert set(stored.date) == {"2026-11-20"}
    assert set(stored.source) == {"file"}
    q = _rows("quarantine")
    reasons = dict(zip(q.reason_code, q.reason, strict=False))
    assert sorted(q.reason_code) == sorted(
        ["unparseable", "out_of_range", "unknown_device", "missing", "not_allowed", "malformed_row"]
    )
    assert "pm10: abc" in reasons["unparseable"]
    assert "not a valid float" in reasons["unparseable"]
    assert "noise: 200" in reasons["out_of_range"]
    assert "超出物理范围" in reasons["out_of_range"]
    assert all(isinstance(raw, bytes) and raw for raw in q.raw)
    # the same file again: the batch is in the log, nothing is written twice
    again = ingest_file(path, devices=frozenset({"M1"})).as_dict()
    assert again["already_committed"] == 1
    assert again["written"] == 0
    assert again["quarantined"] == 0
    assert len(_rows("dust_noise")) == 2
    assert len(_rows("quarantine")) == 6


def test_the_same_readings_in_another_file_are_duplicates(lake: Path) -> None:
    a = lake.parent / "dust_noise-a.csv"
    a.write_text(CSV, encoding="utf-8")
    ingest_file(a, devices=frozenset({"M1"}))
    frame = pd.DataFrame(
        {
            "device": ["M1", "M1"],
            "ts": pd.to_datetime(["2026-11-20 00:00:00", "2026-11-20 00:10:00"]).tz_localize("UTC"),
            "cn": ["2051", "2051"],
            "pm10": [80.0, 70.0],
        }
    )
    b = lake.parent / "dust_noise-b.parquet"
    frame.to_parquet(b)
    summary = ingest_file(b).as_dict()
    assert (summary["written"], summary["duplicates"]) == (1, 1)
    assert len(_rows("dust_noise")) == 3


def test_json_lines_keep_the_raw_line_of_a_bad_record(lake: Path) -> None:
    path = lake.parent / "attendance.jsonl"
    path.write_text(
        '{"device":"T1","ts":"2026-11-20T08:00:00+08:00","person":"1001","direction":0}\n'
        "{broken\n"
        '{"device":"T1","ts":"2026-11-20T08:00:00+08:00","person":"1002","direction":9}\n',
        encoding="utf-8",
    )
    summary = ingest_file(path).as_dict()
    assert (summary["written"], summary["quarantined"]) == (1, 2)
    raws = sorted(_rows("quarantine").raw)
    assert raws == [b'{"device":"T1","ts":"2026-11-20T08:00:00+08:00","person":"1002","direction":9}', b"{broken"]


def test_a_file_that_cannot_be_read_is_refused_as_a_whole(lake: Path) -> None:
    path = lake.parent / "hoist.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(IngestError) as caught:
        ingest_file(path)
    assert caught.value.code == "parquet_unreadable"
    with pytest.raises(IngestError):
        ingest_file(lake.parent / "nothing-known.csv")


def test_maintenance_compacts_and_checkpoints_and_keeps_audit_history(lake: Path) -> None:
    for i in range(3):
        path = lake.parent / f"attendance-{i}.jsonl"
        path.write_text(json.dumps({"device": "T1", "ts": f"2026-11-20 08:0{i}:00", "person": "p"}) + "\n")
        ingest_file(path)
    before = DeltaTable(table_uri("attendance")).version()
    result = maintain("attendance")
    assert result.compacted_files == 3
    assert result.vacuumed_files == 0
    table = DeltaTable(table_uri("attendance"))
    assert len(table.file_uris()) == 1
    assert len(table.to_pandas()) == 3
    # every older version is still readable (audit tables are never vacuumed)
    for version in range(1, before + 1):
        assert len(DeltaTable(table_uri("attendance"), version=version).to_pandas()) == version
    assert any(p.name.endswith(".checkpoint.parquet") for p in (lake / "attendance" / "_delta_log").iterdir())


def test_drop_folder(lake: Path, db: None) -> None:
    from jianguan.core.models import Device, Jurisdiction
    from jianguan.lake.dropfolder import ingest_pending
    from tests.factories import DeviceFactory

    place = Jurisdiction.objects.create(code="420500", name="宜昌市", level="city")
    DeviceFactory(serial="M1", kind=Device.Kind.DUST_NOISE_MONITOR, protocol=Device.Protocol.HJ212, jurisdiction=place)
    inbox = lake.parent / "inbox"
    (inbox / "dust_noise").mkdir(parents=True)
    (inbox / "dust_noise" / "batch1.csv").write_text(CSV, encoding="utf-8")
    (inbox / "still-copying.csv.part").write_text("x")
    (inbox / "mystery.xml").write_text("<x/>")
    done = dict(ingest_pending(inbox))
    assert {p.name for p in done} == {"batch1.csv", "mystery.xml"}
    assert (inbox / "still-copying.csv.part").exists()
    assert list((inbox / "failed").glob("mystery*.reason.txt"))
    assert len(list((inbox / "done").rglob("batch1.csv"))) == 1
    assert len(_rows("dust_noise")) == 2


def test_cli_tables_query_and_refusals(lake: Path) -> None:
    path = lake.parent / "dust_noise-a.csv"
    path.write_text(CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("lake", "ingest", str(path), "--no-device-check", stdout=out, stderr=io.StringIO())
    assert "写入 3" in out.getvalue()
    out = io.StringIO()
    call_command("lake", "tables", stdout=out)
    assert "dust_noise" in out.getvalue()
    assert "quarantine" in out.getvalue()
    out = io.StringIO()
    call_command(
        "lake", "query", "SELECT device, count(*) AS n FROM dust_noise GROUP BY device ORDER BY device", stdout=out
    )
    assert "M1" in out.getvalue()
    assert "M2" in out.getvalue()
    for sql in [
        "DELETE FROM dust_noise",
        "COPY dust_noise TO '/tmp/x.csv'",
        "CREATE TABLE t AS SELECT 1",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT 1; DROP TABLE dust_noise",
    ]:
        with pytest.raises(CommandError):
            call_command("lake", "query", sql, stdout=io.StringIO())
    assert len(_rows("dust_noise")) == 3


def _big_csv(path: Path, rows: int) -> None:
    start = dt.datetime(2026, 11, 1, tzinfo=BEIJING)
    frame = pd.DataFrame(
        {
            "device": [f"M{i % 50:02d}" for i in range(rows)],
            "ts": [(start + dt.timedelta(minutes=i // 50)).strftime("%Y-%m-%d %H:%M:%S") for i in range(rows)],
            "cn": "2051",
            "pm10": [f"{(i * 7) % 300}.5" for i in range(rows)],
            "noise": "61.5",
        }
    )
    frame.to_csv(path, index=False)


@pytest.mark.slow
def test_killing_the_ingestion_mid_batch_loses_nothing_and_duplicates_nothing(lake: Path) -> None:
    path = lake.parent / "dust_noise-big.csv"
    rows = 200_000
    _big_csv(path, rows)
    env = {**os.environ, "LAKE_URI": str(lake), "DJANGO_SETTINGS_MODULE": "jianguan.config.settings"}
    command = [
        sys.executable,
        "-m",
        "jianguan",
        "lake",
        "ingest",
        str(path),
        "--chunk-rows",
        "5000",
        "--no-device-check",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log = lake / "dust_noise" / "_delta_log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if log.exists() and len(list(log.glob("*.json"))) >= 4:  # created + a few batches committed
            break
        if process.poll() is not None:
            pytest.fail(f"ingestion ended before it could be killed: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL
    partial = len(DeltaTable(str(lake / "dust_noise")).to_pandas(columns=["device"]))
    assert 0 < partial < rows
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    assert "已提交批次" in finished.stdout.decode()
    stored = DeltaTable(str(lake / "dust_noise")).to_pandas(columns=["device", "ts", "cn", "pm10"])
    assert len(stored) == rows
    assert not stored.duplicated(["device", "ts", "cn"]).any()
    expected = pd.read_csv(path, dtype=str)
    assert sorted(stored.pm10) == sorted(expected.pm10.astype(float))
    assert not (lake / "quarantine").exists() or len(DeltaTable(str(lake / "quarantine")).to_pandas()) == 0


def test_batch_written_with_a_txn_app_id_is_skipped(lake: Path) -> None:
    from jianguan.lake.store import app_id, write_batch

    table = pa.table({"device": ["T"], "ts": ["2026-11-20 08:00:00"], "person": ["p"]})
    first = write_batch(data_type("attendance"), table, source="http", batch="x1")
    assert first.written == 1
    assert DeltaTable(table_uri("attendance")).transaction_version(app_id("x1")) == 1
    assert write_batch(data_type("attendance"), table, source="http", batch="x1").skipped
