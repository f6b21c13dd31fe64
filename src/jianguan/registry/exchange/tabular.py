"""Bulk import from Excel and CSV: templates, reading, the row-by-row import and the error workbook.

Each row is one record and the unit of atomicity: it is parsed, then applied through its service
in a savepoint. A bad row is reported (row, column, reason in Chinese and English) and never stops
the good ones; a refused row writes nothing, because the service's transaction is rolled back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jianguan.core import errors
from jianguan.core.documents import Column, Sheet, workbook_sheets_bytes
from jianguan.core.ledger import Actor
from jianguan.core.models import User
from jianguan.registry import domain
from jianguan.registry.exchange.models import ImportRun
from jianguan.registry.exchange.records import (
    ENTITY_LABELS,
    FIELDS,
    GRADE_OPTIONS,
    Field,
    Problem,
    apply_record,
    choice_label,
    field_title,
    parse_record,
)

NO_HEADER = _("No header row with the template's column titles was found in the first five rows.")
UNREADABLE = _("The file cannot be read (%(reason)s); upload the .xlsx or .csv template filled in.")


def example_values(entity: str) -> dict[str, Any]:
    values = {spec.key: spec.example for spec in FIELDS[entity]}
    body = "91420502MA0000001"
    example_uscc = body + domain.uscc_check_character(body)
    first17 = "42050219800517001"
    example_id = first17 + domain.ric_check_character(first17)
    for key in ("uscc", "enterprise", "manager"):
        if key in values:
            values[key] = example_uscc
    other = "91420502MA0000002"
    for key in ("holder_uscc", "managed"):
        if key in values:
            values[key] = other + domain.uscc_check_character(other)
    if "id_number" in values:
        values["id_number"] = example_id
    for spec in FIELDS[entity]:
        if spec.kind == "choice" and values[spec.key]:
            values[spec.key] = choice_label(spec, values[spec.key])
    return values


def template_workbook(entity: str) -> bytes:
    """The import template: Chinese headers (English in a comment row), one example row, lists
    for the fields with fixed values. The example row is skipped when it is imported unchanged."""
    specs = FIELDS[entity]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = entity
    sheet.append([f"{spec.zh}{'*' if spec.required else ''}" for spec in specs])
    sheet.append([spec.en for spec in specs])
    example = example_values(entity)
    sheet.append([example[spec.key] for spec in specs])
    fill = PatternFill("solid", fgColor="DCE6F4")
    for index, spec in enumerate(specs, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000" if spec.required else "000000")
        sheet.cell(row=1, column=index).fill = fill
        sheet.cell(row=2, column=index).font = Font(italic=True, color="808080")
        sheet.cell(row=3, column=index).font = Font(color="808080")
        sheet.column_dimensions[get_column_letter(index)].width = spec.width
        options: list[str] = []
        if spec.kind == "choice":
            options = [choice_label(spec, code) for code, _label in spec.choices]
        elif spec.key == "grade":
            options = list(GRADE_OPTIONS)
        if options:
            listing = ",".join(options)
            if len(listing) <= 255:  # Excel's limit for an inline list
                check = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=not spec.required)
                check.error = "请从列表中选择 / choose from the list"
                check.showErrorMessage = True
                sheet.add_data_validation(check)
                letter = get_column_letter(index)
                check.add(f"{letter}4:{letter}10000")
        if spec.kind == "date":
            for row in range(3, 200):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
        elif spec.kind == "identifier":
            for row in range(3, 200):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A3"
    guide = book.create_sheet("说明")
    guide.append(["字段 Field", "必填 Required", "可选值 Allowed values"])
    for spec in specs:
        allowed = ""
        if spec.kind == "choice":
            allowed = "、".join(f"{choice_label(spec, c)} ({c})" for c, _label in spec.choices)
        elif spec.key == "grade":
            allowed = "、".join(GRADE_OPTIONS)
        elif spec.key == "klass":
            allowed = "；".join(f"{cat}: {'、'.join(classes.values())}" for cat, classes in domain.CLASSES.items())
        guide.append([f"{spec.zh} {spec.en}", "是 yes" if spec.required else "否 no", allowed])
    guide.column_dimensions["A"].width = 36
    guide.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv(entity: str) -> bytes:
    specs = FIELDS[entity]
    example = example_values(entity)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spec.zh for spec in specs])
    writer.writerow([example[spec.key] for spec in specs])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- reading ---------------------------------------------------------------------------------


class UnreadableFile(errors.ValidationFailed):
    code = "import_file_unreadable"


def _header_map(entity: str, cells: list[Any]) -> dict[int, Field] | None:
    names: dict[str, Field] = {}
    for spec in FIELDS[entity]:
        for name in (spec.key, spec.zh, spec.en, f"{spec.zh}*"):
            names[name.strip().lower()] = spec
    found = {i: names[str(c).strip().lower()] for i, c in enumerate(cells) if c and str(c).strip().lower() in names}
    required = {spec.key for spec in FIELDS[entity] if spec.required}
    if required <= {spec.key for spec in found.values()}:
        return found
    return None


@dataclass
class Table:
    columns: dict[int, Field]
    rows: Iterator[tuple[int, list[Any]]]  # (spreadsheet row number, cells)
    total: int | None


def _table(entity: str, rows: Iterable[tuple[int, list[Any]]], total: int | None) -> Table:
    iterator = iter(rows)
    for _attempt in range(5):
        try:
            number, cells = next(iterator)
        except StopIteration:
            break
        columns = _header_map(entity, cells)
        if columns is not None:
            return Table(columns, iterator, None if total is None else max(total - number, 0))
    raise UnreadableFile(NO_HEADER, code="import_no_header")


def read_table(entity: str, content: bytes, filename: str) -> Table:
    """Open an .xlsx or .csv (UTF-8, with or without BOM, or GBK) and find its header row."""
    name = filename.lower()
    try:
        if name.endswith((".xlsx", ".xlsm")):
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = ((n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), start=1))
            return _table(entity, rows, sheet.max_row)
        if name.endswith(".csv"):
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("gb18030")
            lines = list(csv.reader(io.StringIO(text)))
            return _table(entity, ((n, list(r)) for n, r in enumerate(lines, start=1)), len(lines))
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl/zipfile raise many types for a damaged file
        raise UnreadableFile(UNREADABLE, reason=type(exc).__name__) from None
    raise UnreadableFile(UNREADABLE, reason="use .xlsx or .csv")


# --- importing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # field key, '' for the whole row
    value: str
    zh: str
    en: str


@dataclass
class ImportResult:
    entity: str
    counts: Counter[str] = field(default_factory=Counter)  # created, updated, unchanged, failed
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "rows": self.rows,
            "created": self.counts["created"],
            "updated": self.counts["updated"],
            "unchanged": self.counts["unchanged"],
            "failed": self.counts["failed"],
            "errors": [e.__dict__ for e in self.errors],
        }


def _plain(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _row_errors(row: int, record: Mapping[str, Any], problems: list[Problem]) -> list[RowError]:
    return [
        RowError(
            row,
            p.field,
            "" if record.get(p.field) is None else str(record.get(p.field)),
            p.render("zh-hans"),
            p.render("en"),
        )
        for p in problems
    ]


def import_table(
    entity: str,
    table: Table,
    *,
    actor: Actor,
    source: str = "import",
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Import every row; each good row is written through its service, each bad one reported."""
    result = ImportResult(entity)
    example = example_values(entity)
    for number, cells in table.rows:
        if progress is not None:
            progress(1)
        record = {spec.key: cells[i] if i < len(cells) else None for i, spec in table.columns.items()}
        if all(value is None or str(value).strip() == "" for value in record.values()):
            continue
        if _header_map(entity, cells) is not None:
            continue  # a second title row (the template's English titles)
        if all(_plain(record[k]) == _plain(example[k]) for k in record):
            continue  # the template's example row
        clean, problems = parse_record(entity, record)
        if not problems:
            try:
                with transaction.atomic():
                    outcome = apply_record(entity, clean, actor=actor, source=source)
            except errors.ApplicationError as error:
                problems = [Problem.from_error(error)]
            except DjangoValidationError as error:
                problems = Problem.from_django(error)
            else:
                result.counts[outcome] += 1
                continue
        result.counts["failed"] += 1
        result.errors.extend(_row_errors(number, record, problems))
    return result


def import_file(
    entity: str,
    content: bytes,
    filename: str,
    *,
    actor: Actor,
    progress: Callable[[int], object] | None = None,
    on_total: Callable[[int | None], object] | None = None,
) -> ImportResult:
    table = read_table(entity, content, filename)
    if on_total is not None:
        on_total(table.total)
    return import_table(entity, table, actor=actor, progress=progress)


def error_workbook(result: ImportResult) -> bytes:
    """The bad rows: row number, column (Chinese and English titles), the value, the reason in
    Chinese and in English."""
    label = ENTITY_LABELS[result.entity]
    columns = [
        Column("row", "行号 Row", 8),
        Column("column_zh", "列", 18),
        Column("column_en", "Column", 22),
        Column("value", "值 Value", 24),
        Column("zh", "原因", 50),
        Column("en", "Reason", 60),
    ]
    rows = [
        {
            "row": e.row,
            "column_zh": field_title(result.entity, e.column, "zh") if e.column else "（整行）",
            "column_en": field_title(result.entity, e.column, "en") if e.column else "(whole row)",
            "value": e.value,
            "zh": e.zh,
            "en": e.en,
        }
        for e in result.errors
    ]
    with translation.override("zh-hans"):
        title = f"导入错误 Import errors — {label}"
    return workbook_sheets_bytes([Sheet(title=title, columns=columns, rows=rows, name="errors")])


def import_recorded(*, actor: User, entity: str, filename: str, content: bytes) -> tuple[ImportRun, ImportResult]:
    """Import an uploaded file and keep the run (counts, the error workbook) for the result page."""
    result = import_file(entity, content, filename, actor=actor)
    run = ImportRun(entity=entity, filename=filename[:255], actor=actor)
    run.counts = {key: value for key, value in result.as_dict().items() if key != "errors"}
    run.finished_at = timezone.now()
    if result.errors:
        run.errors_file.save(f"{entity}-errors.xlsx", ContentFile(error_workbook(result)), save=False)
    run.save()
    return run, result
