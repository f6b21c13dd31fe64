"""A tiny run of bench/bench_supervision_draw.py, so the benchmark keeps working as the code changes."""

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
            "bench/bench_supervision_draw.py",
            "--sites",
            "500",
            "--inspectors",
            "60",
            "--targets",
            "50",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "JIANGUAN_VAR": str(tmp_path), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "500 sites, 60 inspectors, 50 targets" in done.stdout
    assert "reproduced from the seed: yes" in done.stdout
