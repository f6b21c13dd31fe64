"""The console script and the production configuration, run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _jianguan(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jianguan", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _jianguan(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "JIANGUAN_ENV": "production",
            "SECRET_KEY": "x" * 20 + "production-secret-key-0123456789-abcdefghijklmnop",
            "ALLOWED_HOSTS": "jianguan.example.gov.cn",
            "JIANGUAN_VAR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_secret_key_is_generated_once_into_var(tmp_path: Path) -> None:
    env = {"JIANGUAN_VAR": str(tmp_path), "SECRET_KEY": ""}
    assert _jianguan("check", env=env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert _jianguan("check", env=env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


@pytest.mark.slow
def test_demo_then_verify_on_a_fresh_sqlite_database(tmp_path: Path) -> None:
    env = {
        "JIANGUAN_VAR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "LEDGER_ANCHOR_FILE": str(tmp_path / "anchors.log"),
    }
    built = _jianguan("demo", "--scale", "tiny", "--no-serve", "--quiet", env=env)
    assert built.returncode == 0, built.stderr
    assert "admin" in built.stdout
    assert _jianguan("ledger", "anchor", env=env).returncode == 0
    verified = _jianguan("ledger", "verify", env=env)
    assert verified.returncode == 0, verified.stderr
    assert "1 anchors checked" in verified.stdout
    again = _jianguan("demo", "--scale", "tiny", "--no-serve", "--quiet", env=env)
    assert again.returncode != 0
    assert "--reset" in again.stderr
    rebuilt = _jianguan("demo", "--scale", "tiny", "--no-serve", "--quiet", "--reset", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _jianguan("ledger", "verify", env=env).returncode == 0
