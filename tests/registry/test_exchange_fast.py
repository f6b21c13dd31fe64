"""The set-based people import gives what the service path gives: same people, same counts,
same errors, same ledger entries."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import transaction
from openpyxl import Workbook

from jianguan.core.models import Jurisdiction, LedgerEntry
from jianguan.registry.exchange.fast import import_people_fast
from jianguan.registry.exchange.tabular import ImportResult, import_table, read_table
from jianguan.registry.models import Person
from tests.registry.factories import id_number, make_person

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _file(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "姓名", "手机号"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _snapshot(result: ImportResult, since: int) -> dict[str, Any]:
    people = {p.pk: p.id_number for p in Person.objects.all()}
    return {
        "people": sorted(Person.objects.values_list("id_number", "name", "phone", "gender", "birth_date", "source")),
        "counts": dict(result.counts),
        "errors": [(e.row, e.column, e.value, e.en, e.zh) for e in result.errors],
        "ledger": [
            (e.action, people[int(e.object_id)], e.payload, e.actor_label)
            for e in LedgerEntry.objects.filter(seq__gt=since).order_by("seq")
        ],
    }


def test_fast_path_and_service_path_agree(city: Jurisdiction) -> None:
    existing = make_person("旧名字", phone="13800000001")
    untouched = make_person("不变", phone="13800000002")
    new1, new2 = id_number(401), id_number(402)
    bad = id_number(403)
    rows: list[list[object]] = [
        [new1, "新人一", "13900000001"],
        [existing.id_number, "新名字", ""],  # name changes, phone left as is
        [untouched.id_number, "不变", "13800000002"],  # unchanged
        [bad[:-1] + ("0" if bad[-1] != "0" else "1"), "坏号", ""],
        [new2, "名" * 65, ""],  # longer than the model allows
        [new2, "", ""],
        [new1, "新人一改", "13900000009"],  # the same person again, later in the file
        [new1, "新人一改", ""],
        ["   ", "", None],
        [new2.lower(), "新人二", "139 0000 0002"],
    ]
    content = _file(rows)
    since = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    snapshots = []
    for runner in (import_table, import_people_fast):
        try:
            with transaction.atomic():
                table = read_table("person", content, "p.xlsx")
                result = (
                    runner("person", table, actor="system:test")
                    if runner is import_table
                    else runner(table, actor="system:test", chunk_size=3)
                )
                snapshots.append(_snapshot(result, since))
                raise _Rollback
        except _Rollback:
            pass
    service, fast = snapshots
    assert service["counts"] == {"created": 2, "updated": 2, "unchanged": 2, "failed": 3}
    assert fast["counts"] == service["counts"]
    assert fast["errors"] == service["errors"]
    assert fast["people"] == service["people"]

    # the same entries, each person's in the same order (chunks may interleave people differently)
    def per_person(entries: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
        grouped: dict[str, list[tuple[Any, ...]]] = {}
        for entry in entries:
            grouped.setdefault(entry[1], []).append(entry)
        return grouped

    assert per_person(fast["ledger"]) == per_person(service["ledger"])
    assert len(service["ledger"]) == 4
