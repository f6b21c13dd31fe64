"""The trading-centre feed (JSON and CSV), each tender all or nothing and idempotent; leads from
markers and screens; every viewing of a lead in the ledger; concentration figures."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import openpyxl
import pytest
from django.test import Client
from pypdf import PdfReader

from jianguan.bidding import services
from jianguan.bidding.concentration import bids_frame, concentration
from jianguan.bidding.models import Bid, Lead, Tender
from jianguan.core.models import Jurisdiction, LedgerEntry, User
from tests.factories import TEST_PASSWORD
from tests.registry.factories import make_enterprise, make_person

pytestmark = pytest.mark.django_db


def _tender(code: str, bidders: list[Any], amounts: list[str], **extra: Any) -> dict[str, Any]:
    bids = [
        {"bidder_uscc": firm.uscc, "amount": amount, "machine_code": f"M-{firm.pk}", "security_account": f"A-{firm.pk}"}
        for firm, amount in zip(bidders, amounts, strict=True)
    ]
    for bid, overrides in zip(bids, extra.pop("bid_overrides", []), strict=False):
        bid.update(overrides)
    return {
        "code": code,
        "name": f"测试招标{code}",
        "jurisdiction": "420502",
        "control_price": "12000000",
        "published_on": "2026-09-01",
        "opened_on": "2026-09-21",
        "winner_uscc": bidders[0].uscc,
        "bids": bids,
        **extra,
    }


def test_feed_applies_good_tenders_refuses_bad_ones_and_is_idempotent(city: Jurisdiction) -> None:
    firms = [make_enterprise() for _ in range(4)]
    good = _tender("T1", firms[:3], ["10000000", "10500000", "11000000"])
    bad_amount = _tender("T2", firms[:3], ["10000000", "-5", "11000000"])
    unknown = _tender("T3", firms[:2], ["1", "2"])
    unknown["bids"][1]["bidder_uscc"] = "91420500MA00000000"
    twice = _tender("T4", [firms[0], firms[0]], ["1", "2"])
    report = services.tenders_import(actor="system:test", tenders=[good, bad_amount, unknown, twice])
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert [e["tender"] for e in report.errors] == ["T2", "T3", "T4"]
    assert "amount" in report.errors[0]["messages"]["en"]
    assert "正数金额" in report.errors[0]["messages"]["zh-hans"]
    assert Tender.objects.count() == 1
    assert Bid.objects.filter(tender__code="T1", won=True).get().bidder == firms[0]
    before = LedgerEntry.objects.count()
    again = services.tenders_import(actor="system:test", tenders=[good])
    assert (again.created, again.unchanged) == (0, 1)
    assert LedgerEntry.objects.count() == before
    changed = _tender("T1", firms[:4], ["10000000", "10500000", "11000000", "11100000"])
    assert services.tenders_import(actor="system:test", tenders=[changed]).updated == 1
    assert Bid.objects.filter(tender__code="T1").count() == 4


def test_csv_feed_gives_the_same_tender(city: Jurisdiction) -> None:
    firms = [make_enterprise() for _ in range(3)]
    header = "tender_code,name,jurisdiction,control_price,published_on,opened_on,bidder_uscc,amount,won,machine_code\n"
    rows = "".join(
        f"C1,测试,420502,9000000,2026-08-01,2026-08-20,{firm.uscc},{8000000 + i * 100000},{1 if i == 0 else 0},M{i}\n"
        for i, firm in enumerate(firms)
    )
    tenders = services.parse_feed((header + rows).encode("gb18030"), filename="feed.csv")
    report = services.tenders_import(actor="system:test", tenders=tenders)
    assert report.created == 1
    assert Tender.objects.get(code="C1").bids.count() == 3


def test_leads_cite_articles_and_every_viewing_is_recorded(
    city: Jurisdiction, investigator: User, market: User
) -> None:
    firms = [make_enterprise() for _ in range(5)]
    pm = make_person("钱多多")
    shared = {
        "machine_code": "SAME-PC",
        "mac": "AA:BB",
        "cpu_serial": "CPU1",
        "disk_serial": "D1",
        "security_account": "6217",
    }
    rigged = _tender(
        "R1",
        firms[:4],
        ["9000000", "9600000", "9620000", "9650000"],
        bid_overrides=[{}, shared, shared, {"project_manager_id_number": pm.id_number}],
    )
    rigged["bids"][0]["project_manager_id_number"] = pm.id_number
    clean = _tender("C1", firms[1:5], ["9000000", "9700000", "10500000", "11800000"])
    services.tenders_import(actor="system:test", tenders=[rigged, clean])
    result = services.leads_refresh()
    assert result["leads"] == 1
    lead = Lead.objects.get()
    assert lead.tender.code == "R1"
    articles = {m["article"] for m in lead.markers}
    assert {"40.1", "40.2", "40.3", "40.6"} <= articles

    client = Client()
    client.login(username=investigator.username, password=TEST_PASSWORD)
    page = client.get(f"/bidding/leads/{lead.pk}/")
    assert page.status_code == 200
    assert "SAME-PC" in page.content.decode()
    pdf = client.get(f"/bidding/leads/{lead.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert "R1" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    excel = client.get("/bidding/leads/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(excel.content)).active
    assert any(row[0] == "R1" for row in sheet.iter_rows(values_only=True))
    views = LedgerEntry.objects.filter(action="bidding.lead.viewed").order_by("seq")
    assert [json.loads(v.payload)["how"] for v in views] == ["page", "pdf", "excel"]
    assert all(v.actor_label == f"user:{investigator.username}" for v in views)
    # the market office sees concentration but not the leads
    other = Client()
    other.login(username=market.username, password=TEST_PASSWORD)
    assert other.get("/bidding/leads/").status_code == 403
    assert other.get("/bidding/concentration/").status_code == 200


def test_rotation_and_always_losing_to_the_same_winner(city: Jurisdiction) -> None:
    ring = [make_enterprise() for _ in range(3)]
    loser = make_enterprise(name="总是陪标公司")
    tenders = []
    for i in range(6):
        order = ring[i % 3 :] + ring[: i % 3]
        tenders.append(_tender(f"ROT{i}", [*order, loser], ["100", "120", "130", "140"]))
        tenders[-1]["winner_uscc"] = order[0].uscc
    services.tenders_import(actor="system:test", tenders=tenders)
    result = concentration(bids_frame(start=dt.date(2026, 1, 1)))
    (group,) = result.groups
    assert group["rotation"]
    assert group["tenders"] == 6
    assert sorted(group["member_ids"]) == sorted([*(f.pk for f in ring), loser.pk])
    assert result.always_lose_to == []  # the loser lost to three different winners
    assert not result.hhi.empty
    assert round(result.enterprises["share"].sum(), 6) == 1.0
    assert result.network["links"]


def test_a_loser_who_always_loses_to_the_same_winner(city: Jurisdiction) -> None:
    winner, shadow = make_enterprise(name="常胜公司"), make_enterprise(name="陪标公司")
    others = [make_enterprise() for _ in range(3)]
    tenders = [_tender(f"S{i}", [winner, shadow, others[i]], ["100", "150", "170"]) for i in range(3)]
    services.tenders_import(actor="system:test", tenders=tenders)
    result = concentration(bids_frame())
    assert [(row["loser"], row["winner"], row["losses"]) for row in result.always_lose_to] == [
        ("陪标公司", "常胜公司", 3)
    ]


def test_market_share_by_owner_and_by_agent(city: Jurisdiction, investigator: User) -> None:
    owner, other_owner = make_enterprise("owner", name="宜昌某建设单位"), make_enterprise("owner")
    agent = make_enterprise("agency", name="宜昌某招标代理")
    favourite, rival, third = make_enterprise(name="常中标公司"), make_enterprise(), make_enterprise()
    tenders = [
        _tender("O1", [favourite, rival, third], ["100", "120", "130"], owner_uscc=owner.uscc, agent_uscc=agent.uscc),
        _tender("O2", [favourite, rival, third], ["300", "320", "330"], owner_uscc=owner.uscc, agent_uscc=agent.uscc),
        _tender("O3", [rival, favourite, third], ["100", "120", "130"], owner_uscc=owner.uscc),
        _tender("O4", [rival, favourite, third], ["500", "520", "530"], owner_uscc=other_owner.uscc),
    ]
    assert services.tenders_import(actor="system:test", tenders=tenders).created == 4
    result = concentration(bids_frame())
    assert result.by_owner.iloc[0]["share"] == 1.0  # the other owner's single tender
    first = result.by_owner[result.by_owner["tenders"] >= 2].iloc[0]
    assert (first["owner_name"], first["name"], first["wins"], first["tenders"]) == (
        "宜昌某建设单位",
        "常中标公司",
        2,
        3,
    )
    assert round(first["share"], 6) == 0.8  # 400 of the 500 this owner awarded
    (agent_row,) = result.by_agent.to_dict("records")
    assert (agent_row["agent_name"], agent_row["name"], agent_row["share"]) == ("宜昌某招标代理", "常中标公司", 1.0)
    client = Client()
    client.login(username=investigator.username, password=TEST_PASSWORD)
    page = client.get("/bidding/concentration/").content.decode()
    assert "宜昌某建设单位" in page
    assert "宜昌某招标代理" in page


def test_demo_rings_are_found_and_honest_tenders_are_not_flagged(db: None) -> None:
    from jianguan.core.demo_framework import demo_build

    demo_build(scale="tiny", out=io.StringIO(), show_progress=False)
    leads = {lead.tender.code: lead for lead in Lead.objects.select_related("tender")}
    codes = sorted(Tender.objects.values_list("code", flat=True), key=lambda c: int(c.rsplit("-", 1)[1]))
    ring = codes[:16]  # cover (8), machine (4), step (4) at the tiny scale
    control, same_head = leads.get(codes[16]), leads.get(codes[17])  # art. 34 §2
    honest = codes[18:-1]
    assert all(code in leads for code in ring), sorted(set(ring) - set(leads))
    flagged_honest = [code for code in honest if code in leads]
    assert flagged_honest == []
    machine = leads[codes[8]]
    assert {"40.1", "40.2", "40.6"} <= {m["article"] for m in machine.markers}
    step = leads[codes[12]]
    assert "regular_step" in {m["kind"] for m in step.markers}
    assert control is not None
    assert same_head is not None
    # exactly the planted pair, not the honest firms bidding beside it
    (held,) = [m for m in control.markers if m["kind"] == "controlling_shareholder"]
    assert len(held["bidders"]) == 2
    assert [m["article"] for m in control.markers] == ["34.2"]
    (head,) = [m for m in same_head.markers if m["kind"] == "same_legal_representative"]
    assert len(head["bidders"]) == 2
    groups = concentration(bids_frame()).groups
    assert any(group["rotation"] and group["tenders"] >= 8 for group in groups)


def test_api_import_and_leads(city: Jurisdiction, investigator: User, market: User) -> None:
    from rest_framework.test import APIClient

    firms = [make_enterprise() for _ in range(3)]
    shared = {"security_account": "6217-SAME"}
    feed = _tender("API1", firms, ["9000000", "9100000", "9400000"], bid_overrides=[shared, shared])
    api = APIClient()
    api.force_authenticate(market)
    answer = api.post("/api/v1/bidding/tenders/import/", {"tenders": [feed]}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == 1
    bad = api.post("/api/v1/bidding/tenders/import/", {"tenders": [{"code": "X"}]}, format="json")
    assert bad.status_code == 400
    assert api.get("/api/v1/bidding/leads/").status_code == 403
    api.force_authenticate(investigator)
    leads = api.get("/api/v1/bidding/leads/").json()
    assert [lead["tender_code"] for lead in leads["results"]] == ["API1"]
    assert LedgerEntry.objects.filter(action="bidding.lead.viewed", payload__contains='"how":"api"').count() == 1


def test_cli_import_reports_refused_tenders(city: Jurisdiction, tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    firms = [make_enterprise() for _ in range(3)]
    good = _tender("CLI1", firms, ["9000000", "9100000", "9400000"])
    bad = _tender("CLI2", firms, ["9000000", "x", "9400000"])
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"tenders": [good, bad]}, ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 tenders refused"):
        call_command("bidding", "import", str(path), stdout=out, stderr=err)
    assert "1 created" in out.getvalue()
    assert "CLI2" in err.getvalue()
    assert Tender.objects.filter(code="CLI1").exists()
