"""Lake ingestion on one core: validated records per second from Parquet and CSV, beside a bare
``deltalake`` write of the same rows in the same run.

    .venv/bin/python bench/bench_lake_ingest.py                      # 1,000,000 dust/noise readings
    .venv/bin/python bench/bench_lake_ingest.py --rows 20000 --repeat 1

The process is pinned to one CPU (``sched_setaffinity``), Arrow to one thread, DuckDB to one thread.
- ours: ``ingest_file`` — read the file in 250,000-row batches, check every value against the
  schema and physical ranges (a few planted bad rows go to quarantine), the device against the
  registry, drop duplicates, check the batch's txn app id, write partitioned by date and source;
- bare: read the same file with Arrow (typed) and ``write_deltalake`` it partitioned the same way,
  no validation, no de-duplication, no quarantine;
- resend: the same rows again under another batch id (every one a duplicate): the cost of the
  anti-join against the days already stored.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from deltalake import write_deltalake  # noqa: E402
from django.conf import settings  # noqa: E402

TARGET = 200_000  # validated records per second, one core
DEVICES = 500


def generate(rows: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    per_device = -(-rows // DEVICES)
    base = np.datetime64("2026-11-01T00:00:00", "us")
    minutes = np.tile(np.arange(per_device, dtype="int64"), DEVICES)[:rows]
    devices = np.repeat([f"JGBENCH{i:015d}" for i in range(DEVICES)], per_device)[:rows]
    pm10 = rng.gamma(4, 15, rows).round(1)
    noise = (55 + rng.normal(0, 6, rows)).round(1)
    bad = rng.choice(rows, size=max(rows // 10000, 1), replace=False)
    pm10[bad] = 99999.0  # out of range: quarantined
    ts = (base + minutes * np.int64(60_000_000)).astype("datetime64[us]")
    return pa.table(
        {
            "device": pa.array(devices, pa.string()),
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "cn": pa.array(np.full(rows, "2051"), pa.string()),
            "tsp": pa.array((pm10 * 1.6).round(1)),
            "pm10": pa.array(pm10),
            "pm25": pa.array((pm10 * 0.55).round(1)),
            "noise": pa.array(noise),
            "temperature": pa.array((12 + rng.normal(0, 2, rows)).round(1)),
            "humidity": pa.array(np.clip(60 + rng.normal(0, 8, rows), 0, 100).round(1)),
            "flags": pa.array(np.full(rows, "a34002=N;LA=N"), pa.string()),
        }
    )


def bare(path: Path, target: str) -> int:
    from jianguan.lake.validation import fixed_offset_seconds

    if path.suffix == ".csv":
        types = {"ts": pa.timestamp("us", tz="UTC"), "cn": pa.string(), "device": pa.string(), "flags": pa.string()}
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    else:
        table = pq.read_table(path)
    # the local day as cheaply as Arrow can: fixed offset, cast to date, to text
    offset = (fixed_offset_seconds() or 0) * 1_000_000
    micros = pc.add(table["ts"].cast(pa.int64()), offset)
    local = micros.cast(pa.timestamp("us")).cast(pa.date32()).cast(pa.string())
    table = table.append_column("source", pa.array(["file"] * table.num_rows, pa.string())).append_column("date", local)
    write_deltalake(target, table, partition_by=["date", "source"], mode="append")
    return table.num_rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="parquet,csv")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)

    from jianguan.lake.ingest import ingest_file
    from jianguan.lake.schemas import data_type

    work = Path(tempfile.mkdtemp(prefix="bench-lake-"))
    try:
        table = generate(args.rows)
        devices = frozenset(f"JGBENCH{i:015d}" for i in range(DEVICES))
        print(f"## lake ingest: {args.rows:,} dust/noise readings, {DEVICES} monitors, one core\n")
        print("| input | bare deltalake rec/s | ours rec/s | ours / bare | resend (all duplicates) rec/s |")
        print("| --- | ---: | ---: | ---: | ---: |")
        best = 0.0
        for fmt in args.formats.split(","):
            path = work / f"dust_noise.{fmt}"
            if fmt == "csv":
                pacsv.write_csv(table, path)
            else:
                pq.write_table(table, path)
            bare_runs, our_runs, resend_runs = [], [], []
            written = quarantined = 0
            for run in range(args.repeat):
                target = work / f"bare-{fmt}-{run}"
                started = time.perf_counter()
                rows = bare(path, str(target))
                bare_runs.append(rows / (time.perf_counter() - started))
                settings.LAKE_URI = str(work / f"lake-{fmt}-{run}")
                started = time.perf_counter()
                summary = ingest_file(path, dtype=data_type("dust_noise"), devices=devices)
                our_runs.append(args.rows / (time.perf_counter() - started))
                written, quarantined = summary.total("written"), summary.total("quarantined")
                copy = work / f"resend-{run}.{fmt}"
                shutil.copy(path, copy)
                with open(copy, "ab") as handle:  # a different file (and batch id), the same rows
                    handle.write(b"\n" if fmt == "csv" else b"")
                if fmt == "parquet":
                    pq.write_table(table, copy, row_group_size=100_000)
                started = time.perf_counter()
                again = ingest_file(copy, dtype=data_type("dust_noise"), devices=devices)
                resend_runs.append(args.rows / (time.perf_counter() - started))
                assert again.total("written") == 0, again.as_dict()
                shutil.rmtree(target)
                shutil.rmtree(settings.LAKE_URI)
            b, o, r = statistics.median(bare_runs), statistics.median(our_runs), statistics.median(resend_runs)
            print(f"| {fmt} | {b:,.0f} | {o:,.0f} | {o / b:.2f} | {r:,.0f} |")
            print(f"<!-- {fmt}: written {written:,}, quarantined {quarantined:,} -->")
            assert written + quarantined == args.rows, (written, quarantined)
            best = max(best, o)
        if best < TARGET and args.rows >= 1_000_000:
            print(f"\nTARGET MISSED: fewer than {TARGET:,} validated records per second")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
