"""A tiny run of bench/bench_registry_people.py, so the benchmark keeps working as the code changes."""

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
        [
            sys.executable,
            "bench/bench_registry_people.py",
            "--people",
            "2000",
            "--import-rows",
            "500",
            "--queries",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "2,000 people loaded" in done.stdout
    assert "exact ID number" in done.stdout
    assert "name prefix, 2 characters" in done.stdout
    assert "import of 500 people from Excel" in done.stdout
    assert "bare bulk insert of the same rows" in done.stdout
    assert done.stdout.count("not assessed (small run)") == 2
