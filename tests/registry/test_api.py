"""The base registry's API: search, masked people, scoped projects, and the writes through the
services with their bilingual errors."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.registry.models import BidSection, Enterprise, KeyPerson, Person, Project
from tests.factories import UserFactory, department
from tests.registry.factories import id_number, make_enterprise, make_person, make_section, register, uscc

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def approval_officer(city: Jurisdiction) -> User:
    return UserFactory(
        username="approval.city", jurisdiction=city, department=department("approval"), roles=["approval_handler"]
    )


def test_enterprise_search_and_detail(xiling_inspector: User) -> None:
    setup = make_section()
    found = api(xiling_inspector).get(f"/api/v1/registry/enterprises/?q={setup.contractor.uscc}").json()
    assert [row["uscc"] for row in found["results"]] == [setup.contractor.uscc]
    assert api(xiling_inspector).get("/api/v1/registry/enterprises/?kind=supervision").json()["count"] == 1
    assert api(xiling_inspector).get("/api/v1/registry/enterprises/?kind=nonsense").status_code == 400
    detail = api(xiling_inspector).get(f"/api/v1/registry/enterprises/{setup.contractor.pk}/").json()
    assert detail["registered_people"] == 1
    assert detail["safety_licence"] is None


def test_people_are_masked_without_the_permission(xiling_inspector: User) -> None:
    person = make_person("赵六", phone="13912345678")
    listing = api(xiling_inspector).get("/api/v1/registry/people/?q=赵").json()
    row = listing["results"][0]
    assert row["masked"] is True
    assert row["id_number"] != person.id_number
    assert "13912345678" not in str(listing)
    exact = api(xiling_inspector).get(f"/api/v1/registry/people/?q={person.id_number}").json()
    assert exact["count"] == 1
    detail = api(xiling_inspector).get(f"/api/v1/registry/people/{person.pk}/").json()
    assert detail["birth_date"] is None


def test_projects_and_sections_are_scoped(xiling_inspector: User, wujiagang_inspector: User) -> None:
    setup = make_section()
    tree = api(xiling_inspector).get(f"/api/v1/registry/projects/{setup.project.pk}/").json()
    section = tree["bid_sections"][0]
    assert section["code"] == setup.section.code
    assert {p["role"] for p in section["participants"]} == {"owner", "contractor", "supervisor"}
    assert {k["role"] for k in section["key_people"]} == {"project_manager", "chief_supervision_engineer"}
    assert api(wujiagang_inspector).get(f"/api/v1/registry/projects/{setup.project.pk}/").status_code == 404
    assert api(wujiagang_inspector).get("/api/v1/registry/sections/").json()["count"] == 0
    assert api(xiling_inspector).get("/api/v1/registry/sections/?status=active").json()["count"] == 1


def test_enterprise_and_person_writes(market_officer: User, xiling_inspector: User) -> None:
    body = {
        "uscc": uscc(),
        "name": "宜昌市夷陵建工集团有限公司",
        "kind": "construction",
        "legal_representative": "周七",
        "jurisdiction": "420502",
    }
    assert api(xiling_inspector).post("/api/v1/registry/enterprises/", body, format="json").status_code == 403
    created = api(market_officer).post("/api/v1/registry/enterprises/", body, format="json")
    assert created.status_code == 201, created.content
    again = api(market_officer).post("/api/v1/registry/enterprises/", body, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["messages"]["zh-hans"]
    bad = api(market_officer).post(
        "/api/v1/registry/enterprises/", {**body, "uscc": "91420502MA0000001X"}, format="json"
    )
    assert bad.status_code == 400
    assert Enterprise.objects.count() == 1
    enterprise = Enterprise.objects.get()
    qualification = api(market_officer).post(
        f"/api/v1/registry/enterprises/{enterprise.pk}/qualifications/",
        {
            "category": "general",
            "klass": "building",
            "grade": "二级",
            "number": "D1",
            "issuer": "厅",
            "valid_until": "2030-01-01",
        },
        format="json",
    )
    assert qualification.status_code == 201, qualification.content
    assert qualification.json()["grade"] == "乙"
    number = id_number()
    person = api(market_officer).post("/api/v1/registry/people/", {"id_number": number, "name": "钱八"}, format="json")
    assert person.status_code == 201, person.content
    person_id = person.json()["id"]
    registration = api(market_officer).post(
        f"/api/v1/registry/people/{person_id}/registrations/",
        {
            "kind": "constructor_2",
            "number": "鄂242000001",
            "issuer": "厅",
            "valid_until": "2030-01-01",
            "enterprise": enterprise.uscc,
        },
        format="json",
    )
    assert registration.status_code == 201, registration.content
    assert Person.objects.get(pk=person_id).enterprise == enterprise
    unknown = api(market_officer).post(
        f"/api/v1/registry/people/{person_id}/registrations/",
        {"kind": "safety_b", "number": "B1", "issuer": "厅", "valid_until": "2030-01-01", "enterprise": "NOPE"},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "enterprise_unknown"


def test_project_writes_build_the_tree(approval_officer: User) -> None:
    owner, contractor = make_enterprise("owner"), make_enterprise("construction")
    manager, outsider = make_person(), make_person()
    register(manager, contractor, "constructor_1")
    register(outsider, make_enterprise("construction"), "constructor_1")
    client = api(approval_officer)
    project = client.post(
        "/api/v1/registry/projects/",
        {
            "name": "伍家岗区安置房工程",
            "owner": owner.uscc,
            "jurisdiction": "420502",
            "address": "宜昌市西陵区",
            "investment": "30000",
            "floor_area": "80000",
            "category": "building",
            "function": "affordable",
        },
        format="json",
    )
    assert project.status_code == 201, project.content
    project_id = project.json()["id"]
    assert len(project.json()["code"]) == 16
    section = client.post(f"/api/v1/registry/projects/{project_id}/sections/", {"name": "一标段"}, format="json")
    assert section.status_code == 201, section.content
    section_id = section.json()["id"]
    set_contractor = client.post(
        f"/api/v1/registry/sections/{section_id}/participants/",
        {"role": "contractor", "enterprise": contractor.uscc},
        format="json",
    )
    assert set_contractor.status_code == 200, set_contractor.content
    refused = client.post(
        f"/api/v1/registry/sections/{section_id}/key-people/",
        {"role": "project_manager", "person": outsider.id_number},
        format="json",
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "key_person_not_registered"
    assigned = client.post(
        f"/api/v1/registry/sections/{section_id}/key-people/",
        {"role": "project_manager", "person": manager.id_number},
        format="json",
    )
    assert assigned.status_code == 201, assigned.content
    assert KeyPerson.objects.get(bid_section_id=section_id).person == manager
    assert Project.objects.count() == 1
    assert BidSection.objects.count() == 1
    assert LedgerEntry.objects.filter(action="registry.key_person.assigned").count() == 1
