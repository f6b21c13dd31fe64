"""In a real browser: an enterprise applies online for a construction permit with its materials
(a missing one is named), the approval office handles, reviews and approves it (three people), the
applicant downloads the certificate, and the address its QR code carries opens the public
verification page."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from jianguan.command.models import Alert
from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from jianguan.licensing import services
from jianguan.licensing.models import Application, Permit
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/workbench/")


def test_apply_and_decide_a_permit_in_the_browser(live_server: Any, artifacts_dir: Path, tmp_path: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    # the demo has every state, and its overdue application is a command-centre warning
    states = set(Application.objects.values_list("status", flat=True))
    assert states == {"approved", "in_progress", "correction", "rejected"}
    assert Alert.objects.filter(kind="licensing.application_overdue").count() == 1
    # the browser applies for the construction permit of the section whose supervision registration
    # the demo approved (its contractor is qualified, its project manager registered and free)
    registered = Application.objects.get(status="approved", kind="supervision_registration")
    section = registered.bid_section
    assert section is not None
    assert not Application.objects.filter(kind="construction_permit", bid_section=section).exists()
    material = tmp_path / "材料.pdf"
    material.write_bytes(b"%PDF-1.4\n" + b"0" * 300)

    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        _sign_in(page, live_server.url, "enterprise.demo")
        page.goto(f"{live_server.url}/licensing/apply/")
        page.screenshot(path=str(artifacts_dir / "licensing-apply.png"), full_page=True)
        page.click("a[href='?kind=construction_permit']")
        page.fill("input[name=bid_section]", section.code)
        for box in ("drawing_review_passed", "contract_filed", "fee_paid"):
            page.check(f"input[name={box}]")
        page.set_input_files("input[name=file_drawing_review]", str(material))
        page.set_input_files("input[name=file_contract]", str(material))
        page.click("button[type=submit].primary")
        # a missing material is named, nothing is created
        assert "配套费缴费凭证或减免文件" in page.locator(".alert-error").inner_text()
        assert not Application.objects.filter(kind="construction_permit", bid_section=section).exists()
        for box in ("drawing_review_passed", "contract_filed", "fee_paid"):
            page.check(f"input[name={box}]")
        for code in ("drawing_review", "contract", "fee"):
            page.set_input_files(f"input[name=file_{code}]", str(material))
        page.screenshot(path=str(artifacts_dir / "licensing-apply-form.png"), full_page=True)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/licensing/applications/*/")
        assert "城市基础设施配套费已缴纳或依法减免" in page.content()  # the rule's reasons, shown
        application = Application.objects.get(kind="construction_permit", bid_section=section)
        assert application.decision["result"]["passed"] is True, application.decision["result"]
        page.screenshot(path=str(artifacts_dir / "licensing-application-applicant.png"), full_page=True)

        for username, step in (
            ("approval.handler", "handle"),
            ("approval.reviewer", "review"),
            ("approval.approver", "approve"),
        ):
            staff = browser.new_page(locale="zh-CN")
            _sign_in(staff, live_server.url, username)
            staff.goto(f"{live_server.url}/licensing/queue/")
            assert application.number in staff.content()
            if step == "handle":
                staff.screenshot(path=str(artifacts_dir / "licensing-queue.png"), full_page=True)
            staff.click(f"a[href='/licensing/applications/{application.pk}/']")
            if step == "handle":
                staff.wait_for_selector("#process-diagram[data-ready='1']")
                assert staff.locator("#process-diagram .current-step").count() == 1
                staff.screenshot(path=str(artifacts_dir / "licensing-handle.png"), full_page=True)
            staff.click("button[value=accept]")
            staff.wait_for_url(f"**/licensing/applications/{application.pk}/")
            application.refresh_from_db()
            staff.close()
        assert application.status == "approved"
        permit = Permit.objects.get(application=application)
        assert len(permit.number) == 18  # the construction permit's national number
        page.goto(f"{live_server.url}/licensing/applications/{application.pk}/")
        page.screenshot(path=str(artifacts_dir / "licensing-approved.png"), full_page=True)
        # the applicant downloads its certificate: a PDF with the number and the QR code's address
        href = page.get_attribute("a[href$='/pdf/']", "href")
        response = page.request.get(f"{live_server.url}{href}")  # with the applicant's session
        assert response.ok
        assert response.headers["content-type"] == "application/pdf"
        certificate = tmp_path / "certificate.pdf"
        certificate.write_bytes(response.body())
        text = "".join(p.extract_text() for p in PdfReader(str(certificate)).pages)
        assert permit.number in text
        verify_path = f"/licensing/verify/{services.permit_token(permit)}/"
        assert verify_path in "".join(text.split())
        anonymous = browser.new_page(locale="zh-CN")
        anonymous.goto(f"{live_server.url}{verify_path}")
        assert "证照真实有效" in anonymous.content()
        anonymous.screenshot(path=str(artifacts_dir / "licensing-verify.png"), full_page=True)
        anonymous.goto(f"{live_server.url}/licensing/verify/{services.permit_token(permit)}0/")
        assert "不是真实的" in anonymous.content()
        anonymous.screenshot(path=str(artifacts_dir / "licensing-verify-tampered.png"), full_page=True)
