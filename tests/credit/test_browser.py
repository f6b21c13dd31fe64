"""In a real browser: the credit file with its chart, the queue, and the public portal."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jianguan.core.demo import DEMO_PASSWORD
from jianguan.core.demo_framework import demo_build
from jianguan.credit.models import Standing
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_credit_pages_in_the_browser(live_server: Any, artifacts_dir: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=timezone.localdate(), out=io.StringIO(), show_progress=False)
    flagged = Standing.objects.filter(blacklisted=True).select_related("subject__enterprise").first()
    assert flagged is not None
    assert flagged.subject.enterprise is not None
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "credit.head")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.click("nav.sidenav >> text=信用档案")
        page.wait_for_url("**/credit/")
        # the city has many files: open the flagged one (the list is paged and ordered by name)
        page.goto(f"{live_server.url}/credit/subjects/{flagged.subject_id}/")
        page.wait_for_selector("#credit-history-chart canvas")
        assert "已列入黑名单" in page.content()
        page.screenshot(path=str(artifacts_dir / "credit-file.png"), full_page=True)
        page.click("nav.sidenav >> text=待办记录与异议")
        page.wait_for_selector("text=待审核、待审批的记录")
        page.screenshot(path=str(artifacts_dir / "credit-queue.png"), full_page=True)

        public = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        public.goto(f"{live_server.url}/public/?q={flagged.subject.enterprise.uscc}")
        public.click(f"a[href='/public/enterprise/{flagged.subject.enterprise.uscc}/']")
        public.wait_for_selector("text=不良行为记录")
        public.screenshot(path=str(artifacts_dir / "portal-file.png"), full_page=True)
        public.goto(f"{live_server.url}/public/blacklist/")
        assert flagged.subject.name in public.content()
        public.screenshot(path=str(artifacts_dir / "portal-blacklist.png"), full_page=True)
