"""A tiny run of bench/bench_command_dashboard.py, so the benchmark keeps working as the code changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_dashboard_benchmark_smoke_run(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "JIANGUAN_VAR": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "bench/bench_command_dashboard.py", "tiny", "--repeat", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "/api/v1/me/ (baseline)" in done.stdout
    assert "/api/v1/command/dashboard/" in done.stdout
    assert "command.site_ranking" in done.stdout
