"""The page of one testing laboratory: the batches tested there with their verdicts and
explanations, the forgery leads naming it with their evidence, its presses (and another lab's it
used), its custody flags — scoped like the rest, and drawn in a real browser."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from jianguan.concrete.demo import build_labs, planted
from jianguan.concrete.models import BatchVerdict, ForgeryLead
from jianguan.core.demo_framework import SCALES, DemoContext
from jianguan.core.models import Jurisdiction
from jianguan.registry.models import Enterprise
from tests.browser import chromium
from tests.factories import TEST_PASSWORD, JurisdictionFactory, UserFactory, department
from tests.registry.factories import Section, make_section

TODAY = dt.date(2026, 11, 25)


def _city_with_records() -> DemoContext:
    make_section()
    ctx = DemoContext(scale=SCALES["tiny"], seed=1, today=TODAY, out=io.StringIO(), show_progress=False)
    build_labs(ctx)
    return ctx


def _inspector(code: str = "420500", username: str = "quality.city") -> Any:
    return UserFactory(
        username=username,
        jurisdiction=Jurisdiction.objects.get(code=code),
        department=department("quality"),
        roles=["quality_inspector"],
    )


@pytest.mark.django_db
def test_lab_page_shows_batches_leads_and_presses(site: Section) -> None:
    ctx = _city_with_records()
    sharer = next(p for p in planted(ctx) if p.kind == "shared_press")
    lab = Enterprise.objects.get(uscc=sharer.lab_id)
    client = Client()
    client.force_login(_inspector())
    listing = client.get("/concrete/labs/")
    assert listing.status_code == 200
    assert lab.name in listing.content.decode()

    page = client.get(f"/concrete/labs/{lab.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    lead = ForgeryLead.objects.get(lab=lab, signal="shared_press")
    assert lead.summary_zh in html
    assert sharer.press_serial in html  # the borrowed press, among its presses
    owner = lead.press.concrete_registration.lab
    assert owner.name in html  # … shown as registered to the other lab
    verdicts = page.context["page"]
    assert verdicts.paginator.count >= 10
    first = verdicts[0]
    assert escape(first.explanation_zh.splitlines()[0]) in html
    # only batches with groups at this lab
    for verdict in verdicts:
        assert verdict.bid_section.specimen_groups.filter(lab=lab, mix_code=verdict.batch_id.rsplit("-", 1)[1]).exists()
    failed = client.get(f"/concrete/labs/{lab.pk}/?passed=0").context["page"]
    assert all(not v.passed for v in failed)

    # the page of one project: only its batches, the project named
    project = first.bid_section.project
    per_project = client.get(f"/concrete/?project={project.pk}")
    assert per_project.status_code == 200
    assert {v.bid_section.project_id for v in per_project.context["page"]} == {project.pk}
    assert escape(project.name) in per_project.content.decode()

    # scoped: an inspector of another district does not see the lab; without the role, refused
    other = JurisdictionFactory(code="420599", name="夷陵区", parent=Jurisdiction.objects.get(code="420500"))
    client.force_login(_inspector(other.code, "quality.other"))
    assert client.get(f"/concrete/labs/{lab.pk}/").status_code == 404
    nobody = UserFactory(username="nobody", jurisdiction=lab.jurisdiction)
    client.force_login(nobody)
    assert client.get(f"/concrete/labs/{lab.pk}/").status_code == 403
    assert client.get("/concrete/labs/").status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lab_page_in_the_browser(live_server: Any, artifacts_dir: Path) -> None:
    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    make_section()
    ctx = _city_with_records()
    forger = next(p for p in planted(ctx) if p.kind == "low_variance")
    lab = Enterprise.objects.get(uscc=forger.lab_id)
    _inspector()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "quality.city")
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.click("nav.sidenav >> text=检测机构")
        page.wait_for_url("**/concrete/labs/")
        page.click(f"a[href='/concrete/labs/{lab.pk}/']")
        page.wait_for_selector("section.lead[data-signal='low_variance']")
        page.click("section.lead[data-signal='low_variance'] summary")
        assert page.locator("section.lead[data-signal='low_variance'] tbody tr").count() >= 10
        assert "检验批" in page.locator("h2#batches").inner_text() or page.locator("h2#batches").count() == 1
        assert BatchVerdict.objects.exists()
        page.screenshot(path=str(artifacts_dir / "concrete-lab.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(artifacts_dir / "concrete-lab-phone.png"), full_page=False)
