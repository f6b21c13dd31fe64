from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.registry import selectors
from jianguan.registry.exchange.export import export_filtered
from jianguan.registry.exchange.records import ENTITIES, FIELDS
from jianguan.registry.exchange.tabular import error_workbook, import_file, template_csv, template_workbook
from jianguan.registry.models import Enterprise, ImportRun, Person, Qualification, Registration
from tests.registry.factories import id_number, make_enterprise, make_person, make_project, register, uscc

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.registry.exchange_urls")]


def _xlsx(entity: str, rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([spec.zh for spec in FIELDS[entity]])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _errors(content: bytes) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def _bad_check(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


@pytest.mark.parametrize("entity", ENTITIES)
def test_untouched_templates_import_nothing(city: Jurisdiction, entity: str) -> None:
    for name, content in ((f"{entity}.xlsx", template_workbook(entity)), (f"{entity}.csv", template_csv(entity))):
        result = import_file(entity, content, name, actor="system:test")
        assert result.rows == 0, (name, result.errors)
    book = load_workbook(io.BytesIO(template_workbook(entity)))
    sheet = book[entity]
    assert sheet.cell(row=1, column=1).value.startswith(FIELDS[entity][0].zh)
    if any(spec.kind == "choice" for spec in FIELDS[entity]):
        assert sheet.data_validations.dataValidation, "choice columns carry a list"


def test_template_example_row_imports_when_entered_as_data(city: Jurisdiction) -> None:
    """The example is valid data: typed into a fresh sheet it is accepted (so the template teaches
    a format the importer takes)."""
    from jianguan.registry.exchange.tabular import example_values

    example = example_values("enterprise")
    content = _xlsx("enterprise", [[example[spec.key] for spec in FIELDS["enterprise"]]])
    book = load_workbook(io.BytesIO(content))
    # change the name so the row is no longer the untouched example
    book.active.cell(row=2, column=2).value = "宜昌真实建设有限公司"  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_file("enterprise", buffer.getvalue(), "e.xlsx", actor="system:test")
    assert result.counts["created"] == 1, result.errors
    assert Enterprise.objects.get().kind == "construction"


def test_people_import_keeps_good_rows_and_names_bad_ones(city: Jurisdiction) -> None:
    good1, good2 = id_number(1), id_number(2)
    rows: list[list[object]] = [
        [good1, "王小明", "13900000001"],
        [_bad_check(id_number(3)), "李错号", ""],
        ["4205", "张太短", ""],
        [good2, "", ""],
        [good2, "赵四", 13900000002],
    ]
    before = LedgerEntry.objects.count()
    result = import_file("person", _xlsx("person", rows), "people.xlsx", actor="system:test")
    assert dict(result.counts) == {"created": 2, "failed": 3}
    assert set(Person.objects.values_list("name", flat=True)) == {"王小明", "赵四"}
    assert Person.objects.get(name="赵四").phone == "13900000002"
    assert LedgerEntry.objects.count() == before + 2
    errors = _errors(error_workbook(result))
    assert [(e[0], e[1], e[2]) for e in errors] == [
        (3, "身份证号", "resident ID number"),
        (4, "身份证号", "resident ID number"),
        (5, "姓名", "name"),
    ]
    assert "check character" in errors[0][5]
    assert "校验" in errors[0][4]
    assert "18 characters" in errors[1][5]
    assert "required" in errors[2][5]
    # the same file again changes nothing and writes nothing to the ledger
    again = import_file("person", _xlsx("person", rows), "people.xlsx", actor="system:test")
    assert dict(again.counts) == {"unchanged": 2, "failed": 3}
    assert LedgerEntry.objects.count() == before + 2


def test_csv_enterprises_in_gbk_with_labels_and_bad_codes(city: Jurisdiction) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["说明：宜昌市企业名录"])  # a title line above the header is fine
    writer.writerow([spec.zh for spec in FIELDS["enterprise"]])
    good = uscc(501)
    writer.writerow([good, "宜昌一建有限公司", "施工单位", "张三", "8,000", "西陵区", "420502", "", "active"])
    writer.writerow([_bad_check(uscc(502)), "宜昌二建有限公司", "construction", "李四", "", "", "420502", "", ""])
    writer.writerow([uscc(503), "宜昌三建有限公司", "dredging", "王五", "", "", "420502", "", ""])
    writer.writerow([uscc(504), "宜昌四建有限公司", "construction", "赵六", "", "", "999999", "", ""])
    content = buffer.getvalue().encode("gbk")
    result = import_file("enterprise", content, "e.csv", actor="system:test")
    assert result.counts["created"] == 1, result.errors
    enterprise = Enterprise.objects.get()
    assert (enterprise.uscc, enterprise.kind, enterprise.registered_capital) == (good, "construction", 8000)
    reasons = {(e.row, e.column): e.en for e in result.errors}
    assert set(reasons) == {(4, "uscc"), (5, "kind"), (6, "jurisdiction")}
    assert "dredging" in reasons[(5, "kind")]
    assert "999999" in reasons[(6, "jurisdiction")]


def test_qualifications_and_registrations_through_the_services(city: Jurisdiction) -> None:
    a, b = make_enterprise(), make_enterprise()
    person = make_person("钱七")
    register(person, a, "constructor_2", number="鄂000000777")
    q_rows: list[list[object]] = [
        [a.uscc, "施工总承包", "建筑工程", "一级", "D1", "湖北省住建厅", "", dt.date(2030, 1, 1), ""],
        [a.uscc, "general", "moon_base", "甲", "D2", "湖北省住建厅", "", "2030-01-01", ""],
        [a.uscc, "general", "municipal", "五级", "D3", "湖北省住建厅", "", "2030-01-01", ""],
        [a.uscc, "general", "highway", "乙", "D4", "湖北省住建厅", "2031-01-01", "2030-01-01", ""],
        [uscc(900), "general", "highway", "乙", "D5", "湖北省住建厅", "", "2030-01-01", ""],
    ]
    result = import_file("qualification", _xlsx("qualification", q_rows), "q.xlsx", actor="system:test")
    assert result.counts["created"] == 1
    q = Qualification.objects.get()
    assert (q.klass, q.grade, q.legacy_grade) == ("building", "甲", "一级")
    assert {(e.row, e.column, e.zh != e.en) for e in result.errors} == {
        (3, "klass", True),
        (4, "grade", True),
        (5, "valid_until", True),
        (6, "enterprise", True),
    }
    r_rows: list[list[object]] = [
        # registered with A already: a second enterprise is refused (人证合一), nothing written
        [person.id_number, b.uscc, "一级建造师", "建筑工程", "鄂000000888", "住建部", "", "2030-01-01", ""],
        [person.id_number, a.uscc, "constructor_1", "市政", "鄂000000999", "住建部", "", "2030-01-01", "valid"],
        [id_number(77), a.uscc, "constructor_1", "", "鄂000001000", "住建部", "", "2030-01-01", ""],
    ]
    result = import_file("registration", _xlsx("registration", r_rows), "r.xlsx", actor="system:test")
    assert result.counts["created"] == 1
    assert {(e.row, e.column) for e in result.errors} == {(2, ""), (4, "id_number")}
    assert "人证合一" in result.errors[0].zh
    assert not Registration.objects.filter(enterprise=b).exists()


def test_unreadable_files_are_refused_with_a_reason(city: Jurisdiction) -> None:
    from jianguan.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        import_file("person", b"not a zip", "x.xlsx", actor="system:test")
    assert "cannot be read" in caught.value.render("en")
    assert caught.value.render("zh-hans") != caught.value.render("en")
    with pytest.raises(ValidationFailed, match="header"):
        import_file("person", b"a,b\n1,2\n", "x.csv", actor="system:test")


def test_import_pages(city: Jurisdiction, market_officer: User, xiling_inspector: User) -> None:
    client = Client()
    client.force_login(market_officer)
    page = client.get(reverse("registry:import"))
    assert page.status_code == 200
    template = client.get(reverse("registry:import-template", args=["person"]))
    assert template.status_code == 200
    assert template.content[:2] == b"PK"
    rows: list[list[object]] = [[id_number(11), "孙八", ""], [_bad_check(id_number(12)), "周九", ""]]
    upload = io.BytesIO(_xlsx("person", rows))
    upload.name = "people.xlsx"
    response = client.post(reverse("registry:import"), {"entity": "person", "file": upload})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.counts["created"] == 1
    assert run.counts["failed"] == 1
    assert run.actor == market_officer
    result = client.get(response["Location"])
    assert result.status_code == 200
    assert reverse("registry:import-errors", args=[run.pk]) in result.content.decode()
    errors = client.get(reverse("registry:import-errors", args=[run.pk]))
    assert _errors(b"".join(errors.streaming_content))[0][0] == 3  # type: ignore[attr-defined]
    entry = LedgerEntry.objects.filter(action="registry.person.created").get()
    assert entry.actor_label == "user:market.city"
    bad = io.BytesIO(b"garbage")
    bad.name = "x.xlsx"
    refused = client.post(reverse("registry:import"), {"entity": "person", "file": bad}, follow=True)
    assert refused.status_code == 200
    assert ImportRun.objects.count() == 1
    client.force_login(xiling_inspector)
    assert client.get(reverse("registry:import")).status_code == 403
    assert client.get(reverse("registry:import-errors", args=[run.pk])).status_code == 403


def test_exports_follow_filters_scope_and_masking(
    city: Jurisdiction, market_officer: User, xiling_inspector: User, wujiagang_inspector: User
) -> None:
    make_enterprise(name="宜昌甲建设有限公司")
    make_enterprise(name="宜昌乙监理有限公司", kind="supervision")
    person = make_person("吴十", phone="13912345678")
    make_project(name="西陵项目", jurisdiction="420502")
    Jurisdiction.objects.get(code="420503")
    make_project(name="伍家岗项目", jurisdiction="420503")

    def rows(content: bytes) -> list[tuple[object, ...]]:
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        return [tuple(r) for r in sheet.iter_rows(min_row=3, values_only=True)]

    enterprises = rows(export_filtered("enterprises", user=market_officer, filters={"kind": "supervision"}))
    assert [r[1] for r in enterprises] == ["宜昌乙监理有限公司"]
    full = rows(export_filtered("people", user=market_officer, filters={"q": "吴"}))
    masked = rows(export_filtered("people", user=xiling_inspector, filters={"q": "吴"}))
    assert full[0][1] == person.id_number
    assert full[0][4] == "13912345678"
    assert masked[0][1] != person.id_number
    assert "*" in str(masked[0][1])
    assert masked[0][3] is None
    assert "5678" in str(masked[0][4])
    assert masked[0][4] != "13912345678"
    xiling = rows(export_filtered("projects", user=xiling_inspector, filters={}))
    assert [r[1] for r in xiling] == ["西陵项目"]
    assert len(selectors.project_list(user=market_officer)) == 2
    client = Client()
    client.force_login(wujiagang_inspector)
    response = client.get(reverse("registry:project-export"), {"q": "项目"})
    assert response.status_code == 200
    assert [r[1] for r in rows(response.content)] == ["伍家岗项目"]
    response = client.get(reverse("registry:person-export"))
    assert person.id_number not in str(rows(response.content))


def test_cli_import_with_progress_and_error_workbook(city: Jurisdiction, tmp_path: Path) -> None:
    source = tmp_path / "people.xlsx"
    source.write_bytes(_xlsx("person", [[id_number(21), "郑一", ""], ["x", "郑二", ""]]))
    out = io.StringIO()
    call_command("registry_io", "import", "person", str(source), stdout=out, verbosity=0)
    assert "1 created" in out.getvalue()
    assert "1 failed" in out.getvalue()
    assert (tmp_path / "people-errors.xlsx").exists()
    call_command("registry_io", "template", "registration", str(tmp_path / "t.csv"), stdout=io.StringIO())
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_import_api(city: Jurisdiction, market_officer: User, xiling_inspector: User) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(market_officer)
    upload = io.BytesIO(_xlsx("person", [[id_number(31), "冯一", ""], ["123", "冯二", ""]]))
    upload.name = "p.xlsx"
    response = client.post(reverse("api:registry:import"), {"entity": "person", "file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["failed"]) == (1, 1)
    assert body["row_errors"][0]["row"] == 3
    assert body["row_errors"][0]["column"] == "id_number"
    client.force_authenticate(xiling_inspector)
    upload.seek(0)
    denied = client.post(reverse("api:registry:import"), {"entity": "person", "file": upload}, format="multipart")
    assert denied.status_code == 403
    assert "zh-hans" in denied.json()["error"]["messages"]
