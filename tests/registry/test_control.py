"""Control relationships in the registry (for 招标投标法实施条例 art. 34 §2): the legal
representative's ID number, shareholdings and management relationships through the services with
the ledger, the rules of control on a day, import from Excel/CSV, the enterprise page and the API."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from openpyxl import Workbook
from rest_framework.test import APIClient

from jianguan.core import errors
from jianguan.core.access import mask_id_number
from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.registry import services
from jianguan.registry.control import Holding, Management, control_groups, managements_between
from jianguan.registry.exchange.records import FIELDS
from jianguan.registry.exchange.tabular import import_file
from jianguan.registry.models import Enterprise, ManagementRelation, Person, Shareholding
from tests.factories import TEST_PASSWORD, UserFactory
from tests.registry.factories import id_number, make_enterprise, make_person

DAY = dt.date(2026, 6, 1)


# --- the rules of control, without a database ------------------------------------------------


def held(record: int, holder: tuple[str, int], enterprise: int, share: str, **period: dt.date) -> Holding:
    return Holding(record, holder, enterprise, f"H{holder[1]}", f"E{enterprise}", Decimal(share), **period)


def members(groups: list) -> list[tuple[str, tuple[int, ...]]]:  # type: ignore[type-arg]
    return [(g.kind, g.members) for g in groups]


def test_a_majority_holding_is_control_and_a_minority_is_not() -> None:
    holdings = [held(1, ("enterprise", 1), 2, "50.01"), held(2, ("enterprise", 3), 4, "50.00")]
    assert members(control_groups([1, 2, 3, 4], holdings, DAY)) == [("controlling_shareholder", (1, 2))]
    (group,) = control_groups([1, 2], holdings, DAY)
    assert group.controller == "H1"
    assert [h.record for h in group.holdings] == [1]


def test_control_runs_along_a_chain_of_majority_holdings() -> None:
    # 1 holds 80 % of 5, which holds 60 % of 2: 1 controls 2 through 5 (not a bidder)
    holdings = [held(1, ("enterprise", 1), 5, "80"), held(2, ("enterprise", 5), 2, "60")]
    (group,) = control_groups([1, 2, 3], holdings, DAY)
    assert (group.kind, group.members, group.controller) == ("controlling_shareholder", (1, 2), "H1")
    assert [h.record for h in group.holdings] == [1, 2]
    # a 40 % link breaks the chain
    broken = [held(1, ("enterprise", 1), 5, "80"), held(2, ("enterprise", 5), 2, "40")]
    assert control_groups([1, 2], broken, DAY) == []


def test_a_common_controller_enterprise_or_person() -> None:
    by_group = [held(1, ("enterprise", 9), 1, "100"), held(2, ("enterprise", 9), 2, "51")]
    (group,) = control_groups([1, 2], by_group, DAY)
    assert (group.kind, group.members, group.controller) == ("common_controller", (1, 2), "H9")
    by_person = [held(3, ("person", 7), 1, "70"), held(4, ("person", 7), 8, "90"), held(5, ("enterprise", 8), 2, "55")]
    (group,) = control_groups([1, 2], by_person, DAY)
    assert (group.kind, group.controller) == ("common_controller", "H7")
    assert [h.record for h in group.holdings] == [3, 4, 5]
    # two people each controlling one bidder: no relationship
    apart = [held(6, ("person", 7), 1, "70"), held(7, ("person", 6), 2, "70")]
    assert control_groups([1, 2], apart, DAY) == []


def test_only_holdings_in_force_on_the_day_count() -> None:
    ended = held(1, ("enterprise", 1), 2, "60", since=dt.date(2020, 1, 1), until=dt.date(2026, 5, 31))
    later = held(2, ("enterprise", 3), 4, "60", since=dt.date(2026, 6, 2))
    today = held(3, ("enterprise", 5), 6, "60", since=DAY, until=DAY)
    assert members(control_groups(range(1, 7), [ended, later, today], DAY)) == [("controlling_shareholder", (5, 6))]


def test_a_cycle_in_bad_data_ends() -> None:
    cycle = [held(1, ("enterprise", 1), 2, "60"), held(2, ("enterprise", 2), 1, "60")]
    assert members(control_groups([1, 2, 3], cycle, DAY)) == [("controlling_shareholder", (1, 2))]


def test_management_relationships_between_bidders_in_force() -> None:
    relations = [
        Management(1, 1, 2, "甲", "乙", "supervising"),
        Management(2, 3, 9, "丙", "外", "entrusted"),
        Management(3, 4, 5, "丁", "戊", "other", until=dt.date(2025, 12, 31)),
    ]
    assert [r.record for r in managements_between([1, 2, 3, 4, 5], relations, DAY)] == [1]


# --- services and the ledger ------------------------------------------------------------------


@pytest.mark.django_db
def test_legal_representative_id_is_validated_and_never_in_the_ledger_in_clear(city: Jurisdiction) -> None:
    firm = make_enterprise()
    data = {
        "uscc": firm.uscc,
        "name": firm.name,
        "kind": firm.kind,
        "legal_representative": "张三",
        "jurisdiction": "420502",
    }
    bad = id_number(5)[:-1] + ("0" if id_number(5)[-1] != "0" else "1")
    with pytest.raises(errors.ValidationFailed) as refused:
        services.enterprise_upsert(actor="system:test", data={**data, "legal_representative_id_number": bad})
    assert refused.value.extra["field"] == "legal_representative_id_number"
    number = id_number(5)
    _firm, outcome = services.enterprise_upsert(
        actor="system:test", data={**data, "legal_representative_id_number": number.lower()}
    )
    assert outcome == "updated"
    assert Enterprise.objects.get(pk=firm.pk).legal_representative_id_number == number
    entry = LedgerEntry.objects.filter(action="registry.enterprise.updated").latest("seq")
    assert number not in entry.payload
    assert json.loads(entry.payload)["changes"]["legal_representative_id_number"][1].startswith(number[:6] + "*")


@pytest.mark.django_db
def test_shareholdings_through_the_service(city: Jurisdiction) -> None:
    held_firm, group, other = make_enterprise(), make_enterprise(), make_enterprise()
    holding, outcome = services.shareholding_upsert(
        actor="system:test",
        enterprise=held_firm,
        data={"holder_enterprise": group, "share": "60", "since": dt.date(2020, 1, 1)},
    )
    assert (outcome, holding.share) == ("created", Decimal("60.0000"))
    assert LedgerEntry.objects.filter(action="registry.shareholding.created", object_id=str(holding.pk)).exists()
    same = {"holder_enterprise": group, "share": "60", "since": dt.date(2020, 1, 1)}
    assert services.shareholding_upsert(actor="system:test", enterprise=held_firm, data=same)[1] == "unchanged"
    # a second holder pushing the total over 100 % is refused, naming the total
    with pytest.raises(errors.ValidationFailed) as over:
        services.shareholding_upsert(
            actor="system:test", enterprise=held_firm, data={"holder_enterprise": other, "share": "45"}
        )
    assert over.value.code == "shares_over_100"
    assert "105.00" in over.value.render()
    # once the first holding has ended, the new one fits
    ended = {**same, "until": dt.date(2023, 12, 31)}
    assert services.shareholding_upsert(actor="system:test", enterprise=held_firm, data=ended)[1] == "updated"
    services.shareholding_upsert(
        actor="system:test",
        enterprise=held_firm,
        data={"holder_enterprise": other, "share": "70", "since": dt.date(2024, 1, 1)},
    )
    assert Shareholding.objects.filter(enterprise=held_firm).count() == 2
    refusals = [
        ({"share": "10"}, "shareholder_one"),
        ({"holder_enterprise": group, "holder_person": make_person(), "share": "10"}, "shareholder_one"),
        ({"holder_enterprise": held_firm, "share": "10"}, "shareholder_itself"),
        ({"holder_enterprise": group, "share": "0"}, "share_range"),
        ({"holder_enterprise": group, "share": "100.5"}, "share_range"),
        (
            {"holder_enterprise": group, "share": "5", "since": dt.date(2025, 1, 2), "until": dt.date(2025, 1, 1)},
            "dates_reversed",
        ),
    ]
    for data, code in refusals:
        with pytest.raises(errors.ValidationFailed) as refused:
            services.shareholding_upsert(actor="system:test", enterprise=held_firm, data=data)
        assert refused.value.code == code, data


@pytest.mark.django_db
def test_a_person_shareholder_is_registered_once_by_id_number(city: Jurisdiction) -> None:
    firm = make_enterprise()
    number = id_number(77)
    with pytest.raises(errors.ValidationFailed) as nameless:
        services.shareholder_person(actor="system:test", id_number=number)
    assert nameless.value.extra["field"] == "holder_name"
    person = services.shareholder_person(actor="system:test", id_number=number, name="覃某")
    assert services.shareholder_person(actor="system:test", id_number=number, name="别的名字") == person
    assert Person.objects.get(pk=person.pk).name == "覃某"
    services.shareholding_upsert(actor="system:test", enterprise=firm, data={"holder_person": person, "share": 90})
    assert firm.shareholders.get().holder_name == "覃某"


@pytest.mark.django_db
def test_management_relationships_through_the_service(city: Jurisdiction) -> None:
    manager, managed = make_enterprise(), make_enterprise()
    data = {"kind": "supervising", "basis": "宜国资〔2020〕12号", "since": dt.date(2020, 1, 1)}
    relation, outcome = services.management_upsert(actor="system:test", manager=manager, managed=managed, data=data)
    assert outcome == "created"
    assert LedgerEntry.objects.filter(action="registry.management.created", object_id=str(relation.pk)).exists()
    ended = {**data, "until": dt.date(2025, 1, 1)}
    assert services.management_upsert(actor="system:test", manager=manager, managed=managed, data=ended)[1] == "updated"
    for kwargs, code in (
        ({"manager": manager, "managed": manager, "data": data}, "management_itself"),
        ({"manager": manager, "managed": managed, "data": {"kind": "boss"}}, "management_kind_unknown"),
    ):
        with pytest.raises(errors.ValidationFailed) as refused:
            services.management_upsert(actor="system:test", **kwargs)  # type: ignore[arg-type]
        assert refused.value.code == code


# --- import, page, API --------------------------------------------------------------------------


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


@pytest.mark.django_db
def test_control_data_imports_from_excel_and_csv(city: Jurisdiction) -> None:
    held_firm, group, partner = make_enterprise(), make_enterprise(), make_enterprise()
    number = id_number(31)
    # 企业统一社会信用代码, 股东统一社会信用代码, 股东身份证号, 股东姓名, 持股比例(%), 持股起始日, 持股截止日
    rows = [
        [held_firm.uscc, group.uscc, None, None, "55", "2021-03-01", None],
        [held_firm.uscc, None, number, "覃某", 30, dt.date(2021, 3, 1), None],
        [held_firm.uscc, partner.uscc, number, "覃某", 5, None, None],  # two holders
        [held_firm.uscc, partner.uscc, None, None, 20, None, None],  # 105 %
        [partner.uscc, None, number[:-1] + "0" if number[-1] != "0" else number[:-1] + "1", "某", 5, None, None],
    ]
    result = import_file("shareholding", _xlsx("shareholding", rows), "s.xlsx", actor="system:test")
    assert (result.counts["created"], result.counts["failed"]) == (2, 3), result.errors
    assert [(e.row, e.column) for e in result.errors] == [(4, "holder_uscc"), (5, "share"), (6, "holder_id_number")]
    assert "100" in result.errors[1].en
    assert "100" in result.errors[1].zh
    assert Person.objects.get(id_number=number).name == "覃某"
    header = "管理单位统一社会信用代码,被管理单位统一社会信用代码,管理关系类型,依据文件,起始日,截止日\n"
    csv = header + f"{group.uscc},{partner.uscc},主管单位,宜国资〔2020〕12号,2020-01-01,\n"
    csv += f"{group.uscc},{group.uscc},托管,,,\n"
    result = import_file("management", csv.encode("gb18030"), "m.csv", actor="system:test")
    assert (result.counts["created"], result.counts["failed"]) == (1, 1), result.errors
    assert ManagementRelation.objects.get().kind == "supervising"
    # the legal representative's ID number is a column of the enterprise import
    enterprise_rows = [
        [held_firm.uscc, held_firm.name, "construction", "李四", None, None, "420502", None, None, number]
    ]
    result = import_file("enterprise", _xlsx("enterprise", enterprise_rows), "e.xlsx", actor="system:test")
    assert result.counts["updated"] == 1, result.errors
    assert Enterprise.objects.get(pk=held_firm.pk).legal_representative_id_number == number


def _web(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.mark.django_db
def test_enterprise_page_shows_control_and_masks_the_id_number(
    city: Jurisdiction, market_officer: User, xiling_inspector: User
) -> None:
    number = id_number(41)
    firm = make_enterprise(name="宜昌被控股建设有限公司", legal_representative_id_number=number)
    group = make_enterprise(name="宜昌控股集团有限公司")
    client = _web(market_officer)
    form = f"/registry/enterprises/{firm.pk}/shareholders/new/"
    answer = client.post(form, {"holder_uscc": group.uscc, "share": "65", "since": "2020-01-01"})
    assert answer.status_code == 302, answer.content.decode()
    refused = client.post(form, {"holder_uscc": group.uscc, "share": "50", "since": "2021-01-01"})
    assert "100" in refused.content.decode()  # shown on the form, nothing written
    assert firm.shareholders.count() == 1
    answer = client.post(
        f"/registry/enterprises/{firm.pk}/management/new/",
        {"direction": "managed_by", "other": group.uscc, "kind": "entrusted", "basis": "托管协议"},
    )
    assert answer.status_code == 302
    page = _web(xiling_inspector).get(f"/registry/enterprises/{firm.pk}/").content.decode()
    assert "宜昌控股集团有限公司" in page
    assert "65.00" in page
    assert "托管协议" in page
    assert number not in page
    assert mask_id_number(number) in page
    assert _web(xiling_inspector).get(form).status_code == 403  # reading is not recording
    privileged = UserFactory(username="data.officer", jurisdiction=city, roles=["market_officer"])
    privileged.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    assert number in _web(privileged).get(f"/registry/enterprises/{firm.pk}/").content.decode()
    holdings = _web(xiling_inspector).get(f"/registry/enterprises/{group.pk}/").content.decode()
    assert "宜昌被控股建设有限公司" in holdings


@pytest.mark.django_db
def test_control_api(city: Jurisdiction, market_officer: User, xiling_inspector: User) -> None:
    number = id_number(51)
    firm = make_enterprise(legal_representative_id_number=number)
    group = make_enterprise()
    api = APIClient()
    api.force_authenticate(market_officer)
    base = f"/api/v1/registry/enterprises/{firm.pk}"
    answer = api.post(f"{base}/shareholders/", {"holder_uscc": group.uscc, "share": "70"}, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["controlling"] is True
    person = api.post(
        f"{base}/shareholders/",
        {"holder_id_number": id_number(52), "holder_name": "覃某", "share": "30"},
        format="json",
    )
    assert person.status_code == 201, person.content
    assert id_number(52) not in person.content.decode()
    both = api.post(f"{base}/shareholders/", {"share": "1"}, format="json")
    assert both.status_code == 400
    assert both.json()["error"]["code"] == "shareholder_one"
    over = api.post(f"{base}/shareholders/", {"holder_uscc": make_enterprise().uscc, "share": "1"}, format="json")
    assert over.status_code == 400
    assert over.json()["error"]["code"] == "shares_over_100"
    managed = api.post(
        f"{base}/management/", {"other": group.uscc, "direction": "managed_by", "kind": "supervising"}, format="json"
    )
    assert managed.status_code == 201, managed.content
    assert managed.json()["manager"] == group.uscc
    api.force_authenticate(xiling_inspector)
    detail = api.get(f"{base}/").json()
    assert detail["legal_representative_id_number"] not in ("", number)
    assert [(h["holder_type"], h["share"]) for h in detail["shareholders"]] == [
        ("enterprise", "70.0000"),
        ("person", "30.0000"),
    ]
    assert [m["manager"] for m in detail["managed_by"]] == [group.uscc]
    assert api.get(f"/api/v1/registry/enterprises/{group.pk}/").json()["holdings"][0]["enterprise"] == firm.uscc
    refused = api.post(f"{base}/shareholders/", {"holder_uscc": group.uscc, "share": "1"}, format="json")
    assert refused.status_code == 403


@pytest.mark.django_db
def test_the_provincial_feed_carries_control_records(city: Jurisdiction) -> None:
    from django.db import transaction

    from jianguan.registry.exchange.sync import apply_batch
    from tests.registry.factories import uscc

    parent, child = uscc(601), uscc(602)
    head = id_number(61)

    def firm(code: str, name: str) -> dict[str, object]:
        data = {"uscc": code, "name": name, "kind": "construction", "legal_representative": "覃某"}
        return {
            "entity": "enterprise",
            "data": {**data, "jurisdiction": "420502", "legal_representative_id_number": head},
        }

    records = [
        # control records first: the batch applies enterprises before them
        {"entity": "shareholding", "data": {"enterprise": child, "holder_uscc": parent, "share": "75"}},
        {"entity": "management", "data": {"manager": parent, "managed": child, "kind": "entrusted"}},
        {
            "entity": "shareholding",
            "data": {"enterprise": child, "holder_uscc": parent, "holder_id_number": head, "share": 5},
        },
        firm(parent, "宜昌省库母公司"),
        firm(child, "宜昌省库子公司"),
    ]
    with transaction.atomic():
        report = apply_batch({"cursor": "c1", "records": records}, actor="system:sync")
    assert report.counts["created"] == 4, report.rejected
    (rejected,) = report.rejected
    assert (rejected["index"], rejected["field"], rejected["key"]) == (2, "holder_uscc", f"{child}/{parent}")
    assert Shareholding.objects.get().share == 75
    assert ManagementRelation.objects.get().kind == "entrusted"
    assert set(Enterprise.objects.values_list("legal_representative_id_number", flat=True)) == {head}
