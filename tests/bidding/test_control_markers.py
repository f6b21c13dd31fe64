"""招标投标法实施条例 art. 34 §2 from the registry's control data: bidders on one section with the
same legal representative (ID number), one controlling another, under a common controller, or in
a management relationship are leads citing the article with the registry records; unrelated
bidders, minority holdings and holdings not in force at the opening are not; the lead's page, PDF
and Excel carry the marker and its evidence."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from jianguan.bidding import services
from jianguan.bidding.markers import ARTICLES, KIND_LABELS
from jianguan.bidding.models import Lead
from jianguan.core import errors
from jianguan.core.access import mask_id_number
from jianguan.core.models import Jurisdiction, User
from jianguan.registry import services as registry
from jianguan.registry.models import Enterprise
from tests.factories import TEST_PASSWORD
from tests.registry.factories import id_number, make_enterprise, make_person

pytestmark = pytest.mark.django_db

OPENED = dt.date(2026, 9, 21)


def _tender(code: str, bidders: list[Enterprise], opened: dt.date = OPENED) -> dict[str, Any]:
    """Honest-looking bids (own computer, own account, irregular prices) from these bidders."""
    amounts = ["9812345.67", "10023456.78", "10456789.01", "10987654.32", "11345678.90"]
    return {
        "code": code,
        "name": f"测试招标{code}",
        "jurisdiction": "420502",
        "control_price": "12000000",
        "published_on": "2026-09-01",
        "opened_on": opened.isoformat(),
        "bids": [
            {
                "bidder_uscc": firm.uscc,
                "amount": amount,
                "machine_code": f"M-{firm.pk}",
                "security_account": f"A{firm.pk}",
            }
            for firm, amount in zip(bidders, amounts, strict=False)
        ],
    }


def _holds(holder: Enterprise | Any, held: Enterprise, share: str, **period: dt.date) -> None:
    key = "holder_enterprise" if isinstance(holder, Enterprise) else "holder_person"
    registry.shareholding_upsert(actor="system:test", enterprise=held, data={key: holder, "share": share, **period})


def _markers(code: str) -> list[tuple[str, str, list[str]]]:
    lead = Lead.objects.filter(tender__code=code).first()
    return sorted((m["kind"], m["article"], m["bidders"]) for m in lead.markers) if lead else []


_names = itertools.count(1)


def _firm(name: str, **data: Any) -> Enterprise:
    # every test firm gets its own legal representative (make_enterprise names them all 张三)
    return make_enterprise(name=name, legal_representative=f"法人{next(_names)}", **data)


def test_control_and_the_same_head_are_found_and_unrelated_bidders_are_not(city: Jurisdiction) -> None:
    head = id_number(61)
    parent, child = _firm("宜昌母公司"), _firm("宜昌子公司")
    sister_a, sister_b = _firm("宜昌姐妹甲公司"), _firm("宜昌姐妹乙公司")
    managing, managed = _firm("宜昌主管单位"), _firm("宜昌下属公司")
    head_a = _firm("宜昌同法人甲公司", legal_representative_id_number=head)
    head_b = _firm("宜昌同法人乙公司", legal_representative_id_number=head)
    minority_holder, minority = _firm("宜昌参股公司"), _firm("宜昌被参股公司")
    former, sold = _firm("宜昌原股东公司"), _firm("宜昌已转让公司")
    strangers = [_firm(f"宜昌无关{i}公司") for i in range(3)]
    owner = make_person("覃老板")

    _holds(parent, child, "51")
    _holds(owner, sister_a, "80")
    middle = _firm("宜昌中间控股公司")
    _holds(owner, middle, "100")
    _holds(middle, sister_b, "60")
    registry.management_upsert(
        actor="system:test",
        manager=managing,
        managed=managed,
        data={"kind": "supervising", "basis": "宜国资〔2020〕12号"},
    )
    _holds(minority_holder, minority, "50")
    _holds(former, sold, "90", since=dt.date(2018, 1, 1), until=OPENED - dt.timedelta(days=1))

    tenders = [
        _tender("CTRL", [parent, child, *strangers]),
        _tender("SISTER", [sister_a, sister_b, *strangers]),
        _tender("MGMT", [managing, managed, *strangers]),
        _tender("HEAD", [head_a, head_b, *strangers]),
        _tender("MINOR", [minority_holder, minority, *strangers]),
        _tender("SOLD", [former, sold, *strangers]),
        _tender("CLEAN", [parent, sister_a, managing, head_a, minority_holder]),
    ]
    report = services.tenders_import(actor="system:test", tenders=tenders)
    assert report.created == 7, report.errors
    services.leads_refresh()

    assert _markers("CTRL") == [("controlling_shareholder", "34.2", ["宜昌母公司", "宜昌子公司"])]
    assert _markers("SISTER") == [("common_controller", "34.2", ["宜昌姐妹甲公司", "宜昌姐妹乙公司"])]
    assert _markers("MGMT") == [("management_relationship", "34.2", ["宜昌主管单位", "宜昌下属公司"])]
    assert _markers("HEAD") == [("same_legal_representative", "34.2", ["宜昌同法人甲公司", "宜昌同法人乙公司"])]
    # 50 % is not control; a holding sold before the opening no longer counts; unrelated: nothing
    for code in ("MINOR", "SOLD", "CLEAN"):
        assert not Lead.objects.filter(tender__code=code).exists(), code

    control = Lead.objects.get(tender__code="CTRL").markers[0]
    assert control["evidence"]["controller"] == "宜昌母公司"
    (record,) = control["evidence"]["holdings"]
    assert record.startswith("#")
    assert "宜昌母公司 → 宜昌子公司 51.00%" in record
    sisters = Lead.objects.get(tender__code="SISTER").markers[0]["evidence"]
    assert sisters["controller"] == "覃老板"
    assert len(sisters["holdings"]) == 3  # owner → sister A; owner → middle → sister B
    head_evidence = Lead.objects.get(tender__code="HEAD").markers[0]["evidence"]
    assert head_evidence["id_number"] == mask_id_number(head)


def test_control_is_judged_on_the_opening_day(city: Jurisdiction) -> None:
    buyer, target = _firm("宜昌收购方"), _firm("宜昌被收购方")
    others = [_firm(f"宜昌其他{i}公司") for i in range(3)]
    _holds(buyer, target, "70", since=OPENED + dt.timedelta(days=1))
    with pytest.raises(errors.ValidationFailed, match="100"):  # no second 70 % holding beside it
        _holds(others[0], target, "70")
    later = OPENED + dt.timedelta(days=10)
    feed = [_tender("BEFORE", [buyer, target, *others]), _tender("AFTER", [buyer, target, *others], later)]
    services.tenders_import(actor="system:test", tenders=feed)
    services.leads_refresh()
    assert _markers("BEFORE") == []
    assert _markers("AFTER") == [("controlling_shareholder", "34.2", ["宜昌收购方", "宜昌被收购方"])]


def test_the_new_marker_is_on_the_lead_page_pdf_and_excel(city: Jurisdiction, investigator: User) -> None:
    parent, child = _firm("宜昌控股母公司"), _firm("宜昌控股子公司")
    others = [_firm(f"宜昌陪衬{i}公司") for i in range(2)]
    _holds(parent, child, "75", since=dt.date(2020, 1, 1))
    services.tenders_import(actor="system:test", tenders=[_tender("PDF1", [parent, child, *others])])
    services.leads_refresh()
    lead = Lead.objects.get(tender__code="PDF1")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.login(username=investigator.username, password=TEST_PASSWORD)
    page = client.get(f"/bidding/leads/{lead.pk}/").content.decode()
    assert "宜昌控股母公司 → 宜昌控股子公司 75.00%" in page
    with translation.override("zh-hans"):
        assert str(ARTICLES["34.2"]) in page
        assert str(KIND_LABELS["controlling_shareholder"]) in page
    pdf = client.get(f"/bidding/leads/{lead.pk}/pdf/")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "75.00%" in text
    assert "宜昌控股子公司" in text
    excel = client.get("/bidding/leads/export.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(excel.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    (row,) = [r for r in rows if r[0] == "PDF1"]
    assert "34.2" in row
    assert any(isinstance(cell, str) and "宜昌控股母公司 → 宜昌控股子公司 75.00%" in cell for cell in row)
