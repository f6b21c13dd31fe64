"""Test-wide set-up: fast password hashing, Huey tasks run immediately, a private anchor file,
and flushing allowed (transactional tests wipe the database, ledger included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from huey.contrib.djhuey import HUEY

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.LEDGER_ALLOW_FLUSH = True
HUEY.immediate = True

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from jianguan.lake.engines import spark_stop

    spark_stop()


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Path) -> None:
    """Each test writes anchors, uploaded files and the lake into its own folder, never into var/."""
    settings.LEDGER_ANCHOR_FILE = tmp_path / "ledger-anchors.log"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LAKE_URI = str(tmp_path / "lake")


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave screenshots and files for people to look at (kept out of git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
