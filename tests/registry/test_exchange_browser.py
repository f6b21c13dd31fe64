"""In a real browser: the market office downloads a template, uploads a people workbook with a bad
row, sees the counts and downloads the error workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from jianguan.core.models import Jurisdiction, User
from jianguan.registry.models import Person
from tests.browser import chromium
from tests.factories import TEST_PASSWORD
from tests.registry.factories import id_number

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.registry.exchange_urls"),
]


def test_import_people_in_the_browser(
    live_server: Any, artifacts_dir: Path, tmp_path: Path, city: Jurisdiction, market_officer: User
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "姓名", "手机号"])
    sheet.append([id_number(601), "陈浏览", "13900000601"])
    sheet.append(["420500198005176019", "错号码", ""])
    upload = tmp_path / "人员.xlsx"
    book.save(upload)
    with chromium() as browser:
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", market_officer.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/registry/import/")
        assert "批量导入" in page.content()
        with page.expect_download() as template:
            page.click("a[href='/registry/import/template/person.xlsx']")
        assert template.value.suggested_filename == "person-template.xlsx"
        page.screenshot(path=str(artifacts_dir / "registry-import.png"), full_page=True)
        page.select_option("select[name=entity]", "person")
        page.set_input_files("input[name=file]", str(upload))
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#count-failed")
        assert page.inner_text("#count-created") == "1"
        assert page.inner_text("#count-failed") == "1"
        page.screenshot(path=str(artifacts_dir / "registry-import-result.png"), full_page=True)
        with page.expect_download() as errors:
            page.click("text=下载错误工作簿")
        path = tmp_path / "errors.xlsx"
        errors.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(min_row=3, values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == 3
    assert rows[0][1] == "身份证号"
    assert Person.objects.filter(name="陈浏览").exists()
    assert not Person.objects.filter(name="错号码").exists()
