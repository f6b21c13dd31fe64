"""In a real browser: the command centre dispatches a warning, the department reports it done
with evidence, and the command centre closes it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from jianguan.command.models import Alert, Task
from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from jianguan.core.ledger import ledger_append
from tests.browser import chromium
from tests.command.conftest import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/workbench/")


def test_dispatch_and_close_a_warning_in_the_browser(live_server: Any, artifacts_dir: Path, tmp_path: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    ledger_append(
        actor="system:auth",
        action="core.account.locked",
        object_type="core.user",
        object_id="intruder",
        payload={"username": "intruder", "ip_address": "203.0.113.7", "minutes": 15},
    )
    alert = Alert.objects.get(kind="core.account_locked")
    evidence = tmp_path / "重置记录.png"
    evidence.write_bytes(PNG)

    with chromium() as browser:
        command = browser.new_page(locale="zh-CN")
        _sign_in(command, live_server.url, "command")
        command.click("nav.sidenav >> text=预警管理")
        command.wait_for_url("**/command/warnings/")
        assert "多次登录失败导致账号锁定" in command.locator("#warning-rows").inner_text()
        command.screenshot(path=str(artifacts_dir / "command-warnings.png"), full_page=True)
        command.click(f"a[href='/command/warnings/{alert.pk}/']")
        command.select_option("#id_department", label="系统管理")
        command.fill("#id_instructions", "核查来源 IP 203.0.113.7，必要时封禁并重置密码")
        command.screenshot(path=str(artifacts_dir / "command-dispatch.png"), full_page=True)
        command.click("#dispatch button[type=submit]")
        command.wait_for_selector("text=已派发")

        officer = browser.new_page(locale="zh-CN")
        _sign_in(officer, live_server.url, "admin")
        officer.click("nav.sidenav >> text=我的任务")
        task = Task.objects.get(warning=alert)
        officer.click(f"a[href='/command/tasks/{task.pk}/']")
        officer.click("text=签收任务")
        officer.wait_for_selector("text=任务已签收")
        officer.fill("textarea[name=text] >> nth=1", "已封禁该 IP，账号持有人确认非本人操作，已重置密码")
        officer.set_input_files("input[name=attachment][required]", str(evidence))
        officer.click("button:has-text('报结') >> nth=-1")
        officer.wait_for_selector("text=已报结，等待指挥中心审核")

        command.goto(f"{live_server.url}/command/tasks/{task.pk}/")
        command.fill("textarea[name=text]", "处置到位，同意办结")
        command.click("text=提交审核意见")
        command.wait_for_selector("text=审核意见已记录")
        command.goto(f"{live_server.url}/command/warnings/{alert.pk}/")
        command.screenshot(path=str(artifacts_dir / "command-closed.png"), full_page=True)
        assert "已办结" in command.locator("h1").inner_text()

    alert.refresh_from_db()
    assert alert.status == "closed"
