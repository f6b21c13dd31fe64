"""In a real browser: a market officer sees the devices, a section's attendance calendar and the
exceptions, in Chinese (screenshots in test-artifacts/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from jianguan.attendance import services
from jianguan.attendance.duty import duty_evaluate
from jianguan.core.models import User
from tests.attendance.conftest import Site
from tests.browser import chromium
from tests.factories import TEST_PASSWORD, UserFactory, department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attendance_pages_in_the_browser(live_server: Any, artifacts_dir: Path, site: Site) -> None:
    officer: User = UserFactory(
        username="market.b",
        jurisdiction=site.zk.jurisdiction,
        department=department("market"),
        roles=["market_officer"],
    )
    days = [d for d in range(1, 31) if dt.date(2026, 11, d).weekday() < 5]
    body = "".join(f"1\t2026-11-{d:02d} 07:55:00\t0\t1\n" for d in days[:15])
    body += "".join(f"2\t2026-11-{d:02d} 08:10:00\t0\t1\n" for d in days[:19]) + "77\t2026-11-03 08:00:00\t0\t1\nxx\n"
    services.attlog_ingest(device=site.zk, body=body.encode())
    duty_evaluate(month=dt.date(2026, 11, 1), today=dt.date(2026, 12, 2))
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1500, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", officer.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.click("nav.sidenav >> text=考勤设备")
        page.wait_for_url("**/attendance/devices/")
        assert site.zk.serial in page.inner_text("main")
        page.screenshot(path=str(artifacts_dir / "attendance-devices.png"), full_page=True)
        page.goto(f"{live_server.url}/attendance/sections/{site.s.section.pk}/calendar/?month=2026-11")
        assert "未达标" in page.inner_text("main")
        page.screenshot(path=str(artifacts_dir / "attendance-calendar.png"), full_page=True)
        page.goto(f"{live_server.url}/attendance/exceptions/")
        assert "未知人员" in page.inner_text("main")
        page.screenshot(path=str(artifacts_dir / "attendance-exceptions.png"), full_page=True)
