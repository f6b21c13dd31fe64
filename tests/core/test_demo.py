"""The demo framework: ordered steps, deterministic for a seed, refuses to overwrite data."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from jianguan.core import demo as core_demo
from jianguan.core.demo_framework import DemoError, DemoStep, collect_steps, demo_build
from jianguan.core.ledger import ledger_verify
from jianguan.core.models import Device, Jurisdiction, LedgerEntry, User

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


def _fingerprint() -> str:
    """What the demo built, independent of database ids and times."""
    rows = [
        *Jurisdiction.objects.order_by("code").values_list("code", "name", "level"),
        *User.objects.order_by("username").values_list("username", "real_name", "jurisdiction__code"),
        *Device.objects.order_by("serial").values_list("serial", "kind", "secret"),
        *LedgerEntry.objects.order_by("seq").values_list("action", "object_type"),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_tiny_city_builds_with_accounts_and_contract_devices() -> None:
    ctx = demo_build(scale="tiny", seed=7, today=TODAY, out=io.StringIO(), show_progress=False)
    assert Jurisdiction.objects.get(code="420500").children.count() == 13
    assert {a.username for a in ctx.accounts} >= {"admin", "quality.xiling", "approval.approver", "discipline"}
    roles = {a.role for a in ctx.accounts}
    assert roles >= {
        "sysadmin",
        "approval_handler",
        "approval_reviewer",
        "approval_approver",
        "quality_inspector",
        "safety_inspector",
        "market_officer",
        "credit_officer",
        "command_operator",
        "discipline_investigator",
    }
    assert Device.objects.get(serial=core_demo.DEMO_TERMINAL_SN).protocol == "zkteco_push"
    monitor = Device.objects.get(serial=core_demo.DEMO_MONITOR_MN)
    assert (monitor.protocol, monitor.secret) == ("hj212", "123456")
    assert User.objects.get(username="quality.xiling").has_perm("core.view_device")
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_same_seed_same_city() -> None:
    demo_build(scale="tiny", seed=11, today=TODAY, out=io.StringIO(), show_progress=False)
    first = _fingerprint()
    call_command("flush", interactive=False, verbosity=0)
    demo_build(scale="tiny", seed=11, today=TODAY, out=io.StringIO(), show_progress=False)
    assert _fingerprint() == first


def test_steps_run_after_what_they_need(monkeypatch: Any) -> None:
    names = [step.name for step in collect_steps()]
    assert names[0] == "core.city"

    import jianguan.core.demo_framework as framework

    original = list(core_demo.STEPS)
    steps = [*original, DemoStep("b", lambda ctx: None, after=("a",)), DemoStep("a", lambda ctx: None)]
    monkeypatch.setattr(core_demo, "STEPS", steps)
    ordered = [step.name for step in framework.collect_steps() if step.name in {"a", "b"}]
    assert ordered == ["a", "b"]
    monkeypatch.setattr(
        core_demo,
        "STEPS",
        [*original, DemoStep("x", lambda ctx: None, after=("y",)), DemoStep("y", lambda ctx: None, after=("x",))],
    )
    with pytest.raises(DemoError, match="circle"):
        framework.collect_steps()


def test_demo_command_refuses_a_database_with_data() -> None:
    demo_build(scale="tiny", seed=1, today=TODAY, out=io.StringIO(), show_progress=False)
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--scale", "tiny", "--no-serve", "--quiet", stdout=io.StringIO())


def test_demo_command_prints_accounts(capsys: Any) -> None:
    out = io.StringIO()
    call_command("demo", "--scale", "tiny", "--no-serve", "--quiet", "--today", "2026-11-25", stdout=out)
    text = out.getvalue()
    assert "quality.xiling" in text
    assert "Jianguan@2026" in text
