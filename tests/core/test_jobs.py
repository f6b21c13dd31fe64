"""Background jobs: Huey is wired, periodic jobs are registered, tests run tasks immediately."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from jianguan.core import tasks
from jianguan.core.ledger import ledger_append

pytestmark = pytest.mark.django_db


def test_periodic_ledger_anchor_is_registered() -> None:
    periodic = {task.name for task in HUEY._registry.periodic_tasks}
    assert any(name.endswith("ledger_anchor_hourly") for name in periodic)


def test_anchor_task_runs_and_writes_the_head(settings: Any) -> None:
    entry = ledger_append(actor=None, action="t.x")
    tasks.ledger_anchor_hourly.call_local()
    line = Path(settings.LEDGER_ANCHOR_FILE).read_text().split()
    assert line[1:3] == [str(entry.seq), entry.hash]


def test_tasks_run_immediately_in_tests() -> None:
    assert HUEY.immediate
