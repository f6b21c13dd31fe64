"""In a real browser: a demo user signs in and sees the Chinese navigation; the API docs render
with no request leaving the machine."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_city(transactional_db: None) -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)


def test_demo_user_signs_in_and_sees_chinese_navigation(live_server: Any, demo_city: None, artifacts_dir: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{live_server.url}/")
        assert page.locator("h1").inner_text() == "登录"
        page.fill("#id_username", "quality.xiling")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        nav = page.locator("nav.sidenav").inner_text()
        assert "我的工作台" in nav
        assert "设备管理" in nav
        assert page.locator("h1").inner_text() == "我的工作台"
        assert "西陵区" in page.locator(".user-chip").inner_text()
        page.screenshot(path=str(artifacts_dir / "core-workbench.png"), full_page=True)

        page.click("nav.sidenav >> text=设备管理")
        page.wait_for_url("**/system/devices/")
        assert "JGDEMO0001" in page.locator("table").inner_text()
        page.screenshot(path=str(artifacts_dir / "core-devices.png"), full_page=True)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.goto(f"{live_server.url}/accounts/login/")
        phone.fill("#id_username", "quality.xiling")
        phone.fill("#id_password", DEMO_PASSWORD)
        phone.click("button[type=submit].primary")
        phone.wait_for_url("**/workbench/")
        assert not phone.locator("nav.sidenav").is_visible()
        phone.click("[data-toggle-nav]")
        assert phone.locator("nav.sidenav").is_visible()
        phone.screenshot(path=str(artifacts_dir / "core-phone-menu.png"))


def test_language_switch_to_english(live_server: Any, demo_city: None) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.click("button[name=language][value=en]")
        assert page.locator("h1").inner_text() == "Sign in"


def test_api_docs_render_without_leaving_the_machine(live_server: Any, demo_city: None, artifacts_dir: Path) -> None:
    host = urlparse(live_server.url).netloc
    requested: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
        assert "Jianguan API" in page.locator(".swagger-ui .info .title").inner_text()
        page.wait_for_selector("text=/api/v1/devices/")
        page.screenshot(path=str(artifacts_dir / "core-api-docs.png"), full_page=False)
    outside = [url for url in requested if urlparse(url).netloc != host and not url.startswith("data:")]
    assert requested
    assert outside == []
