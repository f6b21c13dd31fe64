"""The device servers as real processes, fed by `jianguan devices simulate`.

The tiny demo city is built in a private SQLite file; the web server (`jianguan serve`, gunicorn),
the HJ 212 server and the MQTT subscriber run as separate processes on it, as in production; the
simulator speaks ZKTeco PUSH, HJ 212 and signed MQTT to them over real sockets. Then every
acknowledged record is found where it belongs — check-ins in the database, monitor and crane
readings in the lake — and each planted anomaly is kept and flagged, not dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JIANGUAN = [sys.executable, "-m", "jianguan"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(check: Callable[[], object], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} did not come up within {seconds} s")


@pytest.fixture
def city(tmp_path: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "JIANGUAN_VAR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/city.sqlite3",
        "LAKE_URI": str(tmp_path / "lake"),
        "HUEY_IMMEDIATE": "1",
    }
    month_ago = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30)
    built = subprocess.run(
        # the demo's own readings end a month ago, so the simulated minutes (the last few) are new
        [*JIANGUAN, "demo", "--reset", "--scale", "tiny", "--no-serve", "--quiet", "--today", str(month_ago)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-3000:]
    return env


@pytest.mark.slow
def test_servers_as_processes_take_the_simulated_devices(city: dict[str, str]) -> None:
    web, hj212 = _free_port(), _free_port()
    since = dt.datetime.now(dt.UTC).isoformat()
    processes = [
        subprocess.Popen(
            [*JIANGUAN, "serve", "--bind", f"127.0.0.1:{web}", "--workers", "1", "--threads", "2", "--no-worker"],
            env=city,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [*JIANGUAN, "lake", "hj212", "serve", "--port", str(hj212)],
            env=city,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [*JIANGUAN, "lake", "mqtt", "--seconds", "240"],
            env=city,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        _wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{web}/iclock/ping?SN=x", timeout=2), "web")
        _wait_for(lambda: socket.create_connection(("127.0.0.1", hj212), timeout=1).close() or True, "HJ 212")
        time.sleep(3)  # the MQTT subscriber connects and subscribes
        run = subprocess.run(
            [
                *JIANGUAN,
                "devices",
                "simulate",
                "--rate",
                "4",
                "--seconds",
                "2",
                "--devices",
                "3",
                "--server",
                f"http://127.0.0.1:{web}",
                "--hj212",
                f"127.0.0.1:{hj212}",
            ],
            env=city,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr[-3000:]
        report = run.stdout
        assert "bad_crc 1" in report, report
        assert "unknown_pin 1" in report, report
        time.sleep(3)  # the HJ 212 server and the subscriber flush their last batch
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    facts = _facts(city, since)
    channels = ("zkteco", "hj212", "mqtt")
    lines = {
        line.split()[0]: line.split() for line in report.splitlines() if line.split()[:1] in [[c] for c in channels]
    }
    sent = {channel: int(words[2]) for channel, words in lines.items()}
    acknowledged = {channel: int(words[4]) for channel, words in lines.items()}
    # the server answers every HJ 212 upload with 9014 except the one with the bad CRC
    assert acknowledged == {**sent, "hj212": sent["hj212"] - 1}, report
    # every punch acknowledged is stored once; the unreadable line is quarantined with its reason
    # and the punch of the PIN nobody is enrolled under is kept, flagged
    assert facts["checkins"] == sent["zkteco"] - 1, (facts, report)
    assert facts["unknown_person"] == 1, facts
    assert facts["quarantined_lines"] == 1, facts
    # one minute per round from each monitor and crane; the packet with the bad CRC is quarantined
    ticks = 8
    assert facts["dust_noise"] == sent["hj212"] - 1 == ticks * facts["monitors"] - 1, facts
    assert facts["hj212_quarantined"] >= 1, facts
    assert facts["mqtt_rows"] == sent["mqtt"] == ticks * facts["mqtt_devices"], facts
    assert facts["pm10_over_150"] == ticks, facts  # the planted exceedance run


CHECK = """
import json
from django.utils.dateparse import parse_datetime
from jianguan.attendance.models import CheckIn, QuarantinedLine
from jianguan.lake.query import run_query
since = parse_datetime("{since}")
rows = CheckIn.objects.filter(received_at__gte=since)
def one(sql):
    return int(run_query(sql).column(0)[0].as_py())
print(json.dumps({{
    "checkins": rows.count(),
    "unknown_person": rows.filter(person__isnull=True).count(),
    "quarantined_lines": QuarantinedLine.objects.filter(received_at__gte=since).count(),
    "monitors": one("SELECT count(DISTINCT device) FROM dust_noise WHERE source = 'hj212'"),
    "dust_noise": one("SELECT count(*) FROM dust_noise WHERE source = 'hj212'"),
    "pm10_over_150": one("SELECT count(*) FROM dust_noise WHERE source = 'hj212' AND pm10 > 150"),
    "hj212_quarantined": one("SELECT count(*) FROM quarantine WHERE source = 'hj212'"),
    "mqtt_devices": one("SELECT count(DISTINCT device) FROM (SELECT device FROM tower_crane WHERE source = 'mqtt'"
                        " UNION ALL SELECT device FROM hoist WHERE source = 'mqtt')"),
    "mqtt_rows": one("SELECT (SELECT count(*) FROM tower_crane WHERE source = 'mqtt')"
                     " + (SELECT count(*) FROM hoist WHERE source = 'mqtt')"),
}}))
"""


def _facts(env: dict[str, str], since: str) -> dict[str, int]:
    done = subprocess.run(
        [*JIANGUAN, "shell", "-c", CHECK.format(since=since)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
