"""Where the grade is used: licensing rules take it from the credit module (not from what the
applicant types), the inspection draw weights a low-grade contractor's site, bid evaluation reads
every bidder's grade as of the opening day, and the command centre lists the blacklisted and
lowest-grade enterprises and people on active sites."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from jianguan.core.dashboards import dashboard_data
from jianguan.core.models import User
from jianguan.core.rules import rule_decide
from jianguan.credit import services
from jianguan.licensing.services import collect_facts
from jianguan.supervision.risk import section_weights
from tests.credit.test_records import finding
from tests.factories import UserFactory
from tests.registry.factories import make_enterprise, make_section

TODAY = timezone.localdate()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def test_licensing_rule_gets_the_grade_from_the_credit_module(city: object) -> None:
    forger = make_enterprise()
    finding(forger.uscc, code="SG-1-01", fid="F-forged", day=ago(10))
    declared = {
        "category": "general",
        "klass": "building",
        "requested_grade": "乙",
        "completed_projects": 3,
        "major_accident_last_year": False,
        "credit_grade": "AAA",
    }
    facts = collect_facts(
        kind="qualification_application", applicant=forger, section=None, person=None, declared=declared, day=TODAY
    )
    assert facts["credit_grade"] == "C"  # blacklisted: what the applicant typed is not used
    decision = rule_decide("licensing.qualification_standards", facts).result
    assert decision["checks"]["credit"] is False
    assert "credit" in [failure["code"] for failure in decision["failures"]]
    honest = make_enterprise()
    facts = collect_facts(
        kind="qualification_application", applicant=honest, section=None, person=None, declared=declared, day=TODAY
    )
    assert facts["credit_grade"] == "AAA"
    decision = rule_decide("licensing.qualification_standards", facts).result
    assert decision["checks"]["credit"] is True
    assert "credit" not in [failure["code"] for failure in decision["failures"]]


def test_the_draw_weights_a_low_grade_contractors_site(city: object) -> None:
    low, clean = make_section(), make_section()
    finding(low.contractor.uscc, code="SG-1-01", fid="F-forged", day=ago(10))  # blacklisted: grade C
    weights = section_weights([low.section.pk, clean.section.pk], today=TODAY)
    assert weights[low.section.pk] == weights[clean.section.pk] + 3  # grade C adds 3, AAA nothing


def test_bid_evaluation_reads_every_bidders_grade_as_of_the_opening_day(city: object, approver: User) -> None:
    a, b = make_enterprise(), make_enterprise()
    finding(a.uscc, code="SG-1-01", fid="F-forged", day=ago(10))
    finding(b.uscc, code="SG-3-02", fid="F-minor", day=ago(40))
    api = APIClient()
    api.force_authenticate(approver)
    response = api.get("/api/v1/credit/grades/", {"uscc": [b.uscc, a.uscc.lower()]})
    assert response.status_code == 200
    rows = response.json()
    assert [(r["uscc"], r["grade"], r["score"], r["blacklisted"]) for r in rows] == [
        (b.uscc, "AAA", "95.00", False),
        (a.uscc, "C", "80.00", True),
    ]
    assert rows[1]["blacklist"] == ["forged_qualification"]
    before = api.get("/api/v1/credit/grades/", {"uscc": [a.uscc, b.uscc], "on": ago(20)}).json()
    assert [(r["grade"], r["score"]) for r in before] == [("AAA", "100.00"), ("AAA", "95.00")]
    unknown = api.get("/api/v1/credit/grades/", {"uscc": [a.uscc, "91420500XXXXXXXXX0"]})
    assert unknown.status_code == 400
    assert "91420500XXXXXXXXX0" in str(unknown.json())
    assert api.get("/api/v1/credit/grades/").status_code == 400
    assert api.get("/api/v1/credit/grades/", {"uscc": a.uscc, "on": "not-a-day"}).status_code == 400
    outsider = APIClient()
    outsider.force_authenticate(UserFactory(username="nobody", jurisdiction=city, roles=[]))
    assert outsider.get("/api/v1/credit/grades/", {"uscc": a.uscc}).status_code == 403


def test_the_command_centre_lists_flagged_enterprises_and_people_on_active_sites(city: object, approver: User) -> None:
    site, idle = make_section(), make_section(active=False)
    finding(site.contractor.uscc, code="SG-1-01", fid="F-forged", day=ago(10))
    finding(person_id=site.manager.pk, code="RY-1-01", fid="F-forged-cert", day=ago(10))
    finding(idle.contractor.uscc, code="SG-1-01", fid="F-idle", day=ago(10))  # not on an active site
    services.standings_recompute()
    panels = {panel["code"]: panel["data"] for panel in dashboard_data(approver)}
    rows = {row["label"]: row for row in panels["credit.flagged_on_sites"]["rows"]}
    assert set(rows) == {site.contractor.name, site.manager.name}
    assert rows[site.manager.name]["cells"] == ["C ⚑", "80.00", 1]
