"""Documents officials expect: PDFs from templates (Chinese fonts, no download), QR codes, Excel.

PDFs are rendered by WeasyPrint from Django templates (see docs/decisions/0001); fonts come from
Debian's ``fonts-noto-cjk`` through fontconfig, and any URL a template names must be local —
:func:`render_pdf` refuses to fetch anything from the network. QR codes are SVG from segno. Excel
workbooks have a title row, bold frozen headers, filters and sensible column widths.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

PDF_MEDIA_TYPE = "application/pdf"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RemoteResourceRefused(ValueError):
    pass


def _local_fetcher() -> Any:
    """A WeasyPrint fetcher reading only data: URLs and the project's static files; anything
    else stops the rendering (fail_on_errors), so a document never depends on the network."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            prefix = f"file://{settings.STATIC_URL}"
            if url.startswith(prefix):
                path = finders.find(url[len(prefix) :].split("?")[0])
                if isinstance(path, str):
                    return super().fetch(f"file://{path}", headers)
            raise RemoteResourceRefused(f"a PDF may only use local resources, not {url}")

    return LocalOnlyFetcher(allowed_protocols={"data", "file"}, fail_on_errors=True)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a template (HTML with print CSS) to PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    html = render_to_string(template, context)
    try:
        return bytes(HTML(string=html, base_url="/", url_fetcher=_local_fetcher()).write_pdf())
    except FatalURLFetchingError as error:
        raise RemoteResourceRefused(str(error.__cause__ or error)) from None


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF_MEDIA_TYPE)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(filename)}"
    return response


def qr_svg(data: str, *, scale: int = 4) -> str:
    """An inline SVG QR code (error correction M) for a URL or text."""
    code = segno.make(data, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, border=2)
    return buffer.getvalue().decode("utf-8")


def qr_data_uri(data: str, *, scale: int = 4) -> str:
    """A QR code as an SVG data: URI, for templates rendered to PDF."""
    return str(segno.make(data, error="m", micro=False).svg_data_uri(scale=scale, border=2))


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int = 14


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | int | float | str | dt.date) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[dict[str, Any] | Sequence[Any]]
    name: str = "Sheet1"


def workbook_bytes(
    *, title: str, columns: Sequence[Column], rows: Iterable[dict[str, Any] | Sequence[Any]], sheet: str = "Sheet1"
) -> bytes:
    """An .xlsx with a title row, frozen bold headers, filters and column widths."""
    return workbook_sheets_bytes([Sheet(title=title, columns=columns, rows=rows, name=sheet)])


def workbook_sheets_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx of several sheets, each laid out as :func:`workbook_bytes` lays out one."""
    book = Workbook()
    header_fill = PatternFill("solid", fgColor="DCE6F4")
    for number, sheet in enumerate(sheets):
        page = book.active if number == 0 else book.create_sheet()
        assert page is not None
        page.title = sheet.name[:31]
        page.append([sheet.title])
        page["A1"].font = Font(bold=True, size=13)
        page.append([column.title for column in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            cell = page.cell(row=2, column=index)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center")
            page.column_dimensions[get_column_letter(index)].width = column.width
        count = 0
        for row in sheet.rows:
            values = [row.get(column.key) for column in sheet.columns] if isinstance(row, dict) else list(row)
            page.append([_cell(value) for value in values])
            count += 1
        page.freeze_panes = "A3"
        if sheet.columns:
            page.auto_filter.ref = f"A2:{get_column_letter(len(sheet.columns))}{count + 2}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def excel_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename, safe="")
