"""In Chromium, the office side: a head makes a draw and starts the planned inspection from it;
after the inspectors' checklist is submitted, the head reviews the finding and is refused when
trying to confirm it too; a second head confirms it and issues the rectification order, whose
PDF opens; the paper reply is recorded and the re-inspection closes the order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jianguan.core.models import Jurisdiction, User
from jianguan.supervision import services
from jianguan.supervision.models import Draw, Finding, Inspection, RectificationOrder
from tests.browser import chromium
from tests.factories import TEST_PASSWORD
from tests.registry.factories import make_section
from tests.supervision.conftest import PNG
from tests.supervision.test_services import answer_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser: Any, live_server: Any, user: User) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/workbench/")
    return page


def test_draw_finding_confirmed_and_order_issued(
    city: Jurisdiction,
    inspectors: list[User],
    head: User,
    head2: User,
    live_server: Any,
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    site = make_section()
    with chromium() as browser:
        page = sign_in(browser, live_server, head)
        page.goto(f"{live_server.url}/supervision/draws/")
        page.select_option("#id_kind", "safety")
        page.fill("#id_targets", "1")
        page.fill("#id_seed", "browser-seed")
        page.screenshot(path=str(artifacts_dir / "supervision-draw-form.png"), full_page=True)
        page.click("#draw-form button[type=submit]")
        page.wait_for_selector("#draw-result")
        assert "能复现" in page.inner_text("#reproduced")
        assert page.inner_text("#draw-seed") == "browser-seed"
        page.screenshot(path=str(artifacts_dir / "supervision-draw-detail.png"), full_page=True)
        draw = Draw.objects.get()

        page.click("#draw-result a.btn")
        page.wait_for_selector("#inspection-new-form")
        assert page.input_value("input[name=bid_section]") == site.section.code
        page.screenshot(path=str(artifacts_dir / "supervision-inspection-new.png"), full_page=True)
        page.click("#inspection-new-form button[type=submit]")
        page.wait_for_selector("#checklist")
        inspection = Inspection.objects.get()
        assert inspection.origin == Inspection.Origin.PLANNED
        assert inspection.draw == draw

        drawn = list(inspection.inspectors.order_by("pk"))
        answer_all(inspection, drawn[0], fail=("S-02",))
        (finding,) = services.inspection_submit(actor=drawn[1], inspection=inspection)

        page.goto(f"{live_server.url}/supervision/findings/")
        page.click(f"a[href='/supervision/findings/{finding.pk}/']")
        page.check("#review input[value=yes]")
        page.click("#review button[type=submit]")
        page.wait_for_selector("#confirm")
        page.click("#confirm button[type=submit]")
        page.wait_for_selector("#refusal")
        refusal = page.inner_text("#refusal")
        assert "审核人不能同时确认该问题" in refusal
        page.screenshot(path=str(artifacts_dir / "supervision-finding-refused.png"), full_page=True)
        assert Finding.objects.get(pk=finding.pk).status == Finding.Status.REVIEWED
        page.context.close()

        page = sign_in(browser, live_server, head2)
        page.goto(f"{live_server.url}/supervision/findings/{finding.pk}/")
        page.click("#confirm button[type=submit]")
        page.wait_for_selector(".message.success")
        assert "已确认" in page.inner_text("#finding-status")
        page.screenshot(path=str(artifacts_dir / "supervision-finding-confirmed.png"), full_page=True)

        page.goto(f"{live_server.url}/supervision/findings/?status=confirmed")
        page.check(f"input[name=findings][value='{finding.pk}']")
        page.fill("#id_working_days", "5")
        page.screenshot(path=str(artifacts_dir / "supervision-order-issue.png"), full_page=True)
        page.click("button[name=action][value=rectification]")
        page.wait_for_selector("#order-pdf")
        order = RectificationOrder.objects.get()
        assert order.number in page.inner_text("h1")
        page.screenshot(path=str(artifacts_dir / "supervision-order-issued.png"), full_page=True)
        pdf = page.request.get(live_server.url + (page.get_attribute("#order-pdf", "href") or ""))
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        (artifacts_dir / "supervision-order.pdf").write_bytes(pdf.body())

        # The enterprise's reply arrives on paper: staff record it with a photo, then re-inspect and close.
        photo = tmp_path / "整改后.png"
        photo.write_bytes(PNG + b"after")
        page.fill("#id_text", "已按方案整改，附整改后照片")
        page.set_input_files("#id_evidence", str(photo))
        page.click("#reply button[type=submit]")
        page.wait_for_selector("#re-inspection")
        page.check("#re-inspection input[value=yes]")
        page.fill("#re-inspection textarea", "复查合格")
        page.click("#re-inspection button[type=submit]")
        page.wait_for_selector(".message.success")
        assert page.inner_text("#order-status") == "已销项"
        page.screenshot(path=str(artifacts_dir / "supervision-order-closed.png"), full_page=True)
        page.context.close()

    finding.refresh_from_db()
    assert finding.status == Finding.Status.CONFIRMED
    assert (finding.reviewed_by, finding.confirmed_by) == (head, head2)
    assert list(order.findings.all()) == [finding]
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.CLOSED
    assert order.evidence.count() == 1
