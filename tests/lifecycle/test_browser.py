"""In a real browser: the stage line of a demo bid section, a refused gate, the overdue list."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from jianguan.lifecycle.models import StageRecord
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stage_line_in_the_browser(live_server: Any, artifacts_dir: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=timezone.localdate(), out=io.StringIO(), show_progress=False)
    accepted = StageRecord.objects.filter(stage="completion_acceptance").values("bid_section")
    record = (
        StageRecord.objects.filter(stage="permit", status="completed")
        .exclude(bid_section__in=accepted)
        .order_by("-bid_section_id")
        .first()
    )
    assert record is not None
    section = record.bid_section
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "approval.handler")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.goto(f"{live_server.url}/lifecycle/sections/{section.pk}/")
        assert page.locator("#stage-line li").count() == 13
        page.click("a[data-stage='archive_handover']")
        # the detail is swapped in by htmx: wait for the archive stage itself, not any refused gate
        page.locator("#stage-detail", has_text="城建档案移交").wait_for()
        page.wait_for_selector("#stage-detail [data-gate='refused']")
        assert "竣工验收 未通过" in page.locator("#stage-detail").inner_text()
        page.screenshot(path=str(artifacts_dir / "lifecycle-stage-line.png"), full_page=True)
        page.goto(f"{live_server.url}/lifecycle/overdue/")
        assert "竣工验收合格之日起15日内备案" in page.content() or "领取施工许可证后3个月内开工" in page.content()
        page.screenshot(path=str(artifacts_dir / "lifecycle-overdue.png"), full_page=True)


def test_timelines_in_the_browser(live_server: Any, artifacts_dir: Path) -> None:
    from jianguan.lifecycle.selectors import deadline_breaches
    from jianguan.registry.models import BidSection

    today = timezone.localdate()
    demo_build(scale="tiny", seed=2015, today=today, out=io.StringIO(), show_progress=False)
    late = deadline_breaches(sections=BidSection.objects.all(), today=today, states=("overdue",))
    assert late
    section = late[0].section
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "approval.handler")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.goto(f"{live_server.url}/lifecycle/sections/{section.pk}/timeline/")
        assert page.locator("#timeline li").count() == 13
        assert page.locator("#timeline li[data-state='late']").count() >= 1
        assert page.locator("#tl-late").inner_text() != "0"
        page.screenshot(path=str(artifacts_dir / "lifecycle-section-timeline.png"), full_page=True)
        page.click(f"a[href='/lifecycle/projects/{section.project_id}/timeline/']")
        page.wait_for_selector("#project-timeline")
        assert page.locator("#project-timeline td.pt-cell").count() % 13 == 0
        page.screenshot(path=str(artifacts_dir / "lifecycle-project-timeline.png"), full_page=True)
