"""The stage line through the API and the pages, the licensing interface by ledger event, and
drawing-review prompts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from jianguan.core.errors import ApplicationError
from jianguan.core.ledger import ledger_append
from jianguan.core.models import User
from jianguan.lifecycle.models import StageRecord
from jianguan.lifecycle.selectors import drawing_review_prompts
from jianguan.lifecycle.services import finding_add, finding_update
from jianguan.registry.models import BidSection
from tests.factories import TEST_PASSWORD
from tests.lifecycle.conftest import ACTOR, PDF, walk
from tests.registry.factories import make_section

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_api_gate_open_complete(section: BidSection, officer: User) -> None:
    base = f"/api/v1/lifecycle/sections/{section.pk}"
    gate = api(officer).get(f"{base}/stages/drawing_review/gate/?on=2024-01-05").json()
    assert gate["allowed"] is False
    assert gate["missing"] == [{"kind": "stage", "condition": "registration"}]
    assert gate["missing_text"][0].startswith("报建")
    refused = api(officer).post(f"{base}/stages/drawing_review/open/", {"on": "2024-01-05"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "stage_gate_refused"
    assert refused.json()["error"]["extra"]["missing"] == [{"kind": "stage", "condition": "registration"}]
    opened = api(officer).post(
        f"{base}/stages/registration/open/", {"on": "2024-01-02", "responsible": ["王敏"]}, format="json"
    )
    assert opened.status_code == 201, opened.content
    done = api(officer).post(
        f"{base}/stages/registration/complete/",
        {"on": "2024-01-03", "outcome": "passed", "documents": [SimpleUploadedFile("a.pdf", PDF)]},
        format="multipart",
    )
    assert done.status_code == 200, done.content
    assert len(done.json()["documents"][0]["sha256"]) == 64
    line = api(officer).get(f"{base}/stages/").json()
    assert len(line) == 13
    assert line[0]["state"] == "done"
    assert line[1]["state"] == "pending"
    assert api(officer).get(f"{base}/stages/nope/gate/").status_code == 404
    bad = api(officer).post(f"{base}/stages/registration/complete/", {"on": "x", "outcome": "y"}, format="json")
    assert bad.status_code == 400


def test_other_district_sees_nothing(section: BidSection, wujiagang_inspector: User) -> None:
    assert api(wujiagang_inspector).get(f"/api/v1/lifecycle/sections/{section.pk}/stages/").status_code == 404
    assert web(wujiagang_inspector).get(f"/lifecycle/sections/{section.pk}/").status_code == 404


def test_pages(section: BidSection, officer: User) -> None:
    acceptance = walk(section, "completion_acceptance")
    client = web(officer)
    page = client.get(f"/lifecycle/sections/{section.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "施工许可" in text
    assert 'data-stage="completion_filing" data-state="late"' in text
    fragment = client.get(f"/lifecycle/sections/{section.pk}/stages/archive_handover/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert 'data-gate="allowed"' in fragment.content.decode()
    overdue = client.get("/lifecycle/overdue/")
    assert overdue.status_code == 200
    assert acceptance < timezone.localdate()
    assert "竣工验收合格之日起15日内备案" in overdue.content.decode()
    assert client.get("/lifecycle/").status_code == 200
    listing = api(officer).get("/api/v1/lifecycle/overdue/?state=overdue").json()
    assert {row["rule"] for row in listing["results"]} >= {"completion_filing"}


def test_page_shows_refused_gate(section: BidSection, officer: User) -> None:
    client = web(officer)
    fragment = client.get(f"/lifecycle/sections/{section.pk}/stages/permit/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-gate="refused"' in fragment
    assert "施工图审查" in fragment
    response = client.post(f"/lifecycle/sections/{section.pk}/stages/permit/open/", {"on": "2024-01-01"}, follow=True)
    assert response.status_code == 200
    assert "施工许可" in response.content.decode()
    assert not StageRecord.objects.filter(stage="permit").exists()


def test_licensing_event_records_the_permit(section: BidSection) -> None:
    walk(section, "fee")
    ledger_append(
        actor="system:licensing",
        action="licensing.permit.issued",
        object_type="licensing.permit",
        object_id="1",
        payload={"bid_section": section.pk, "on": "2024-06-01", "reference": "420502202406010101"},
    )
    record = StageRecord.objects.get(stage="permit")
    assert record.reference == "420502202406010101"
    assert record.source == "licensing.permit.issued"
    other = make_section().section
    with pytest.raises(ApplicationError):
        ledger_append(
            actor="system:licensing",
            action="licensing.permit.issued",
            object_type="licensing.permit",
            object_id="2",
            payload={"bid_section": other.pk, "on": "2024-06-01", "reference": "x"},
        )


def test_drawing_review_prompts_until_closed(section: BidSection, officer: User, reviewer: User) -> None:
    data = {
        "report_number": "SCT-2024-001",
        "standard": "GB 50010-2010",
        "clause": "8.5.1",
        "description": "梁纵向受力钢筋最小配筋率不足",
        "location": "结施-05 KL3",
    }
    finding, created = finding_add(actor=ACTOR, section=section, data=data)
    assert created
    assert finding_add(actor=ACTOR, section=section, data=data) == (finding, False)
    on_site, _ = finding_add(
        actor=ACTOR, section=section, data={**data, "clause": "4.1.3", "status": "check_on_site", "location": "结施-02"}
    )
    fixed, _ = finding_add(actor=ACTOR, section=section, data={**data, "clause": "9.2.1", "location": "结施-09"})
    finding_update(actor=ACTOR, finding=fixed, status="corrected", revision="结施-09 B版")
    prompts = drawing_review_prompts(section)
    assert [p.provision for p in prompts] == ["GB 50010-2010 §8.5.1", "GB 50010-2010 §4.1.3"]
    with pytest.raises(ApplicationError) as no_revision:
        finding_update(actor=ACTOR, finding=finding, status="corrected")
    assert no_revision.value.code == "revision_required"
    finding_update(actor=ACTOR, finding=on_site, status="closed", note="现场复核合格")
    assert [p.finding_id for p in drawing_review_prompts(section)] == [finding.pk]
    api_prompts = api(officer).get(f"/api/v1/lifecycle/sections/{section.pk}/prompts/").json()
    assert [p["provision"] for p in api_prompts] == ["GB 50010-2010 §8.5.1"]
    url = f"/api/v1/lifecycle/sections/{section.pk}/findings/"
    assert api(officer).post(url, data, format="json").status_code == 403
    assert api(reviewer).post(url, {**data, "standard": ""}, format="json").status_code == 400
    created_api = api(reviewer).post(url, {**data, "clause": "3.0.1"}, format="json")
    assert created_api.status_code == 201
    assert api(reviewer).post(url, {**data, "clause": "3.0.1"}, format="json").status_code == 200
    page = web(reviewer).get(f"/lifecycle/sections/{section.pk}/").content.decode()
    assert "GB 50010-2010 §3.0.1" in page
