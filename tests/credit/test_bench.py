"""A tiny run of bench/bench_credit.py, so the benchmark keeps working as the code changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_benchmark_smoke_run(tmp_path: Path) -> None:
    # SQLite only: on PostgreSQL the benchmark's database has a fixed name, and a real run may be using it
    env = {"PATH": "/usr/bin:/bin", "JIANGUAN_VAR": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "bench/bench_credit.py", "--subjects", "300", "--records", "4000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "300 subjects, 4,000 records" in done.stdout
    assert "bare aggregate (baseline)" in done.stdout
    assert "recompute (default)" in done.stdout
    assert "checked 300 subjects per scheme against the domain module: all equal" in done.stdout
    assert "not assessed" in done.stdout
