"""The public portal shows what may be disclosed and nothing else: masked ID numbers, no expired,
revoked or unapproved records; readable without signing in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jianguan.core.models import User
from jianguan.credit import services
from jianguan.credit.models import Record
from tests.credit.conftest import _officer
from tests.credit.test_records import finding
from tests.factories import JurisdictionFactory
from tests.registry.factories import make_enterprise, make_person, register


@pytest.fixture
def city(db: None) -> object:
    from jianguan.core.models import Jurisdiction

    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    return city


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def test_lookup_file_blacklist_and_feed_without_login(city: object, client: Client) -> None:
    officer: User = _officer(city, "credit.o")  # type: ignore[arg-type]
    enterprise = make_enterprise(name="宜昌某某建设有限公司")
    person = make_person("李四")
    register(person, enterprise)
    finding(enterprise.uscc, code="SG-3-02", fid="F-now", day=ago(30).isoformat())  # disclosed (12 months)
    finding(enterprise.uscc, code="SG-4-06", fid="F-old", day=ago(200).isoformat())  # 6 months: expired
    finding(enterprise.uscc, code="SG-1-01", fid="F-forged", day=ago(10).isoformat())  # blacklisted
    finding(person_id=person.pk, code="RY-1-04", fid="F-p", day=ago(5).isoformat())
    pending = services.record_handle(
        actor=officer, subject=services.subject_of(enterprise), code="SG-3-03", event_date=ago(3)
    )
    revoked = Record.objects.get(source_ref="F-now")
    appeal = services.appeal_lodge(actor=officer, record=revoked, applicant="企业", grounds="异议")

    response = client.get("/public/", {"q": "某某建设"})
    assert response.status_code == 200
    assert enterprise.uscc in response.content.decode()
    page = client.get("/public/", {"q": "李四"}).content.decode()
    assert person.id_number not in page
    assert person.id_number[:6] in page
    assert client.get("/public/", {"q": person.id_number}).content.decode().count(person.name) >= 1

    page = client.get(f"/public/enterprise/{enterprise.uscc}/").content.decode()
    assert "SG-3-02" in page
    assert "SG-1-01" in page
    assert "SG-4-06" not in page  # past its disclosure period
    assert "SG-3-03" not in page
    assert pending.status == "handled"
    assert "异议处理中" in page or "under appeal" in page

    page = client.get(f"/public/person/{person.pk}/").content.decode()
    assert person.id_number not in page
    assert "RY-1-04" in page

    page = client.get("/public/blacklist/").content.decode()
    assert enterprise.name in page
    assert person.name not in page

    feed = client.get("/public/credit/feed.json").json()
    codes = sorted(item["code"] for item in feed["records"])
    assert codes == ["RY-1-04", "SG-1-01", "SG-3-02"]
    assert all(person.id_number not in str(item) for item in feed["records"])
    assert feed["blacklist"][0]["reasons"] == ["forged_qualification"]
    assert [i["scope"] for i in feed["records"] if i["code"] == "RY-1-04"] == ["local"]

    services.appeal_decide(actor=officer, appeal=appeal, outcome="revoked", reasons="核实有误")
    page = client.get(f"/public/enterprise/{enterprise.uscc}/").content.decode()
    assert "SG-3-02" not in page
    assert "SG-3-02" not in str(client.get("/public/credit/feed.json").json())


def test_bad_requests_are_answered_not_crashed(city: object, client: Client) -> None:
    assert client.get("/public/enterprise/NOPE/").status_code == 404
    assert client.get("/public/person/999999/").status_code == 404
    person = make_person()  # not registered: not a public subject
    assert client.get(f"/public/person/{person.pk}/").status_code == 404
    assert client.get("/public/", {"q": "x"}).status_code == 200
    feed = client.get("/public/credit/feed.json", {"limit": "abc", "offset": "-5"})
    assert feed.status_code == 200
    assert feed.json()["limit"] == 500
    assert feed.json()["offset"] == 0
    assert client.post("/public/credit/feed.json").status_code == 405
