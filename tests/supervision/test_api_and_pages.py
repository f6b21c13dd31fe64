"""An inspection from plan to closure through the API; the pages; the public pages."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader
from rest_framework.test import APIClient

from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.registry import services as registry_services
from jianguan.supervision.models import Answer
from tests.factories import TEST_PASSWORD, UserFactory
from tests.registry.factories import Section, make_section
from tests.supervision.conftest import png

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_plan_to_closure_through_the_api(city: Jurisdiction, inspectors: list[User], head: User, head2: User) -> None:
    site: Section = make_section()
    drawn = api(head).post(
        "/api/v1/supervision/draws/", {"jurisdiction": "420500", "kind": "safety", "targets": 1}, format="json"
    )
    assert drawn.status_code == 201, drawn.content
    draw = drawn.json()
    assert draw["result"][0]["section"] == site.section.pk
    chosen = list(User.objects.filter(pk__in=draw["result"][0]["inspectors"]).order_by("username"))
    names = [u.username for u in chosen]
    started = api(chosen[0]).post(
        "/api/v1/supervision/inspections/",
        {"bid_section": site.section.pk, "kind": "safety", "inspectors": names, "draw": draw["id"]},
        format="json",
    )
    assert started.status_code == 201, started.content
    inspection = started.json()
    assert inspection["origin"] == "planned"
    url = f"/api/v1/supervision/inspections/{inspection['id']}/"
    refused = api(chosen[0]).post(url + "submit/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "checklist_incomplete"
    assert "未" in refused.json()["error"]["messages"]["zh-hans"]
    checklist = api(chosen[0]).get(url).json()
    assert len(checklist["unanswered"]) == 8
    for code in checklist["unanswered"]:
        body = {"item": code, "result": "pass", "key": f"key-{code}"}
        if code in ("S-01", "S-06"):  # evidence: a signature on site
            body["signature"] = "项目安全员 李强"
        if code == "S-03":
            body.update(
                result="fail",
                note="连墙件缺失",
                measurement="4.5m",
                photos=[png()],
                latitude="30.7",
                longitude="111.3",
                captured_at="2026-05-06T09:30:00+08:00",
            )
        response = api(chosen[1]).post(url + "answers/", body, format="multipart")
        assert response.status_code == 200, response.content
    again = api(chosen[1]).post(
        url + "answers/",
        {
            "item": "S-03",
            "result": "fail",
            "key": "key-S-03",
            "note": "连墙件缺失",
            "measurement": "4.5m",
            "photos": [png()],
        },
        format="multipart",
    )
    assert again.json()["changed"] is False
    assert Answer.objects.filter(inspection_id=inspection["id"]).count() == 8
    bad = api(chosen[1]).post(url + "answers/", {"item": "S-01", "result": "maybe", "key": "z"}, format="multipart")
    assert bad.status_code == 400
    findings = api(chosen[0]).post(url + "submit/").json()
    assert [f["item_code"] for f in findings] == ["S-03"]
    finding_id = findings[0]["id"]
    outsider = next(u for u in inspectors if u.username not in names)
    assert (
        api(outsider)
        .post(f"/api/v1/supervision/findings/{finding_id}/review/", {"accepted": True}, format="json")
        .status_code
        == 200
    )
    assert api(head).post(f"/api/v1/supervision/findings/{finding_id}/confirm/").json()["status"] == "confirmed"
    issued = api(head).post(
        "/api/v1/supervision/rectifications/", {"findings": [finding_id], "working_days": 5}, format="json"
    )
    assert issued.status_code == 201, issued.content
    order = issued.json()
    pdf = api(head).get(f"/api/v1/supervision/rectifications/{order['id']}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "整改通知单" in text
    assert order["number"] in text
    assert "连墙件缺失" in text
    company = UserFactory(username="ent.contractor", kind=User.Kind.ENTERPRISE)
    registry_services.enterprise_account_link(actor="system:test", user=company, enterprise=site.contractor)
    # a user named after the enterprise's credit code, with no account link, does not act for it
    impostor = UserFactory(username=site.contractor.uscc, kind=User.Kind.ENTERPRISE)
    assert (
        api(impostor)
        .post(
            f"/api/v1/supervision/rectifications/{order['id']}/reply/",
            {"text": "x", "files": [png()]},
            format="multipart",
        )
        .status_code
        == 404
    )
    reply = api(company).post(
        f"/api/v1/supervision/rectifications/{order['id']}/reply/",
        {"text": "已补设连墙件", "files": [png("after.png")]},
        format="multipart",
    )
    assert reply.status_code == 200, reply.content
    other = UserFactory(username="91420502MA0000000X", kind=User.Kind.ENTERPRISE)
    assert (
        api(other)
        .post(
            f"/api/v1/supervision/rectifications/{order['id']}/reply/",
            {"text": "x", "files": [png()]},
            format="multipart",
        )
        .status_code
        == 404
    )
    closed = api(head2).post(
        f"/api/v1/supervision/rectifications/{order['id']}/review/",
        {"accepted": True, "note": "复查合格"},
        format="json",
    )
    assert closed.json()["status"] == "closed"
    assert LedgerEntry.objects.filter(action="supervision.rectification.closed").exists()
    verify = Client().get(f"/supervision/verify/{order['number']}/")
    assert verify.status_code == 200
    assert site.contractor.name in verify.content.decode()
    assert Client().get("/supervision/verify/ZG000/").status_code == 404


def test_pages_and_public_draws(city: Jurisdiction, inspectors: list[User], head: User) -> None:
    site = make_section()
    draw = (
        api(head)
        .post(
            "/api/v1/supervision/draws/",
            {"jurisdiction": "420500", "kind": "safety", "targets": 1, "seed": "fixed"},
            format="json",
        )
        .json()
    )
    assert Client().get("/supervision/public/draws/").content.decode().count(site.section.code) == 0
    api(head).post(f"/api/v1/supervision/draws/{draw['id']}/publish/")
    public = Client().get("/supervision/public/draws/").content.decode()
    assert site.section.code in public
    assert "fixed" in public
    for user in inspectors:
        assert user.username not in public
        assert user.display_name not in public
    started = (
        api(inspectors[0])
        .post(
            "/api/v1/supervision/inspections/",
            {
                "bid_section": site.section.pk,
                "kind": "quality",
                "inspectors": [inspectors[0].username, inspectors[1].username],
                "reason": "投诉核查",
            },
            format="json",
        )
        .json()
    )
    client = web(inspectors[0])
    listing = client.get("/supervision/").content.decode()
    assert started["number"] in listing
    page = client.get(f"/supervision/inspections/{started['id']}/").content.decode()
    assert 'capture="environment"' in page
    assert "Q-05" in page
    assert 'accept="image/*"' in page
    assert client.get("/supervision/draws/").status_code == 200
    assert client.get("/supervision/rectifications/").status_code == 200
    wujiagang = UserFactory(
        username="safety.wjg", jurisdiction=Jurisdiction.objects.get(code="420503"), roles=["safety_inspector"]
    )
    assert api(wujiagang).get(f"/api/v1/supervision/inspections/{started['id']}/").status_code == 404
