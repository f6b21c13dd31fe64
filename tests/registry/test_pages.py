"""The base registry's pages: search, detail with everything linked, masking, and the forms of the
main writes showing the services' errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jianguan.core.models import Jurisdiction, User
from jianguan.registry.models import BidSection, Enterprise, KeyPerson, Person, Project, Qualification
from tests.factories import TEST_PASSWORD, UserFactory, department
from tests.registry.factories import id_number, make_enterprise, make_person, make_section, register, uscc

pytestmark = pytest.mark.django_db


def web(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def approval_officer(city: Jurisdiction) -> User:
    return UserFactory(
        username="approval.city", jurisdiction=city, department=department("approval"), roles=["approval_handler"]
    )


def test_enterprise_search_and_detail_link_everything(market_officer: User) -> None:
    setup = make_section()
    make_enterprise(name="宜昌三峡路桥有限公司")
    client = web(market_officer)
    page = client.get("/registry/enterprises/?q=三峡路桥")
    assert page.status_code == 200
    assert "宜昌三峡路桥有限公司" in page.content.decode()
    assert setup.contractor.name not in page.content.decode()
    rows = client.get(f"/registry/enterprises/?q={setup.contractor.uscc}", HTTP_HX_REQUEST="true").content.decode()
    assert setup.contractor.name in rows
    assert "<html" not in rows
    assert client.get("/registry/enterprises/?kind=supervision").content.decode().count(setup.supervisor.name) == 1
    detail = client.get(f"/registry/enterprises/{setup.contractor.pk}/").content.decode()
    assert setup.manager.name in detail  # registered people
    assert setup.section.code in detail  # bid sections it takes part in
    assert "registry.enterprise.created" in detail  # audit trail
    assert client.get("/registry/enterprises/999999/").status_code == 404


def test_person_masked_unless_personal_data_permission(
    market_officer: User, xiling_inspector: User, city: Jurisdiction
) -> None:
    person = make_person("王建国", phone="13912345678")
    enterprise = make_enterprise()
    register(person, enterprise, "constructor_2", specialty="市政公用工程")
    page = web(xiling_inspector).get(f"/registry/people/{person.pk}/").content.decode()
    assert person.id_number not in page
    assert "13912345678" not in page
    assert "王建国" in page
    assert enterprise.name in page
    listing = web(xiling_inspector).get("/registry/people/?q=王建").content.decode()
    assert "王建国" in listing
    assert person.id_number not in listing
    privileged = UserFactory(username="data.officer", jurisdiction=city, roles=["market_officer"])
    from django.contrib.auth.models import Permission

    privileged.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    full = web(privileged).get(f"/registry/people/{person.pk}/").content.decode()
    assert person.id_number in full
    assert "13912345678" in full


def test_project_tree_is_scoped_by_jurisdiction(xiling_inspector: User, wujiagang_inspector: User) -> None:
    setup = make_section()
    page = web(xiling_inspector).get(f"/registry/projects/{setup.project.pk}/").content.decode()
    for text in (
        setup.section.code,
        setup.contractor.name,
        setup.supervisor.name,
        setup.manager.name,
        setup.chief.name,
    ):
        assert text in page
    listing = web(xiling_inspector).get("/registry/projects/").content.decode()
    assert setup.project.name in listing
    assert "已报建" in listing  # the project status, not core's 登记时间
    assert setup.project.name not in web(wujiagang_inspector).get("/registry/projects/").content.decode()
    assert web(wujiagang_inspector).get(f"/registry/projects/{setup.project.pk}/").status_code == 404


def test_enterprise_form_shows_the_service_error_and_then_creates(market_officer: User) -> None:
    client = web(market_officer)
    good = uscc()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = {
        "uscc": bad,
        "name": "宜昌新建设有限公司",
        "kind": "construction",
        "legal_representative": "李四",
        "jurisdiction": Jurisdiction.objects.get(code="420502").pk,
    }
    response = client.post("/registry/enterprises/new/", data)
    assert response.status_code == 200
    assert "校验" in response.content.decode()
    assert not Enterprise.objects.filter(name="宜昌新建设有限公司").exists()
    response = client.post("/registry/enterprises/new/", {**data, "uscc": good})
    enterprise = Enterprise.objects.get(uscc=good)
    assert response.status_code == 302
    assert response["Location"] == f"/registry/enterprises/{enterprise.pk}/"
    again = client.post("/registry/enterprises/new/", {**data, "uscc": good})
    assert "宜昌新建设有限公司" in again.content.decode()
    assert again.status_code == 200  # already registered
    qualification = client.post(
        f"/registry/enterprises/{enterprise.pk}/qualifications/new/",
        {
            "category_class": "general:building",
            "grade": "一级",
            "number": "D342000001",
            "issuer": "湖北省住房和城乡建设厅",
            "valid_until": "2030-01-01",
        },
    )
    assert qualification.status_code == 302, qualification.content.decode()
    assert Qualification.objects.get(enterprise=enterprise).grade == "甲"


def test_person_and_registration_forms(market_officer: User) -> None:
    client = web(market_officer)
    number = id_number()
    assert client.post("/registry/people/new/", {"id_number": number[:-1] + "Y", "name": "张三"}).status_code == 200
    response = client.post("/registry/people/new/", {"id_number": number, "name": "张三", "phone": "13800000000"})
    person = Person.objects.get(id_number=number)
    assert response.status_code == 302
    first, second = make_enterprise(), make_enterprise()
    form = {"kind": "constructor_1", "number": "鄂142000000001", "issuer": "住建部", "valid_until": "2030-01-01"}
    unknown = client.post(f"/registry/people/{person.pk}/registrations/new/", {**form, "enterprise": "X" * 18})
    assert "X" * 18 in unknown.content.decode()
    ok = client.post(f"/registry/people/{person.pk}/registrations/new/", {**form, "enterprise": first.uscc})
    assert ok.status_code == 302
    refused = client.post(
        f"/registry/people/{person.pk}/registrations/new/",
        {**form, "kind": "safety_b", "number": "鄂建安B0001", "enterprise": second.uscc},
    )
    assert refused.status_code == 200
    assert "人证合一" in refused.content.decode()


def test_project_forms_build_the_tree(approval_officer: User, market_officer: User) -> None:
    owner, contractor = make_enterprise("owner"), make_enterprise("construction")
    manager = make_person()
    register(manager, contractor, "constructor_1")
    client = web(approval_officer)
    response = client.post(
        "/registry/projects/new/",
        {
            "name": "宜昌市第一中学改扩建工程",
            "owner": owner.uscc,
            "jurisdiction": Jurisdiction.objects.get(code="420502").pk,
            "address": "宜昌市西陵区夷陵大道1号",
            "investment": "8000",
            "floor_area": "22000",
            "category": "building",
            "function": "school",
        },
    )
    assert response.status_code == 302, response.content.decode()
    project = Project.objects.get(name="宜昌市第一中学改扩建工程")
    assert client.post(f"/registry/projects/{project.pk}/sections/new/", {"name": "一标段"}).status_code == 302
    section = BidSection.objects.get(project=project)
    no_contractor = client.post(
        f"/registry/sections/{section.pk}/key-people/", {"role": "project_manager", "person": manager.id_number}
    )
    assert no_contractor.status_code == 200
    assert "field-error" not in no_contractor.content.decode()
    assert "form-errors" in no_contractor.content.decode()
    assert not KeyPerson.objects.exists()
    assert (
        client.post(
            f"/registry/sections/{section.pk}/participants/", {"role": "contractor", "enterprise": contractor.uscc}
        ).status_code
        == 302
    )
    assigned = client.post(
        f"/registry/sections/{section.pk}/key-people/",
        {"role": "project_manager", "person": manager.id_number, "started_on": timezone.localdate().isoformat()},
    )
    assert assigned.status_code == 302, assigned.content.decode()
    assert KeyPerson.objects.get(bid_section=section).person == manager
    # the market office may not register projects
    assert web(market_officer).post("/registry/projects/new/", {}).status_code == 403


def test_expiring_certificates_page(market_officer: User) -> None:
    person = make_person("李到期")
    register(person, make_enterprise(), "safety_b", valid_until=timezone.localdate() - dt.timedelta(days=3))
    page = web(market_officer).get("/registry/certificates/expiring/?expired=1").content.decode()
    assert "李到期" in page
    assert "李到期" not in web(market_officer).get("/registry/certificates/expiring/?expired=0").content.decode()
    assert web(market_officer).get("/registry/certificates/expiring/?within=abc").status_code == 200


def test_nonsense_filters_are_not_server_errors(market_officer: User) -> None:
    client = web(market_officer)
    for url in (
        "/registry/people/?enterprise=234185230911280185344",
        "/registry/people/?enterprise=abc",
        "/registry/people/?q=%00%E7%8E%8B",
        "/registry/projects/?q=%00&jurisdiction=%00",
        "/registry/enterprises/?kind=nope&jurisdiction=%00",
        "/registry/projects/?status=x&q=%F0%9F%98%80",
        "/registry/certificates/expiring/?within=-5&page=zz",
    ):
        assert client.get(url).status_code == 200, url
