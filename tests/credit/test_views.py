"""Staff pages and API: a credit file with its chart data, manual entry through three people,
the queues, and errors shown rather than crashing."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from jianguan.core.models import User
from jianguan.credit import services
from jianguan.credit.models import Appeal, Record
from tests.credit.test_records import finding
from tests.factories import UserFactory
from tests.registry.factories import make_enterprise


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_manual_entry_review_and_approval_on_the_pages(handler: User, reviewer: User, approver: User) -> None:
    enterprise = make_enterprise(name="宜昌页面测试建设有限公司")
    finding(enterprise.uscc, code="SG-3-02", fid="F-1", day="2026-03-10")
    subject = services.subject_of(enterprise)
    web = _client(handler)
    page = web.get(f"/credit/subjects/{subject.pk}/")
    assert page.status_code == 200
    assert page.context["chart"]["scores"][-1] == 95.0
    assert "SG-3-02" in page.content.decode()
    assert web.get("/credit/", {"q": "页面测试"}).context["page"].object_list[0] == subject
    response = web.post(
        f"/credit/subjects/{subject.pk}/records/",
        {"code": "SG-4-07", "event_date": "2026-04-02", "source": "accident", "quantity": "2"},
        follow=True,
    )
    assert response.status_code == 200
    record = Record.objects.get(code="SG-4-07")
    assert record.points == 20
    assert record.status == "handled"
    # points cannot be typed: a code of another subject type is refused by the form
    response = web.post(
        f"/credit/subjects/{subject.pk}/records/",
        {"code": "RY-1-04", "event_date": "2026-04-02", "source": "manual", "quantity": "1"},
        follow=True,
    )
    assert Record.objects.filter(code="RY-1-04").count() == 0
    assert "RY-1-04" in response.content.decode()
    # the handler cannot review it: a clear message, no 500
    response = web.post(f"/credit/records/{record.pk}/review/", {"accept": "on"}, follow=True)
    assert response.status_code == 200
    assert "三个不同的人" in response.content.decode()
    _client(reviewer).post(f"/credit/records/{record.pk}/review/", {"accept": "on"})
    queue = _client(approver).get("/credit/queue/")
    assert record in list(queue.context["records"])
    _client(approver).post(f"/credit/records/{record.pk}/approve/", {"accept": "on"})
    record.refresh_from_db()
    assert record.status == "recorded"
    # appeal on the page, decided by the head
    first = Record.objects.get(code="SG-3-02")
    web.post(f"/credit/records/{first.pk}/appeal/", {"applicant": "企业", "grounds": "事实不清"})
    appeal = Appeal.objects.get()
    _client(approver).post(f"/credit/appeals/{appeal.pk}/decide/", {"outcome": "revoked", "reasons": "核实撤销"})
    first.refresh_from_db()
    assert first.status == "revoked"


def test_api_standing_as_of_a_day_and_entry(handler: User, reviewer: User) -> None:
    enterprise = make_enterprise()
    finding(enterprise.uscc, code="SG-1-01", fid="F-1", day="2026-03-10")
    subject = services.subject_of(enterprise)
    api = APIClient()
    api.force_authenticate(handler)
    before = api.get(f"/api/v1/credit/subjects/{subject.pk}/standing/", {"on": "2026-03-09"}).json()
    after = api.get(f"/api/v1/credit/subjects/{subject.pk}/standing/", {"on": "2026-03-10"}).json()
    assert (before["grade"], before["blacklisted"]) == ("AAA", False)
    assert (after["grade"], after["blacklist"], after["score"]) == ("C", ["forged_qualification"], "80.00")
    assert api.get(f"/api/v1/credit/subjects/{subject.pk}/standing/", {"on": "x"}).status_code == 400
    created = api.post(
        f"/api/v1/credit/subjects/{subject.pk}/records/new/",
        {"code": "SG-2-03", "event_date": "2026-04-01", "source": "penalty"},
        format="json",
    )
    assert created.status_code == 400
    assert created.json()["error"]["code"] == "credit_penalty_incomplete"
    created = api.post(
        f"/api/v1/credit/subjects/{subject.pk}/records/new/",
        {"code": "SG-3-02", "event_date": "2026-04-01", "source": "manual"},
        format="json",
    )
    assert created.status_code == 201
    same = api.post(f"/api/v1/credit/records/{created.json()['id']}/review/", {"accept": True}, format="json")
    assert same.status_code == 403
    assert same.json()["error"]["code"] == "credit_same_person"
    listed = api.get(f"/api/v1/credit/subjects/{subject.pk}/records/").json()
    assert {r["code"] for r in listed["results"]} == {"SG-1-01", "SG-3-02"}


def test_outsiders_see_nothing(handler: User) -> None:
    enterprise = make_enterprise()
    subject = services.subject_of(enterprise)
    nobody = UserFactory(username="nobody", roles=[])
    assert _client(nobody).get(f"/credit/subjects/{subject.pk}/").status_code == 403
    assert Client().get("/credit/").status_code == 302
    api = APIClient()
    api.force_authenticate(nobody)
    assert api.get(f"/api/v1/credit/subjects/{subject.pk}/standing/").status_code == 403
