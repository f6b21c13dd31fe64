"""The office pages with forms: starting an inspection (unplanned and from a draw), reviewing and
confirming findings, issuing rectification and stop-work orders, the reply and the closure, and
the draw. Every refusal is shown on the page with its status, never a 500."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.registry import services as registry_services
from jianguan.supervision import services
from jianguan.supervision.models import (
    Checklist,
    Draw,
    Finding,
    Inspection,
    RectificationOrder,
    StopWorkOrder,
)
from tests.factories import TEST_PASSWORD, UserFactory
from tests.registry.factories import Section
from tests.supervision.conftest import PNG
from tests.supervision.test_services import answer_all, start

pytestmark = pytest.mark.django_db


def web(user: User, language: str = "zh-hans") -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    client.cookies["django_language"] = language
    return client


def submitted(site: Section, checklist: Checklist, inspectors: list[User], fail: tuple[str, ...]) -> list[Finding]:
    inspection = start(site, checklist, inspectors)
    answer_all(inspection, inspectors[1], fail=fail)
    return services.inspection_submit(actor=inspectors[0], inspection=inspection)


def confirmed(findings: list[Finding], head: User, head2: User) -> None:
    for finding in findings:
        services.finding_review(actor=head, finding=finding, accepted=True)
        services.finding_confirm(actor=head2, finding=finding)


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_start_an_unplanned_inspection(
    site: Section, safety_checklist: Checklist, inspectors: list[User], head: User
) -> None:
    client = web(inspectors[0])
    form = client.get("/supervision/inspections/new/")
    assert form.status_code == 200
    page = text(form)
    assert "发起检查" in page
    assert site.section.code in page  # offered in the list of sections
    assert all(u.username in page for u in inspectors)
    assert head.username in page  # a city head inspects district sites too
    base = {
        "bid_section": site.section.code,
        "checklist": str(safety_checklist.pk),
        "inspectors": [str(inspectors[0].pk), str(inspectors[1].pk)],
    }
    no_reason = client.post("/supervision/inspections/new/", base)
    assert no_reason.status_code == 400
    assert "非计划检查须填写理由" in text(no_reason)
    assert site.section.code in text(no_reason)  # the form keeps what was typed
    alone = client.post("/supervision/inspections/new/", {**base, "inspectors": [str(inspectors[0].pk)], "reason": "x"})
    assert alone.status_code == 400
    assert "至少需要两名监督人员" in text(alone)
    unknown = client.post("/supervision/inspections/new/", {**base, "bid_section": "NOPE-1", "reason": "x"})
    assert unknown.status_code == 404
    assert "NOPE-1" in text(unknown)
    garbage = client.post("/supervision/inspections/new/", {**base, "checklist": "abc", "inspectors": ["x"]})
    assert garbage.status_code == 400
    assert 'id="refusal"' in text(garbage)
    assert Inspection.objects.count() == 0
    started = client.post("/supervision/inspections/new/", {**base, "reason": "群众投诉"})
    assert started.status_code == 302
    inspection = Inspection.objects.get()
    assert started["Location"] == f"/supervision/inspections/{inspection.pk}/"
    assert inspection.origin == Inspection.Origin.MANUAL
    assert inspection.reason == "群众投诉"
    assert set(inspection.inspectors.all()) == set(inspectors[:2])
    assert LedgerEntry.objects.filter(action="supervision.inspection.started").count() == 1
    english = web(inspectors[0], "en").post("/supervision/inspections/new/", base)
    assert "An unplanned inspection needs a reason." in text(english)


def test_starting_needs_the_inspect_permission(city: Jurisdiction) -> None:
    reader = UserFactory(
        username="command.reader", jurisdiction=Jurisdiction.objects.get(code="420500"), roles=["command_operator"]
    )
    assert web(reader).get("/supervision/inspections/new/").status_code == 403


def test_draw_page_and_a_planned_inspection_from_it(
    site: Section, inspectors: list[User], head: User, head2: User
) -> None:
    client = web(head)
    page = client.get("/supervision/draws/")
    assert page.status_code == 200
    assert 'id="draw-form"' in text(page)
    city = Jurisdiction.objects.get(code="420500")
    bad = client.post("/supervision/draws/", {"jurisdiction": city.pk, "kind": "safety", "targets": 0})
    assert bad.status_code == 400
    assert "form_invalid" in text(bad)
    assert "抽取工地数" in text(bad)  # the field named in Chinese
    outside = client.post("/supervision/draws/", {"jurisdiction": 999999, "kind": "safety", "targets": 1})
    assert outside.status_code == 400
    fields = {"jurisdiction": city.pk, "kind": "safety", "targets": 1, "inspectors_per_target": 2, "seed": "春季-01"}
    made = client.post("/supervision/draws/", fields)
    assert made.status_code == 302
    draw = Draw.objects.get()
    assert made["Location"] == f"/supervision/draws/{draw.pk}/"
    again = client.post("/supervision/draws/", fields)
    assert again.status_code == 302
    second = Draw.objects.exclude(pk=draw.pk).get()
    assert second.result == draw.result  # the same seed and candidates give the same draw
    detail = text(client.get(f"/supervision/draws/{draw.pk}/"))
    assert "春季-01" in detail
    assert site.section.code in detail
    drawn = User.objects.filter(pk__in=draw.result[0]["inspectors"])
    assert all(u.display_name in detail for u in drawn)
    assert "能复现" in detail
    seeds = [e.data["seed"] for e in LedgerEntry.objects.filter(action="supervision.draw.made")]
    assert seeds == ["春季-01", "春季-01"]

    inspector = web(inspectors[0])
    refused = inspector.post("/supervision/draws/", fields)
    assert refused.status_code == 403
    assert Draw.objects.count() == 2

    prefilled = client.get(f"/supervision/inspections/new/?draw={draw.pk}&section={site.section.pk}")
    assert prefilled.status_code == 200
    form = text(prefilled)
    assert f'value="{site.section.code}"' in form
    for user in drawn:
        assert f'value="{user.pk}" checked' in form or f'value="{user.pk}" id' in form
    others = [u for u in inspectors if u not in drawn][:2]
    chosen = {
        "draw": draw.pk,
        "bid_section": site.section.code,
        "checklist": str(Checklist.objects.get(code="safety.general").pk),
    }
    mismatch = client.post("/supervision/inspections/new/", {**chosen, "inspectors": [u.pk for u in others]})
    assert mismatch.status_code == 400
    assert draw.number in text(mismatch)
    started = client.post("/supervision/inspections/new/", {**chosen, "inspectors": [u.pk for u in drawn]})
    assert started.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.origin == Inspection.Origin.PLANNED
    assert inspection.draw == draw
    assert inspection.number in text(client.get(f"/supervision/draws/{draw.pk}/"))

    published = client.post(f"/supervision/draws/{draw.pk}/publish/")
    assert published.status_code == 302
    twice = client.post(f"/supervision/draws/{draw.pk}/publish/")
    assert twice.status_code == 409
    assert draw.number in text(twice)
    public = text(Client().get("/supervision/public/draws/"))
    assert "春季-01" in public
    assert all(u.display_name not in public for u in drawn)
    assert client.get("/supervision/draws/999999/").status_code == 404
    tampered = [{**second.result[0], "inspectors": list(reversed(second.result[0]["inspectors"]))}]
    Draw.objects.filter(pk=second.pk).update(result=tampered)  # as if the stored result had been edited
    assert "不能复现" in text(client.get(f"/supervision/draws/{second.pk}/"))


def test_review_and_confirm_by_different_people(
    site: Section, safety_checklist: Checklist, inspectors: list[User], head: User, head2: User
) -> None:
    (finding,) = submitted(site, safety_checklist, inspectors, ("S-03",))
    url = f"/supervision/findings/{finding.pk}/"
    listing = text(web(head).get("/supervision/findings/"))
    assert finding.item_code in listing
    own = web(inspectors[0]).post(url + "review/", {"accepted": "yes"})
    assert own.status_code == 403
    assert "检查问题须由未参加本次检查的人员审核" in text(own)
    no_note = web(head).post(url + "review/", {"accepted": "no", "note": " "})
    assert no_note.status_code == 400
    garbage = web(head).post(url + "review/", {"accepted": "maybe"})
    assert garbage.status_code == 400
    early = web(head2).post(url + "confirm/")
    assert early.status_code == 409
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.PROPOSED

    reviewed = web(head).post(url + "review/", {"accepted": "yes", "note": "属实"})
    assert reviewed.status_code == 302
    page = text(web(head).get(url))
    assert 'id="confirm"' in page
    same = web(head).post(url + "confirm/")
    assert same.status_code == 403
    refusal = text(same)
    assert 'id="refusal"' in refusal
    assert "审核人不能同时确认该问题" in refusal
    assert "same_person" in refusal
    english = web(head, "en").post(url + "confirm/")
    assert "The person who reviewed the finding cannot also confirm it." in text(english)
    not_a_head = web(inspectors[2]).post(url + "confirm/")
    assert not_a_head.status_code == 403
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.REVIEWED

    done = web(head2).post(url + "confirm/")
    assert done.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CONFIRMED
    assert finding.reviewed_by == head
    assert finding.confirmed_by == head2
    assert LedgerEntry.objects.filter(action="supervision.finding.confirmed", object_id=str(finding.pk)).exists()
    page = text(web(head2).get(url))
    assert head.display_name in page
    assert head2.display_name in page
    assert 'id="confirm"' not in page
    assert web(head2).post(url + "confirm/").status_code == 409
    assert web(head).get("/supervision/findings/999999/").status_code == 404
    assert web(head).post("/supervision/findings/999999/confirm/").status_code == 404


def test_issue_orders_reply_reinspect_close_and_lift(
    site: Section, safety_checklist: Checklist, inspectors: list[User], head: User, head2: User
) -> None:
    findings = submitted(site, safety_checklist, inspectors, ("S-02", "S-08"))
    severe, general = sorted(findings, key=lambda f: f.item_code)
    assert severe.severity == "severe"
    confirmed(findings, head, head2)
    client = web(head)
    listing = client.get("/supervision/findings/?status=confirmed")
    assert f'name="findings" value="{severe.pk}"' in text(listing)
    issue = "/supervision/orders/issue/"
    nothing = client.post(issue, {"action": "rectification", "working_days": 5})
    assert nothing.status_code == 400
    no_days = client.post(issue, {"action": "rectification", "findings": [severe.pk]})
    assert no_days.status_code == 400
    assert "1 到 60" in text(no_days) or "60" in text(no_days)
    words = client.post(issue, {"action": "rectification", "findings": [severe.pk], "working_days": "五"})
    assert words.status_code == 400
    not_severe = client.post(issue, {"action": "stop_work", "findings": [general.pk], "reason": "隐患"})
    assert not_severe.status_code == 400
    assert "须至少有一项已确认的严重问题" in text(not_severe)
    assert not RectificationOrder.objects.exists()
    assert (
        web(inspectors[2])
        .post(issue, {"action": "rectification", "findings": [severe.pk], "working_days": 5})
        .status_code
        == 403
    )

    issued = client.post(issue, {"action": "rectification", "findings": [severe.pk, general.pk], "working_days": 5})
    assert issued.status_code == 302
    order = RectificationOrder.objects.get()
    assert issued["Location"] == f"/supervision/rectifications/{order.pk}/"
    assert set(order.findings.all()) == {severe, general}
    pdf = client.get(f"/supervision/rectifications/{order.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    pdf_text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert order.number in pdf_text
    assert "整改通知单" in pdf_text

    stop = client.post(issue, {"action": "stop_work", "findings": [severe.pk], "reason": "外脚手架严重变形"})
    assert stop.status_code == 302
    stop_order = StopWorkOrder.objects.get()
    assert stop["Location"] == f"/supervision/stop-work/{stop_order.pk}/"
    stop_pdf = client.get(f"/supervision/stop-work/{stop_order.pk}/pdf/")
    assert stop_pdf["Content-Type"] == "application/pdf"
    assert "停工通知书" in "".join(PdfReader(io.BytesIO(stop_pdf.content)).pages[0].extract_text().split())
    early_lift = client.post(f"/supervision/stop-work/{stop_order.pk}/lift/", {"reason": "已整改"})
    assert early_lift.status_code == 409
    assert "整改通知" in text(early_lift)

    order_url = f"/supervision/rectifications/{order.pk}/"
    page = text(client.get(order_url))
    assert 'id="reply"' in page
    no_files = client.post(order_url + "reply/", {"text": "已整改"})
    assert no_files.status_code == 400
    assert "整改回复须有说明和至少一个证明文件" in text(no_files)
    not_an_image = client.post(
        order_url + "reply/",
        {"text": "已整改", "evidence": [SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="image/png")]},
    )
    assert not_an_image.status_code == 400

    company = UserFactory(username="ent.contractor", kind=User.Kind.ENTERPRISE)
    registry_services.enterprise_account_link(actor="system:test", user=company, enterprise=site.contractor)
    other = UserFactory(username=site.contractor.uscc, kind=User.Kind.ENTERPRISE)  # named like it, not linked
    assert web(other).get(order_url).status_code == 404
    assert web(other).post(order_url + "reply/", {"text": "x"}).status_code == 404
    enterprise = web(company)
    own = enterprise.get(order_url)
    assert own.status_code == 200
    assert "audit-trail" not in text(own)
    assert enterprise.get(order_url + "pdf/")["Content-Type"] == "application/pdf"
    replied = enterprise.post(
        order_url + "reply/",
        {
            "text": "已补设防护并清理",
            "evidence": [SimpleUploadedFile("after.png", PNG + b"after", content_type="image/png")],
        },
    )
    assert replied.status_code == 302
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.REPLIED
    assert order.evidence.count() == 1
    assert enterprise.post(order_url + "review/", {"accepted": "yes"}).status_code == 403  # staff only

    returned_without_note = client.post(order_url + "review/", {"accepted": "no"})
    assert returned_without_note.status_code == 400
    returned = client.post(order_url + "review/", {"accepted": "no", "note": "防护高度不足"})
    assert returned.status_code == 302
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ISSUED
    client.post(
        order_url + "reply/",
        {
            "text": "纸质回复：已加高防护",
            "evidence": [SimpleUploadedFile("b.png", PNG + b"b", content_type="image/png")],
        },
    )
    closed = web(head2).post(order_url + "review/", {"accepted": "yes", "note": "复查合格"})
    assert closed.status_code == 302
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.CLOSED
    actions = list(
        LedgerEntry.objects.filter(object_id=str(order.pk), action__startswith="supervision.rectification").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "supervision.rectification.issued",
        "supervision.rectification.replied",
        "supervision.rectification.returned",
        "supervision.rectification.replied",
        "supervision.rectification.closed",
    ]
    assert client.post(order_url + "review/", {"accepted": "yes"}).status_code == 409

    no_reason = client.post(f"/supervision/stop-work/{stop_order.pk}/lift/", {"reason": ""})
    assert no_reason.status_code == 400
    lifted = client.post(f"/supervision/stop-work/{stop_order.pk}/lift/", {"reason": "复查合格，准予复工"})
    assert lifted.status_code == 302
    stop_order.refresh_from_db()
    assert stop_order.status == StopWorkOrder.Status.LIFTED
    assert stop_order.number in text(client.get("/supervision/stop-work/?status=lifted"))


def test_lists_and_menu(site: Section, safety_checklist: Checklist, inspectors: list[User], head: User) -> None:
    submitted(site, safety_checklist, inspectors, ("S-08",))
    client = web(head)
    with CaptureQueriesContext(connection) as one:
        client.get("/supervision/findings/")
    submitted(site, safety_checklist, inspectors, ("S-02", "S-04", "S-05"))
    with CaptureQueriesContext(connection) as four:
        assert text(client.get("/supervision/findings/")).count("/supervision/findings/") >= 4
    assert len(four) == len(one)  # no query per finding
    for url in (
        "/supervision/findings/",
        "/supervision/findings/?status=confirmed",
        "/supervision/findings/?status=nonsense",
        "/supervision/stop-work/",
        "/supervision/stop-work/?status=all",
        "/supervision/rectifications/",
        "/supervision/findings/?page=abc",
    ):
        assert client.get(url).status_code == 200, url
    menu = text(client.get("/supervision/"))
    assert "/supervision/findings/" in menu
    assert "/supervision/stop-work/" in menu
    assert "/supervision/inspections/new/" in menu
    assert client.get("/supervision/orders/issue/").status_code == 405
