"""Documents: Chinese PDFs with embedded CJK fonts and no network, QR codes, Excel exports."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import engines
from openpyxl import load_workbook
from pypdf import PdfReader

from jianguan.core.documents import (
    Column,
    RemoteResourceRefused,
    qr_data_uri,
    qr_svg,
    render_pdf,
    workbook_bytes,
)


def _template(tmp_path: Path, body: str, settings: object) -> str:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "doc.html").write_text(
        '{% extends "core/documents/base.html" %}{% block body %}' + body + "{% endblock %}", encoding="utf-8"
    )
    settings.TEMPLATES[0]["DIRS"] = [str(folder)]  # type: ignore[attr-defined]
    engines._engines = {}  # type: ignore[attr-defined]
    engines.__dict__.pop("templates", None)
    return "doc.html"


@pytest.mark.slow
def test_pdf_embeds_chinese_fonts(tmp_path: Path, settings: object, artifacts_dir: Path) -> None:
    name = _template(tmp_path, "<h1>建筑工程施工许可证</h1><p>宜昌市住房和城乡建设局</p><img src='{{ qr }}'>", settings)
    pdf = render_pdf(name, {"qr": qr_data_uri("https://example.gov.cn/verify/420502202611250101")})
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {str(font["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any(re.match(r"/[A-Z]{6}\+Noto-S(erif|ans)-CJK-SC", name) for name in fonts), fonts
    assert not any("CJK-JP" in name for name in fonts), "Chinese text must use the Simplified Chinese face"
    assert "建筑工程施工许可证" in reader.pages[0].extract_text().replace(" ", "")
    (artifacts_dir / "core-document-sample.pdf").write_bytes(pdf)


@pytest.mark.slow
def test_pdf_refuses_remote_resources(tmp_path: Path, settings: object) -> None:
    name = _template(tmp_path, "<img src='https://cdn.example.com/logo.png'>", settings)
    with pytest.raises(RemoteResourceRefused):
        render_pdf(name, {})


def test_qr_svg() -> None:
    svg = qr_svg("https://jianguan.example.gov.cn/public/permits/420502202611250101/")
    assert svg.startswith("<svg")
    assert qr_data_uri("x").startswith("data:image/svg+xml")


def test_workbook_has_title_headers_and_typed_cells() -> None:
    content = workbook_bytes(
        title="企业名录",
        columns=[Column("name", "企业名称", 30), Column("capital", "注册资本（万元）"), Column("day", "日期")],
        rows=[{"name": "宜昌建工集团有限公司", "capital": Decimal("5000.50"), "day": dt.date(2026, 11, 25)}],
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet["A1"].value == "企业名录"
    assert [cell.value for cell in sheet[2]] == ["企业名称", "注册资本（万元）", "日期"]
    assert sheet["A3"].value == "宜昌建工集团有限公司"
    assert sheet["B3"].value == 5000.5
    assert sheet.freeze_panes == "A3"
