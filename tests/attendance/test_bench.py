"""A small run of bench/bench_attendance_ingest.py against a real gunicorn: the trivial baseline,
both ingest paths, and the fault run that SIGKILLs the server mid-stream and shows that every
record sent is stored exactly once after the terminals re-send."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ingest_bench_and_kill_mid_stream(tmp_path: Path) -> None:
    # SQLite only: on PostgreSQL the benchmark's database has a fixed name that a real run may be using
    env = {"PATH": "/usr/bin:/bin", "JIANGUAN_VAR": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "bench/bench_attendance_ingest.py", "--seconds", "3", "--devices", "3", "--batch", "20"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "trivial endpoint (baseline)" in done.stdout
    assert "ZKTeco ATTLOG /iclock/cdata" in done.stdout
    assert "stored" in done.stdout
    assert ": equal" in done.stdout
    assert "server SIGKILLed after" in done.stdout
    assert "every record stored exactly once" in done.stdout
