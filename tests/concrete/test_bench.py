"""A tiny run of bench/bench_concrete.py: the benchmark works and its comparisons hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_benchmark_smoke_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "bench/bench_concrete.py",
            "--sizes",
            "20000",
            "--spark-groups",
            "0",
            "--signals-groups",
            "20000",
            "--repeat",
            "1",
            "--cache",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "20,000 groups" in done.stdout
    assert "verdicts differing from pandas: 0" in done.stdout
    assert "| upload_before_test | 1 | 1 | 1 | 1.00 | 1.00 |" in done.stdout
    assert "TARGET MISSED" not in done.stdout
