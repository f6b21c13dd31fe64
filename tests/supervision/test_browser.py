"""On a phone-sized Chromium: fill an inspection, lose the connection, keep answering (drafts stay
in the browser), come back and sync; one response is lost on the way so the same key is sent
twice; nothing is lost and nothing is duplicated; then submit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.supervision import services
from jianguan.supervision.checklists import checklist_current
from jianguan.supervision.models import Answer, Finding, Inspection, Photo
from tests.browser import chromium
from tests.factories import TEST_PASSWORD
from tests.registry.factories import make_section
from tests.supervision.conftest import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer(page: Any, code: str, result: str, *, note: str = "", measurement: str = "", signed: str = "") -> None:
    item = page.locator(f'.item[data-item="{code}"]')
    if measurement:
        item.locator(f'input[name="m-{code}"]').fill(measurement)
    if signed:
        item.locator(f'input[name="s-{code}"]').fill(signed)
    if note:
        item.locator("textarea").fill(note)
    item.locator(f".choice.{result}").click()


def test_offline_inspection_syncs_without_loss_or_duplicates(
    city: Jurisdiction, inspectors: list[User], live_server: Any, artifacts_dir: Path, tmp_path: Path
) -> None:
    site = make_section()
    checklist = checklist_current("safety")
    assert checklist is not None
    inspection = services.inspection_start(
        actor=inspectors[0], bid_section=site.section, checklist=checklist, inspectors=inspectors[:2], reason="专项检查"
    )
    photo = tmp_path / "洞口.png"
    photo.write_bytes(PNG + b"browser")
    url = f"{live_server.url}/supervision/inspections/{inspection.pk}/"
    answers_api = f"**/api/v1/supervision/inspections/{inspection.pk}/answers/"

    with chromium() as browser:
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", inspectors[0].username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")

        # The first answer's response is lost after the server stored it: the page sends it again.
        lost = {"done": False}

        def lose_first(route: Any) -> None:
            if not lost["done"]:
                lost["done"] = True
                route.fetch()
                route.abort()
            else:
                route.continue_()

        page.route(answers_api, lose_first)
        page.goto(url)
        assert page.locator('input[type=file][accept="image/*"][capture]').count() >= 1
        answer(page, "S-01", "pass", signed="项目安全员 李强")
        answer(page, "S-02", "pass")
        page.wait_for_function(
            "() => document.querySelector('.item[data-item=\"S-02\"] .item-status').textContent.includes('已保存')"
        )
        page.screenshot(path=str(artifacts_dir / "supervision-inspection-online.png"), full_page=True)

        context.set_offline(True)
        answer(page, "S-03", "pass", measurement="1.8m")
        answer(page, "S-04", "fail", note="二层楼梯口临边无防护")
        page.locator('.item[data-item="S-04"] input[type=file]').set_input_files(str(photo))
        answer(page, "S-05", "pass")
        answer(page, "S-06", "pass", signed="施工员 王建")
        answer(page, "S-07", "na", note="本工地未使用塔吊")
        answer(page, "S-08", "pass")
        page.wait_for_function("() => document.getElementById('sync-status').textContent.includes('离线')")
        assert "6" in page.locator("#sync-status").inner_text()
        stored = page.evaluate(
            f"() => Object.keys(JSON.parse(localStorage.getItem('jianguan.inspection.{inspection.pk}')))"
        )
        assert len(stored) == 8
        page.screenshot(path=str(artifacts_dir / "supervision-inspection-offline.png"), full_page=True)
        assert Answer.objects.filter(inspection=inspection).count() == 2

        context.set_offline(False)
        page.wait_for_function(
            "() => document.getElementById('sync-status').textContent.includes('所有填写内容已保存')", timeout=20000
        )
        page.screenshot(path=str(artifacts_dir / "supervision-inspection-synced.png"), full_page=True)
        page.click("#submit")
        page.wait_for_selector("text=已提交", timeout=10000)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(artifacts_dir / "supervision-inspection-submitted.png"), full_page=True)
        context.close()

    assert Answer.objects.filter(inspection=inspection).count() == 8
    assert Photo.objects.filter(answer__inspection=inspection).count() == 1
    assert LedgerEntry.objects.filter(action="supervision.answer.recorded").count() == 8
    assert Inspection.objects.get(pk=inspection.pk).status == "submitted"
    (finding,) = Finding.objects.filter(inspection=inspection)
    assert finding.item_code == "S-04"
    assert "临边无防护" in finding.description
    assert Answer.objects.get(inspection=inspection, item__code="S-07").note == "本工地未使用塔吊"
    assert Answer.objects.get(inspection=inspection, item__code="S-06").signature == "施工员 王建"
