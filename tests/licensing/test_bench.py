"""A tiny run of bench/bench_licensing.py, so the benchmark keeps working as the code changes."""

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
        [sys.executable, "bench/bench_licensing.py", "--open", "60", "--tasks", "10"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "60 open applications" in done.stdout
    assert "bare load-and-save (baseline)" in done.stdout
    assert "checked: 10 of 10 applications moved from handle to review" in done.stdout
