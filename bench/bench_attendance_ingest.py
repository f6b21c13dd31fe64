"""Check-in ingest through a real gunicorn: ZKTeco ATTLOG uploads and signed JSON batches, beside
the same server answering a trivial endpoint (``/iclock/ping``) in the same run; then a fault run
that kills the whole server (SIGKILL) mid-stream, restarts it, lets the clients re-send what was
not acknowledged — as terminals do — and checks that every record sent is stored exactly once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_attendance_ingest.py
    .venv/bin/python bench/bench_attendance_ingest.py --seconds 3 --devices 4    # smoke (SQLite)

Each client thread plays one terminal on a keep-alive connection: it sends a batch, waits for
the answer, and only counts the records when the answer is ``OK: n`` (ZKTeco) or 201 (signed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from common import ROOT, bench_database

LOCAL = dt.timezone(dt.timedelta(hours=8))  # terminals send local time (UTC+8), without an offset


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Worker:
    """The Huey consumer beside the server: it chains the stored batches into the ledger."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jianguan.config.settings", "LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jianguan", "worker"],
            cwd=ROOT / "src", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None


def ledger_catch_up(timeout: float = 120) -> tuple[int, float]:
    """Wait for the worker to chain every stored batch; (batches chained, seconds waited)."""
    from jianguan.attendance.models import CheckInBatch

    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        if not CheckInBatch.objects.filter(ledger_seq__isnull=True).exists():
            break
        time.sleep(0.25)
    return CheckInBatch.objects.filter(ledger_seq__isnull=False).count(), time.perf_counter() - began


class Server:
    def __init__(self, workers: int, threads: int) -> None:
        self.port = free_port()
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jianguan.config.settings", "LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "jianguan.config.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads),
                "--worker-class", "gthread", "--log-level", "warning", "--graceful-timeout", "1",
            ],
            cwd=ROOT / "src", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/iclock/ping")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: nothing gets to finish cleanly."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
            self.process = None


@dataclass
class Tally:
    requests: int = 0
    records: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    acked: set[tuple[str, str, str]] = field(default_factory=set)
    sent: set[tuple[str, str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def attlog_batch(serial: str, index: int, size: int) -> tuple[bytes, list[tuple[str, str, str]]]:
    base = dt.datetime(2026, 11, 2, 6, 0, tzinfo=LOCAL) + dt.timedelta(minutes=index)
    keys = []
    lines = []
    for i in range(size):
        pin = str(1000 + i)
        when = f"{base:%Y-%m-%d %H:%M:%S}"
        keys.append((serial, pin, when))
        lines.append(f"{pin}\t{when}\t0\t1\t0\t0\t0")
    return ("\r\n".join(lines) + "\r\n").encode(), keys


def signed_batch(
    serial: str, secret: str, index: int, size: int
) -> tuple[bytes, dict[str, str], list[tuple[str, str, str]]]:
    from jianguan.core.signing import sign_request

    base = dt.datetime(2026, 11, 2, 6, 0, tzinfo=LOCAL) + dt.timedelta(minutes=index)
    records = [
        {
            "pin": str(1000 + i),
            "time": f"{base:%Y-%m-%dT%H:%M:%S}",
            "latitude": 30.7,
            "longitude": 111.29,
            "match_score": 90,
        }
        for i in range(size)
    ]
    body = json.dumps({"records": records}).encode()
    headers = sign_request(serial=serial, secret=secret, method="POST", path="/api/v1/attendance/checkins/", body=body)
    keys = [(serial, str(r["pin"]), f"{base:%Y-%m-%d %H:%M:%S}") for r in records]
    return body, {**headers, "Content-Type": "application/json"}, keys


def run_clients(
    server: Server, kind: str, devices: list[tuple[str, str]], seconds: float, batch: int, tally: Tally,
    start_index: int = 0, stop: threading.Event | None = None, retry_until_acked: bool = False,
) -> None:  # fmt: skip
    stop = stop or threading.Event()

    def client(serial: str, secret: str) -> None:
        conn: http.client.HTTPConnection | None = None
        index = start_index
        pending: tuple[bytes, dict[str, str], list[tuple[str, str, str]], str] | None = None
        end = time.time() + seconds
        while True:
            if pending is None:
                if time.time() >= end or stop.is_set():
                    break
                if kind == "ping":
                    pending = (b"", {}, [], "/iclock/ping")
                elif kind == "attlog":
                    body, keys = attlog_batch(serial, index, batch)
                    pending = (
                        body,
                        {"Content-Type": "text/plain"},
                        keys,
                        f"/iclock/cdata?SN={serial}&table=ATTLOG&Stamp={index}",
                    )
                else:
                    body, headers, keys = signed_batch(serial, secret, index, batch)
                    pending = (body, headers, keys, "/api/v1/attendance/checkins/")
                index += 1
                with tally.lock:
                    tally.sent.update(pending[2])
            body, headers, keys, path = pending
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                if kind == "signed":  # a fresh nonce and timestamp on every try, as a terminal does
                    body, headers, keys = signed_batch(serial, secret, index - 1, batch)
                conn.request("GET" if kind == "ping" else "POST", path, body=body or None, headers=headers)
                response = conn.getresponse()
                text = response.read().decode()
                ok = (response.status == 200 and (kind == "ping" or text.startswith("OK"))) or (
                    kind == "signed" and response.status == 201
                )
            except (OSError, http.client.HTTPException):
                ok = False
                if conn is not None:
                    conn.close()
                conn = None
            elapsed = time.perf_counter() - started
            with tally.lock:
                if ok:
                    tally.requests += 1
                    tally.records += len(keys)
                    tally.latencies.append(elapsed)
                    tally.acked.update(keys)
                else:
                    tally.errors += 1
            if ok or not retry_until_acked:
                pending = None
            else:
                time.sleep(0.2)  # the terminal waits and sends the same records again
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=device) for device in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000 if len(values) >= 2 else (values[0] * 1000 if values else 0)


def report(label: str, tally: Tally, seconds: float, unit: str) -> float:
    rate = (tally.records if unit == "records" else tally.requests) / seconds
    median = statistics.median(tally.latencies) * 1000 if tally.latencies else 0.0
    print(
        f"  {label:<34} {rate:>9,.0f} {unit}/s  ({tally.requests:,} requests, p50 {median:.1f} ms, "
        f"p99 {p99(tally.latencies):.1f} ms, {tally.errors} errors)"
    )
    return rate


def stored_count() -> int:
    from jianguan.attendance.models import CheckIn

    return CheckIn.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--devices", type=int, default=16, help="terminals, one client thread each")
    parser.add_argument("--batch", type=int, default=50, help="records per upload")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--skip-fault", action="store_true")
    args = parser.parse_args()

    with bench_database("attendance") as where:
        from jianguan.core.models import Device, Jurisdiction
        from jianguan.core.services import device_register

        jurisdiction = Jurisdiction.objects.get_or_create(
            code="420502", defaults={"name": "西陵区", "level": "district"}
        )[0]
        zk, hh = [], []
        for i in range(args.devices):
            d = device_register(
                actor="system:bench",
                serial=f"BENCHZK{i:04d}",
                kind=Device.Kind.ATTENDANCE_TERMINAL,
                protocol=Device.Protocol.ZKTECO_PUSH,
                name=f"bench {i}",
                jurisdiction=jurisdiction,
            )
            zk.append((d.serial, d.secret))
            d = device_register(
                actor="system:bench",
                serial=f"BENCHHH{i:04d}",
                kind=Device.Kind.HANDHELD,
                protocol=Device.Protocol.SIGNED_HTTP,
                name=f"bench {i}",
                jurisdiction=jurisdiction,
            )
            hh.append((d.serial, d.secret))
        from django.db import connections

        connections.close_all()
        huey_folder = tempfile.mkdtemp(prefix="bench-huey-")
        os.environ["JIANGUAN_VAR"] = huey_folder  # a private Huey queue for the server and the worker
        worker = Worker()
        worker.start()
        server = Server(args.workers, args.threads)
        server.start()
        print(
            f"attendance ingest on {where}, gunicorn {args.workers} workers x {args.threads} threads (gthread), "
            f"{args.devices} terminals, {args.batch} records per upload, {args.seconds:.0f} s per phase, "
            f"{os.cpu_count()} CPUs shared by server, database and clients"
        )
        try:
            results = {}
            for kind, devices, unit in (("ping", zk, "requests"), ("attlog", zk, "records"), ("signed", hh, "records")):
                tally = Tally()
                began = time.perf_counter()
                run_clients(server, kind, devices, args.seconds, args.batch, tally)
                took = time.perf_counter() - began
                label = {"ping": "trivial endpoint (baseline)", "attlog": "ZKTeco ATTLOG /iclock/cdata",
                         "signed": "signed JSON /api/v1/attendance/checkins/"}[kind]  # fmt: skip
                results[kind] = (report(label, tally, took, unit), tally)
            stored = stored_count()
            acked = len(results["attlog"][1].acked) + len(results["signed"][1].acked)
            print(f"  acknowledged {acked:,} records, stored {stored:,}: {'equal' if acked == stored else 'DIFFERENT'}")
            chained, waited = ledger_catch_up()
            print(f"  ledger: {chained:,} upload batches chained by the Huey worker, {waited:.1f} s after the load")
            ratio = results["attlog"][0] / max(results["ping"][0], 1)
            print(f"  ATTLOG records/s per trivial request/s: {ratio:.2f}")
            if args.skip_fault:
                return
            from jianguan.core.ledger import ledger_verify

            # fault run: kill the whole server mid-stream, restart, the terminals re-send
            before = stored_count()
            tally = Tally()
            stop = threading.Event()
            clients = threading.Thread(
                target=run_clients,
                args=(server, "attlog", zk, args.seconds, args.batch, tally, 100_000, stop, True),
            )
            clients.start()
            time.sleep(args.seconds / 3)
            server.kill()
            killed_at = len(tally.acked)
            time.sleep(1)
            server.start()
            clients.join()
            stored = stored_count() - before
            whole = stored == len(tally.sent) == len(tally.acked)
            print(
                f"  fault run: server SIGKILLed after {killed_at:,} acknowledged records, restarted; "
                f"{tally.errors} failed tries re-sent; sent {len(tally.sent):,}, acknowledged {len(tally.acked):,}, "
                f"stored {stored:,}: {'every record stored exactly once' if whole else 'MISMATCH'}"
            )
            chained, waited = ledger_catch_up()
            verified = ledger_verify()
            from jianguan.attendance.models import CheckInBatch

            batches = CheckInBatch.objects.count()
            print(
                f"  ledger after the fault run: {chained:,} of {batches:,} batches chained ({waited:.1f} s), "
                f"chain {'verified' if verified.ok else 'BROKEN: ' + verified.reason} ({verified.checked:,} entries)"
            )
            if not whole or chained != batches or not verified.ok:
                sys.exit(1)
        finally:
            server.stop()
            worker.stop()
            shutil.rmtree(huey_folder, ignore_errors=True)
            connections.close_all()


if __name__ == "__main__":
    main()
