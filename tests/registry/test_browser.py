"""In a real browser: search enterprises, open the project tree, and see a service error next to
the form. Screenshots are left in test-artifacts/ for people to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jianguan.core.models import Jurisdiction, User
from tests.browser import chromium
from tests.factories import TEST_PASSWORD, UserFactory, department
from tests.registry.factories import make_enterprise, make_person, make_section, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/workbench/")


def test_registry_pages_in_the_browser(live_server: Any, artifacts_dir: Path, city: Jurisdiction) -> None:
    user: User = UserFactory(
        username="registry.admin", jurisdiction=city, department=department("market"), roles=["sysadmin"]
    )
    setup = make_section()
    make_enterprise(name="宜昌葛洲坝路桥建设有限公司")
    expired = make_person("刘过期")
    register(expired, setup.contractor, "safety_b", valid_until=timezone.localdate() - dt.timedelta(days=10))
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        _sign_in(page, live_server.url, user.username)
        page.click("nav.sidenav >> text=企业库")
        page.wait_for_url("**/registry/enterprises/")
        page.fill("input[name=q]", "葛洲坝")
        page.wait_for_function("!document.querySelector('#registry-rows').innerText.includes('测试企业')")
        assert "宜昌葛洲坝路桥建设有限公司" in page.locator("#registry-rows").inner_text()
        page.screenshot(path=str(artifacts_dir / "registry-enterprises.png"), full_page=True)

        page.goto(f"{live_server.url}/registry/enterprises/{setup.contractor.pk}/")
        assert setup.manager.name in page.inner_text("#people")
        page.screenshot(path=str(artifacts_dir / "registry-enterprise-detail.png"), full_page=True)

        page.goto(f"{live_server.url}/registry/projects/{setup.project.pk}/")
        tree = page.inner_text("#tree")
        assert setup.section.code in tree
        assert setup.chief.name in tree
        page.screenshot(path=str(artifacts_dir / "registry-project-tree.png"), full_page=True)

        page.goto(f"{live_server.url}/registry/people/{setup.manager.pk}/")
        page.screenshot(path=str(artifacts_dir / "registry-person.png"), full_page=True)

        page.goto(f"{live_server.url}/registry/certificates/expiring/")
        assert "刘过期" in page.inner_text("table")
        page.screenshot(path=str(artifacts_dir / "registry-expiring.png"), full_page=True)

        page.goto(f"{live_server.url}/registry/sections/{setup.section.pk}/key-people/")
        page.select_option("select[name=role]", "project_manager")
        page.fill("input[name=person]", setup.manager.id_number)
        page.click("button[type=submit].primary")
        assert "已由" in page.inner_text(".form-errors") or setup.manager.name in page.inner_text(".form-errors")
        page.screenshot(path=str(artifacts_dir / "registry-form-error.png"), full_page=True)
