"""In a real browser: the command centre opens the data lake's page from the menu, after the demo."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lake_status_page_in_the_browser(live_server: Any, artifacts_dir: Path, lake: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "command")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.click("nav.sidenav >> text=数据湖")
        page.wait_for_url("**/lake/")
        text = page.locator("main").inner_text()
        assert "扬尘噪声监测" in text
        assert "隔离区" in text
        assert "pm10: 99999" in text
        page.screenshot(path=str(artifacts_dir / "lake-status.png"), full_page=True)
        page.goto(f"{live_server.url}/command/warnings/?status=")  # every status: the demo closes some
        warnings = page.locator("#warning-rows").inner_text()
        assert "扬尘超标" in warnings
        assert "噪声超标" in warnings
        assert "设备离线" in warnings
        page.screenshot(path=str(artifacts_dir / "lake-warnings.png"), full_page=True)
