"""In a real browser: the city's fee table sorted by discount rate and a flagged project's fee page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from jianguan.fees.models import Flag
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fee_pages_in_the_browser(live_server: Any, artifacts_dir: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=timezone.localdate(), out=io.StringIO(), show_progress=False)
    grew = Flag.objects.filter(kind="area_grew").first()
    relief = Flag.objects.filter(kind="relief_no_policy").first()
    assert grew is not None
    assert relief is not None
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "market")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.goto(f"{live_server.url}/fees/")
        rows = page.locator("table.table tbody tr")
        assert rows.count() >= 10
        # sorted by discount rate, the most discounted first: the exempt projects lead
        assert "100 %" in rows.first.inner_text()
        page.screenshot(path=str(artifacts_dir / "fees-city.png"), full_page=True)
        page.goto(f"{live_server.url}/fees/projects/{relief.project_id}/")
        assert "无对应政策规则" in page.content()
        page.screenshot(path=str(artifacts_dir / "fees-project-relief.png"), full_page=True)
        page.goto(f"{live_server.url}/fees/projects/{grew.project_id}/")
        assert "核定后建筑面积增加" in page.content()
        page.screenshot(path=str(artifacts_dir / "fees-project-growth.png"), full_page=True)
        page.goto(f"{live_server.url}/fees/statistics/")
        assert "张建国" in page.content()
        page.screenshot(path=str(artifacts_dir / "fees-statistics.png"), full_page=True)
