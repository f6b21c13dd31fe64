"""The HJ 212-2017 server: packets per second, each answered with 9014 only after its record is
committed to the lake, beside a bare ``deltalake`` write of the same rows in the same run.

    .venv/bin/python bench/bench_lake_hj212.py                      # 100 monitors × 500 minute packets
    .venv/bin/python bench/bench_lake_hj212.py --monitors 10 --packets 100

The server runs in this process (its event loop in one thread, lake writes in a worker thread);
the monitors run in a separate process, one TCP connection each, every packet asking for a reply
(Flag=5) and sent without waiting (the server answers in order as batches commit). The figure is
packets answered per second, first byte sent to last reply received.
- bare: the same records (already parsed, typed) written with ``write_deltalake`` in one call.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")

TARGET = 5_000
PW = "123456"


def packets_for(monitor: int, count: int) -> bytes:
    from jianguan.lake.hj212 import data_packet

    start = dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    out = []
    for i in range(count):
        when = start + dt.timedelta(minutes=i)
        out.append(
            data_packet(
                mn=f"JGBENCH{monitor:017d}",
                pw=PW,
                cn="2051",
                when=when,
                values={
                    "a34001": 120.5 + i % 7,
                    "a34002": 80.0 + i % 13,
                    "a34004": 40.1,
                    "LA": 60.2,
                    "a01001": 12.0,
                    "a01002": 55.0,
                    "a01007": 2.0,
                    "a01008": 180.0,
                },
                qn=when.strftime("%Y%m%d%H%M%S") + "000",
            )
        )
    return b"".join(out)


async def _clients(port: int, monitors: int, count: int) -> float:
    payloads = [packets_for(m, count) for m in range(monitors)]

    async def one(payload: bytes) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(payload)
        await writer.drain()
        replies = 0
        while replies < count:
            line = await asyncio.wait_for(reader.readline(), timeout=120)
            if not line:
                break
            if b"CN=9014" in line:
                replies += 1
        writer.close()
        return replies

    started = time.perf_counter()
    results = await asyncio.gather(*(one(p) for p in payloads))
    elapsed = time.perf_counter() - started
    assert sum(results) == monitors * count, results
    return elapsed


def client_main(port: int, monitors: int, count: int) -> None:
    elapsed = asyncio.run(_clients(port, monitors, count))
    print(f"ELAPSED {elapsed}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--monitors", type=int, default=100)
    parser.add_argument("--packets", type=int, default=500, help="per monitor")
    parser.add_argument("--client", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client is not None:
        client_main(args.client, args.monitors, args.packets)
        return

    import django

    django.setup()
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake
    from django.conf import settings

    from jianguan.lake import hj212
    from jianguan.lake.hj212_server import DeviceEntry, Directory, Hj212Server
    from jianguan.lake.ingest import records_table
    from jianguan.lake.schemas import data_type

    work = Path(tempfile.mkdtemp(prefix="bench-hj212-"))
    settings.LAKE_URI = str(work / "lake")
    total = args.monitors * args.packets
    try:
        devices = {f"JGBENCH{m:017d}": DeviceEntry(PW, True) for m in range(args.monitors)}
        server = Hj212Server(
            host="127.0.0.1",
            port=0,
            directory=Directory(loader=lambda: dict(devices), refresh=3600),
            flush_seconds=0.25,
        )
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(server.start())
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        ready.wait(30)
        client = subprocess.run(
            [
                sys.executable,
                __file__,
                "--client",
                str(server.port),
                "--monitors",
                str(args.monitors),
                "--packets",
                str(args.packets),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert client.returncode == 0, client.stderr[-3000:]
        elapsed = float(client.stdout.split("ELAPSED")[1])
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        stored = DeltaTable(settings.LAKE_URI + "/dust_noise").to_pyarrow_table(columns=["device"]).num_rows
        assert stored == total, (stored, total)

        # bare: the same records, parsed beforehand, typed, written in one call
        records = []
        for m in range(args.monitors):
            reader = hj212.FrameReader()
            for framed in reader.feed(packets_for(m, args.packets)):
                packet = hj212.parse_segment(framed.segment or b"")
                records.append(hj212.record_from(packet, hj212.parse_cp(packet.cp)))
        dtype = data_type("dust_noise")
        table = records_table(records, dtype)
        typed = pa.table(
            {
                c.name: table[c.name].cast(pa.float64()) if c.kind == "float" else table[c.name]
                for c in dtype.columns
                if c.name != "ts"
            }
        )
        ts = pa.array(
            [
                dt.datetime.strptime(r["ts"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
                for r in records
            ],
            pa.timestamp("us", tz="UTC"),
        )
        typed = typed.append_column("ts", ts).append_column("date", pa.array(["2026-11-20"] * total))
        typed = typed.append_column("source", pa.array(["hj212"] * total))
        started = time.perf_counter()
        write_deltalake(str(work / "bare"), typed, partition_by=["date", "source"], mode="append")
        bare = total / (time.perf_counter() - started)
        ours = total / elapsed
        print(f"## HJ 212 server: {args.monitors} monitors × {args.packets} minute packets = {total:,}\n")
        print("| case | packets (rows)/s |")
        print("| --- | ---: |")
        print(f"| bare `write_deltalake` of the parsed rows | {bare:,.0f} |")
        print(f"| server: frame, CRC, parse, authenticate, validate, write, answer 9014 | {ours:,.0f} |")
        print(
            f"\nours / bare: {ours / bare:.3f}; batches: {server.stats.batches}; "
            f"time in lake writes: {server.stats.write_seconds:.1f} s of {elapsed:.1f} s; stored {stored:,}"
        )
        if ours < TARGET and total >= 50_000:
            print(f"\nTARGET MISSED: fewer than {TARGET:,} packets per second")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
