"""In a real browser: the credit file with its chart, the queue, the catalogue pages, and the public
portal (credit files, projects and permits, the blacklist)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jianguan.core.demo import DEMO_PASSWORD
from jianguan.core.demo_framework import demo_build
from jianguan.credit.models import Standing
from jianguan.registry.models import PermittedWork
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
        page.click("nav.sidenav >> text=行为目录")
        page.wait_for_selector("text=目录版本")
        page.screenshot(path=str(artifacts_dir / "credit-catalogue.png"))
        page.click("text=编辑或上传新版本")
        page.wait_for_selector("textarea[name=document]")
        page.fill("textarea[name=document]", '{"format": "jianguan.credit.catalogue/1", "version": "x", "items": []}')
        page.click("button[value=check]")
        page.wait_for_selector("#catalogue-problems li")
        assert page.locator("#catalogue-problems li").count() >= 3
        page.screenshot(path=str(artifacts_dir / "credit-catalogue-refused.png"))

        public = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        public.goto(f"{live_server.url}/public/?q={flagged.subject.enterprise.uscc}")
        public.click(f"a[href='/public/enterprise/{flagged.subject.enterprise.uscc}/']")
        public.wait_for_selector("text=不良行为记录")
        public.screenshot(path=str(artifacts_dir / "portal-file.png"), full_page=True)
        public.goto(f"{live_server.url}/public/blacklist/")
        assert flagged.subject.name in public.content()
        public.screenshot(path=str(artifacts_dir / "portal-blacklist.png"), full_page=True)

        # projects and permits: a site where a flagged subject takes part, and one of its permits
        blacklisted = Standing.objects.filter(blacklisted=True).values("subject__enterprise")
        work = (
            PermittedWork.objects.filter(bid_section__participants__enterprise__in=blacklisted)
            .select_related("bid_section__project")
            .order_by("bid_section__status", "permit_number")  # "active" sorts first
            .first()
        ) or PermittedWork.objects.select_related("bid_section__project").first()
        assert work is not None
        project = work.bid_section.project
        public.goto(f"{live_server.url}/public/")
        public.click("nav.portal-nav >> text=项目与施工许可")
        public.fill("form[role=search] input[name=q]", project.code)
        public.click("form[role=search] button[type=submit]")
        public.click(f"a[href='/public/projects/{project.code}/']")
        public.wait_for_selector("text=参建单位与关键人员")
        content = public.content()
        assert work.permit_number in content
        for post in work.bid_section.key_people.select_related("person"):
            assert post.person.id_number not in content
        public.screenshot(path=str(artifacts_dir / "portal-project.png"), full_page=True)
        public.click(f"a[href='/public/permits/{work.permit_number}/']")
        public.wait_for_selector("h1 >> text=" + work.permit_number)
        public.screenshot(path=str(artifacts_dir / "portal-permit.png"), full_page=True)
