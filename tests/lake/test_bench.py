"""Small runs of the lake's benchmarks: they work and their checks hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ingest_benchmark_smoke_run() -> None:
    done = subprocess.run(
        [sys.executable, "bench/bench_lake_ingest.py", "--rows", "20000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| parquet |" in done.stdout
    assert "| csv |" in done.stdout
    assert "written 19,998, quarantined 2" in done.stdout


@pytest.mark.slow
def test_hj212_benchmark_smoke_run() -> None:
    done = subprocess.run(
        [sys.executable, "bench/bench_lake_hj212.py", "--monitors", "5", "--packets", "40"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "stored 200" in done.stdout
