"""Timelines per bid section and per project, the overdue list exported, and the permit's parties
checked against today's."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from jianguan.core.models import User
from jianguan.lifecycle.selectors import permit_comparison
from jianguan.registry import services as registry
from jianguan.registry.models import BidSection, KeyPerson
from tests.lifecycle.conftest import walk
from tests.lifecycle.test_pages_and_api import api, web
from tests.registry.factories import make_enterprise, make_person, make_section, register

pytestmark = pytest.mark.django_db


def _accepted_not_filed(section: BidSection) -> dt.date:
    """Completion accepted in 2024, never filed nor archived: both deadlines long passed."""
    return walk(section, "completion_acceptance")


def test_section_timeline_page_and_api(section: BidSection, officer: User) -> None:
    _accepted_not_filed(section)
    owner = section.project.owner.name
    data = api(officer).get(f"/api/v1/lifecycle/sections/{section.pk}/timeline/").json()
    assert data["current"]["code"] == "completion_filing"
    assert data["done"] == 11
    assert sorted(item["rule"] for item in data["late"]) == ["archive_handover", "completion_filing"]
    assert data["parties"]["owner"] == owner
    assert owner in data["parties"]["deadline_holder"]
    assert len(data["stages"]) == 13
    states = {s["code"]: s["state"] for s in data["stages"]}
    assert states["completion_filing"] == "late"
    assert states["commencement"] == "done"
    assert states["archive_handover"] == "late"
    assert states["completion_acceptance"] == "done"
    page = web(officer).get(f"/lifecycle/sections/{section.pk}/timeline/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-stage="completion_filing" data-state="late"' in html
    assert owner in html


def test_project_timeline_grid_in_fixed_queries(officer: User, django_assert_max_num_queries: Any) -> None:
    site = make_section()
    _accepted_not_filed(site.section)
    second = registry.bid_section_add(actor="system:test", project=site.project, data={"name": "二标段"})
    walk(second, "commencement")
    with django_assert_max_num_queries(25):
        data = api(officer).get(f"/api/v1/lifecycle/projects/{site.project.pk}/timeline/").json()
    assert [row["section_code"] for row in data] == sorted([site.section.code, second.code])
    current = {row["section_id"]: row["current"]["code"] for row in data}
    assert current == {site.section.pk: "completion_filing", second.pk: "foundation_acceptance"}
    page = web(officer).get(f"/lifecycle/projects/{site.project.pk}/timeline/")
    assert page.status_code == 200
    assert page.content.decode().count("pt-cell stage-") == 26


def test_timelines_respect_jurisdiction(section: BidSection, wujiagang_inspector: User) -> None:
    # the section is in 西陵区; an inspector of 伍家岗区 sees neither timeline
    assert api(wujiagang_inspector).get(f"/api/v1/lifecycle/sections/{section.pk}/timeline/").status_code == 404
    response = api(wujiagang_inspector).get(f"/api/v1/lifecycle/projects/{section.project_id}/timeline/")
    assert response.status_code == 404


def test_overdue_list_exported_with_responsible_people(section: BidSection, officer: User) -> None:
    _accepted_not_filed(section)
    client = web(officer)
    owner = section.project.owner.name
    manager = section.key_people.get(role="project_manager").person.name
    page = client.get("/lifecycle/overdue/")
    assert owner in page.content.decode()
    excel = client.get("/lifecycle/overdue/export.xlsx?state=overdue")
    assert excel.status_code == 200
    sheet = load_workbook(io.BytesIO(excel.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2  # filing and archive hand-over, the longest late first
    assert [row[0] for row in rows] == [section.code, section.code]
    assert owner in rows[0]
    assert manager in rows[0]
    assert "15日内备案" in str(rows[0][4])
    assert "城建档案" in str(rows[1][4])
    assert client.get("/lifecycle/overdue/export.xlsx?state=late").status_code == 200
    late_only = load_workbook(io.BytesIO(client.get("/lifecycle/overdue/export.xlsx?state=late").content)).active
    assert late_only is not None
    assert late_only.max_row == 2  # title and header: nothing done late
    pdf = client.get("/lifecycle/overdue/export.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace(" ", "")
    assert section.code in text
    assert manager in text


def test_permit_parties_against_today(section: BidSection, officer: User) -> None:
    permit_on = walk(section, "permit")
    # the key people took their posts before the permit (as they must to obtain it)
    KeyPerson.objects.filter(bid_section=section).update(started_on=permit_on - dt.timedelta(days=30))
    check = permit_comparison(user=officer, section=section)
    assert check.permit_on == permit_on
    assert check.rows
    assert not check.flagged
    manager = section.key_people.get(role="project_manager")
    contractor = section.participants.get(role="contractor").enterprise
    supervisor = section.participants.get(role="supervisor").enterprise
    successor = make_person()
    register(successor, contractor, "constructor_1", specialty="建筑工程")
    registry.key_person_end(actor="system:test", post=manager, ended_on=permit_on + dt.timedelta(days=40))
    registry.key_person_assign(
        actor="system:test",
        section=section,
        role="project_manager",
        person=successor,
        started_on=permit_on + dt.timedelta(days=41),
    )
    registry.participant_set(
        actor="system:test", section=section, role="supervisor", enterprise=make_enterprise("supervision")
    )
    data = api(officer).get(f"/api/v1/lifecycle/sections/{section.pk}/permit-check/").json()
    rows = {row["role"]: row for row in data["rows"]}
    assert rows["project_manager"]["state"] == "changed"
    assert rows["project_manager"]["permitted"] == manager.person.name
    assert rows["project_manager"]["current"] == successor.name
    assert rows["project_manager"]["changed_on"] == str(permit_on + dt.timedelta(days=41))
    assert rows["supervisor"]["state"] == "changed"
    assert rows["supervisor"]["permitted"] == supervisor.name
    assert rows["contractor"]["state"] == "same"
    assert rows["chief_supervision_engineer"]["state"] == "same"
    assert rows["project_manager"]["flagged"]
    assert not rows["contractor"]["flagged"]
    html = web(officer).get(f"/lifecycle/sections/{section.pk}/timeline/").content.decode()
    assert 'data-role="project_manager" data-state="changed"' in html


def test_no_permit_no_comparison(section: BidSection, officer: User) -> None:
    walk(section, "fee")
    data = api(officer).get(f"/api/v1/lifecycle/sections/{section.pk}/permit-check/").json()
    assert data == {"permit_on": None, "permit_reference": "", "rows": []}


def test_stage_statistics_api(section: BidSection, officer: User) -> None:
    _accepted_not_filed(section)
    data = api(officer).get("/api/v1/lifecycle/statistics/").json()
    by_code = {row["code"]: row for row in data["stages"]}
    assert by_code["completion_acceptance"]["sections"] == 1
    assert sum(row["sections"] for row in data["stages"]) == 1
    assert data["overdue"] == 2
