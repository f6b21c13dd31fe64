"""In a real browser: the discipline investigator opens the leads of the demo city, a lead's
evidence and the co-bidding network; screenshots are kept as test artefacts."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from jianguan.bidding.models import Lead
from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from jianguan.core.models import LedgerEntry
from jianguan.registry.models import Shareholding
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_investigator_reads_leads_and_the_network(live_server: Any, artifacts_dir: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    top = Lead.objects.order_by("-score").first()
    assert top is not None
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "discipline")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.click("nav.sidenav >> text=围标串标线索")
        page.wait_for_url("**/bidding/leads/")
        assert top.tender.code in page.content()
        page.screenshot(path=str(artifacts_dir / "bidding-leads.png"), full_page=True)
        page.click(f"a[href='/bidding/leads/{top.pk}/']")
        page.wait_for_selector("text=法定情形")
        page.screenshot(path=str(artifacts_dir / "bidding-lead.png"), full_page=True)
        page.goto(f"{live_server.url}/bidding/concentration/")
        page.wait_for_selector("#network svg")
        assert "轮流坐庄" in page.content()
        page.screenshot(path=str(artifacts_dir / "bidding-concentration.png"), full_page=True)
        # art. 34 §2: the planted control pair, its lead and the registry page that shows the holding
        control = next(
            lead for lead in Lead.objects.all() if any(m["kind"] == "controlling_shareholder" for m in lead.markers)
        )
        page.goto(f"{live_server.url}/bidding/leads/{control.pk}/")
        page.wait_for_selector("text=第三十四条")
        assert "65.00%" in page.content()
        page.screenshot(path=str(artifacts_dir / "bidding-lead-control.png"), full_page=True)
        held = Shareholding.objects.get(source="demo").enterprise
        page.goto(f"{live_server.url}/registry/enterprises/{held.pk}/#control")
        page.wait_for_selector("#control >> text=控股")
        page.locator("#control").screenshot(path=str(artifacts_dir / "registry-enterprise-control.png"))
    assert LedgerEntry.objects.filter(action="bidding.lead.viewed", object_id=str(top.pk)).exists()
