"""Projects and construction permits on the public portal: found by name, code or permit number
without signing in; every enterprise and key person with today's grade and only the records in
force today; no ID number, no phone; the licensing module's permit status when it has one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jianguan.registry import services as registry
from tests.credit.test_records import finding
from tests.factories import JurisdictionFactory
from tests.registry.factories import make_person, make_section


@pytest.fixture
def city(db: None) -> object:
    from jianguan.core.models import Jurisdiction

    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    return city


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def test_project_and_permit_pages_disclose_grades_and_records_in_force_only(city: object, client: Client) -> None:
    site = make_section()
    work = registry.permitted_work_add(
        actor="system:test",
        section=site.section,
        data={"name": "公众门户测试住宅1#楼", "specialty": "01", "floor_area": "12000.00"},
        issued_on=timezone.localdate() - dt.timedelta(days=20),
    )
    unregistered = make_person("王五", phone="13912345678")
    registry.key_person_assign(
        actor="system:test", section=site.section, role="owner_representative", person=unregistered
    )
    finding(site.contractor.uscc, code="SG-3-02", fid="F-in-force", day=ago(30))  # 12 months: shown
    finding(site.contractor.uscc, code="SG-4-06", fid="F-expired", day=ago(200))  # 6 months: expired
    finding(site.supervisor.uscc, code="JL-1-01", fid="F-forged", day=ago(5))
    finding(person_id=site.manager.pk, code="RY-1-04", fid="F-manager", day=ago(3))

    # found by name part, by exact project code, by exact permit number
    hits = client.get("/public/projects/", {"q": site.project.name[2:]})
    assert hits.status_code == 200
    assert [h.key for h in hits.context["hits"] if h.kind == "project"] == [site.project.code]
    assert client.get("/public/projects/", {"q": site.project.code}).context["hits"][0].key == site.project.code
    by_number = client.get("/public/projects/", {"q": work.permit_number}).context["hits"]
    assert [(h.kind, h.key) for h in by_number] == [("permit", work.permit_number)]

    response = client.get(f"/public/projects/{site.project.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    project = response.context["project"]
    (section,) = project.sections
    grades = {p.file.name: p.file for p in section.participants}
    assert grades[site.contractor.name].score == 95  # 100 − 5 for SG-3-02; the expired SG-4-06 does not count
    assert [r.code for r in grades[site.contractor.name].bad] == ["SG-3-02"]
    supervisor = grades[site.supervisor.name]
    assert supervisor.blacklisted
    assert supervisor.grade == "C"
    assert "SG-3-02" in page
    assert "SG-4-06" not in page
    assert "JL-1-01" in page
    assert "RY-1-04" in page
    assert work.permit_number in page
    people = {k.name: k for k in section.key_people}
    assert people[site.manager.name].file is not None
    assert people["王五"].file is None  # no registration: named, but no public credit file
    for person in (site.manager, site.chief, unregistered):
        assert person.id_number not in page
        assert person.id_number[6:14] not in page  # not even the birth date
    assert "13912345678" not in page
    assert site.contractor.phone not in page or not site.contractor.phone

    response = client.get(f"/public/permits/{work.permit_number}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert site.project.name in page
    assert site.contractor.name in page
    assert "SG-3-02" in page
    assert "SG-4-06" not in page
    assert site.manager.id_number not in page


def test_unknown_projects_and_permits_are_404_not_500(city: object, client: Client) -> None:
    assert client.get("/public/projects/0000000000000000/").status_code == 404
    assert client.get("/public/permits/nope/").status_code == 404
    assert client.get("/public/projects/", {"q": "x"}).context["too_short"]
    assert client.get("/public/projects/", {"q": "不存在的项目名称"}).context["hits"] == []
    assert client.post("/public/projects/").status_code == 405
