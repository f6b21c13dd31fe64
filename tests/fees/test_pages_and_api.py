"""The fee through the API and the pages: scoping, the city table sorted by discount rate, the Excel
export, statistics per approver, the licensing precondition, lifecycle's area check."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from jianguan.core.models import Jurisdiction, User
from jianguan.fees import services
from jianguan.fees.models import Basis
from jianguan.licensing.services import collect_facts
from jianguan.registry.models import BidSection, Project
from tests.factories import TEST_PASSWORD, UserFactory, department
from tests.fees.conftest import ACTOR, DAY, planning, registered
from tests.registry.factories import make_project

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def three(city: Jurisdiction, approver: User) -> list[Project]:
    """Paid in full, half paid, and relieved without a policy (70 % paid)."""
    projects = []
    for n, paid in enumerate(("1430000.00", "715000.00", None)):
        project = make_project(function="commercial" if paid is None else "residential", name=f"费用项目{n}")
        planning(project)
        services.assessment_make(actor=ACTOR, project=project, on=DAY)
        if paid:
            services.payment_record(actor=ACTOR, project=project, amount=paid, paid_on=DAY, receipt=f"R{n}")
        projects.append(project)
    services.relief_grant(
        actor=approver,
        project=projects[2],
        code="investment_attraction",
        share="0.3",
        document="纪要〔2025〕1号",
        reason="招商引资",
        on=DAY,
    )
    return projects


def test_api_list_sorted_by_discount_rate(market: User, three: list[Project]) -> None:
    body = api(market).get("/api/v1/fees/files/?order=-discount").json()
    assert [row["project_code"] for row in body["results"]] == [three[2].code, three[1].code, three[0].code]
    assert [row["discount_rate"] for row in body["results"]] == ["1.0000", "0.5000", "0.0000"]
    flagged = api(market).get("/api/v1/fees/files/?flagged=true").json()
    assert [row["project_code"] for row in flagged["results"]] == [three[2].code]


def test_api_project_and_writes(market: User, approver: User, city: Jurisdiction) -> None:
    project = make_project(function="kindergarten")
    base = f"/api/v1/fees/projects/{project.pk}"
    refused = api(market).post(f"{base}/assess/", {"on": "2025-03-03"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "fee_no_planning_area"
    area = {
        "basis": "planning_permit",
        "above_ground": "10000",
        "below_ground": "3000",
        "civil_air_defence": "2000",
        "measured_on": "2025-03-01",
        "document": "建字第1号",
    }
    assert api(market).post(f"{base}/areas/", area, format="json").status_code == 201
    assessed = api(market).post(f"{base}/assess/", {"on": "2025-03-03"}, format="json")
    assert assessed.status_code == 201, assessed.content
    assert assessed.json()["file"]["standard"] == "1210000.00"
    assert assessed.json()["assessments"][0]["decision"]["rule"] == "fees.supporting_fee"
    reader = UserFactory(
        username="cmd", jurisdiction=city, department=department("command"), roles=["command_operator"]
    )
    assert (
        api(reader).post(f"{base}/reliefs/", {"code": "kindergarten", "document": "x"}, format="json").status_code
        == 403
    )
    granted = api(approver).post(
        f"{base}/reliefs/", {"code": "kindergarten", "document": "减免〔2025〕2号", "on": "2025-03-04"}, format="json"
    )
    assert granted.status_code == 201, granted.content
    assert granted.json()["relief"]["status"] == "matched"
    paid = api(market).post(
        f"{base}/payments/", {"amount": "605000.00", "paid_on": "2025-03-05", "receipt": "R-1"}, format="json"
    )
    assert paid.json()["file"]["status"] == "paid"
    detail = api(reader).get(f"{base}/").json()
    assert [a["basis"] for a in detail["areas"]] == ["planning_permit", "construction_permit", "completion_survey"]
    assert detail["areas"][0]["levied"] == "11000.00"


def test_scope_hides_other_districts(three: list[Project], city: Jurisdiction) -> None:
    other = Jurisdiction.objects.get(code="420503")
    district = UserFactory(
        username="market.wjg", jurisdiction=other, department=department("market"), roles=["market_officer"]
    )
    assert api(district).get("/api/v1/fees/files/").json()["count"] == 0
    assert api(district).get(f"/api/v1/fees/projects/{three[0].pk}/").status_code == 404
    assert web(district).get(f"/fees/projects/{three[0].pk}/").status_code == 404


def test_statistics_per_approver(market: User, three: list[Project]) -> None:
    stats = api(market).get("/api/v1/fees/statistics/").json()
    (row,) = stats["by_approver"]
    assert row["granted_by_label"] == "张建国"
    assert row["reliefs"] == 1
    assert Decimal(row["amount"]) == Decimal("528000.00")  # 30 % of 11,000 m² × 160 (commercial, zone 1)
    assert row["flagged"] == 1
    (district,) = stats["by_district"]
    assert district["projects"] == 3


def test_pages_and_excel(market: User, three: list[Project]) -> None:
    client = web(market)
    page = client.get("/fees/?order=-discount")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index(three[2].code) < text.index(three[1].code) < text.index(three[0].code)
    detail = client.get(f"/fees/projects/{three[2].pk}/").content.decode()
    assert "无对应政策规则" in detail
    assert "建设工程规划许可证" in detail
    export = client.get("/fees/export.xlsx?order=discount")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert codes == [three[0].code, three[1].code, three[2].code]
    assert client.get("/fees/statistics/").status_code == 200


def test_web_forms_write_through_services(market: User, city: Jurisdiction) -> None:
    project = make_project()
    client = web(market)
    url = f"/fees/projects/{project.pk}"
    client.post(
        f"{url}/area/",
        {
            "basis": "planning_permit",
            "above_ground": "8000",
            "below_ground": "0",
            "civil_air_defence": "0",
            "measured_on": "2025-03-01",
            "document": "建字2",
        },
    )
    client.post(f"{url}/assess/", {"use": "residential", "on": "2025-03-03"})
    refused = client.post(
        f"{url}/payment/", {"amount": "1.00", "paid_on": "2025-03-01", "receipt": "early"}, follow=True
    )
    assert "早于核定日期" in refused.content.decode()
    assert project.fee_file.standard == Decimal("1040000.00")


def test_licensing_reads_the_fee_records(section: BidSection, project: Project) -> None:
    applicant = project.owner
    declared = {"fee_paid": True}
    facts = collect_facts(
        kind="construction_permit", applicant=applicant, section=section, person=None, declared=declared, day=DAY
    )
    assert facts["fee_paid"] is True  # no assessment: the declaration stands
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    facts = collect_facts(
        kind="construction_permit", applicant=applicant, section=section, person=None, declared=declared, day=DAY
    )
    assert (facts["fee_paid"], facts["fee_source"]) == (False, "fees")  # the records overrule it


def test_lifecycle_page_shows_the_three_areas(section: BidSection, project: Project, market: User) -> None:
    registered(section)
    planning(project)
    services.area_record(
        actor=ACTOR,
        project=project,
        basis=Basis.PERMIT,
        above_ground="10400",
        below_ground="3000",
        civil_air_defence="2000",
        measured_on=dt.date(2025, 5, 1),
        document="许可1",
    )
    viewer = UserFactory(
        username="q", jurisdiction=project.jurisdiction.parent, department=department("quality"), roles=["quality_head"]
    )
    text = web(viewer).get(f"/lifecycle/sections/{section.pk}/").content.decode()
    assert "建筑面积：规划许可、施工许可、竣工测绘" in text
    assert "+400.00" in text
    del market
