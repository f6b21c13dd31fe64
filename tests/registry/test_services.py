from __future__ import annotations

import datetime as dt

import pytest

from jianguan.core import errors
from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.registry import selectors, services
from jianguan.registry.models import Enterprise, KeyPerson, Person, Project
from tests.registry.factories import (
    id_number,
    make_enterprise,
    make_person,
    make_project,
    make_section,
    register,
    uscc,
)

pytestmark = pytest.mark.django_db


def _enterprise_data(**overrides: object) -> dict[str, object]:
    return {
        "uscc": uscc(),
        "name": "宜昌测试建设有限公司",
        "kind": "construction",
        "legal_representative": "李四",
        "jurisdiction": "420502",
        "registered_capital": "5000.00",
        **overrides,
    }


def test_invalid_credit_code_is_refused_with_the_reason(city: Jurisdiction) -> None:
    good = uscc()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.enterprise_upsert(actor="system:test", data=_enterprise_data(uscc=bad))
    assert caught.value.code == "uscc_invalid"
    assert "check character" in caught.value.render("en")
    assert "校验" in caught.value.render("zh-hans")
    with pytest.raises(errors.ValidationFailed, match="18 characters"):
        services.enterprise_upsert(actor="system:test", data=_enterprise_data(uscc="9142"))
    assert not Enterprise.objects.exists()


def test_enterprise_upsert_is_idempotent_and_records_changes(city: Jurisdiction) -> None:
    data = _enterprise_data()
    _enterprise, outcome = services.enterprise_upsert(actor="system:test", data=data)
    assert outcome == "created"
    before = LedgerEntry.objects.count()
    assert services.enterprise_upsert(actor="system:test", data=data)[1] == "unchanged"
    assert LedgerEntry.objects.count() == before
    _, outcome = services.enterprise_upsert(actor="system:test", data={**data, "legal_representative": "王五"})
    assert outcome == "updated"
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert entry.action == "registry.enterprise.updated"
    assert entry.data["changes"]["legal_representative"] == ["李四", "王五"]
    with pytest.raises(errors.Conflict):
        services.enterprise_create(actor="system:test", data=data)


def test_legacy_grades_are_mapped_and_kept(city: Jurisdiction) -> None:
    enterprise = make_enterprise()
    base = {"issuer": "湖北省住建厅", "valid_until": dt.date(2030, 1, 1)}
    q, _ = services.qualification_upsert(
        actor="system:test",
        enterprise=enterprise,
        data={**base, "category": "general", "klass": "building", "grade": "一级", "number": "D142000001"},
    )
    assert (q.grade, q.legacy_grade) == ("甲", "一级")
    q2, _ = services.qualification_upsert(
        actor="system:test",
        enterprise=enterprise,
        data={**base, "category": "general", "klass": "municipal", "grade": "特级", "number": "D142000002"},
    )
    assert (q2.category, q2.klass, q2.grade) == ("comprehensive", "comprehensive", "")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.qualification_upsert(
            actor="system:test",
            enterprise=enterprise,
            data={**base, "category": "specialty", "klass": "fire", "grade": "丙", "number": "D3"},
        )
    assert caught.value.code == "grade_unknown"
    with pytest.raises(errors.ValidationFailed):
        services.qualification_upsert(
            actor="system:test",
            enterprise=enterprise,
            data={**base, "category": "general", "klass": "spaceport", "grade": "甲", "number": "D4"},
        )


def test_person_gender_and_birth_come_from_the_id(city: Jurisdiction) -> None:
    number = id_number(7, birth=dt.date(1975, 3, 9))  # sequence 007: odd, male
    person = services.person_create(actor="system:test", data={"id_number": number, "name": "赵六"})
    assert (person.gender, person.birth_date) == ("M", dt.date(1975, 3, 9))
    female = services.person_create(actor="system:test", data={"id_number": id_number(8), "name": "钱七"})
    assert female.gender == "F"
    entry = LedgerEntry.objects.filter(action="registry.person.created").last()
    assert entry is not None
    assert number not in entry.payload


@pytest.mark.parametrize(
    ("number", "code_fragment"),
    [
        ("4205001980051700", "18 characters"),
        ("42050019800517001A", "17 digits"),
        ("420500198005170019", "check character"),
        ("420500198013170016", "birth date"),
    ],
)
def test_bad_id_numbers_are_refused(city: Jurisdiction, number: str, code_fragment: str) -> None:
    if code_fragment == "check character":
        good = id_number(1)
        number = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.person_create(actor="system:test", data={"id_number": number, "name": "某人"})
    assert code_fragment in caught.value.render("en")
    assert not Person.objects.exists()


def test_one_person_one_registering_enterprise(city: Jurisdiction) -> None:
    first, second = make_enterprise(name="甲公司"), make_enterprise(name="乙公司")
    person = make_person("孙八")
    reg = register(person, first, "constructor_1")
    register(person, first, "safety_b")  # a second certificate with the same enterprise is fine
    person.refresh_from_db()
    assert person.enterprise == first
    with pytest.raises(errors.Conflict) as caught:
        register(person, second, "cost_1")
    assert caught.value.code == "registered_elsewhere"
    assert "甲公司" in caught.value.render("zh-hans")
    assert "人证合一" in caught.value.render("en")
    services.registration_cancel(actor="system:test", registration=reg, reason="离职")
    other = person.registrations.exclude(pk=reg.pk).get()
    services.registration_cancel(actor="system:test", registration=other, reason="离职")
    person.refresh_from_db()
    assert person.enterprise is None
    register(person, second, "constructor_1", number="鄂NEW0001")
    person.refresh_from_db()
    assert person.enterprise == second


def test_project_codes_and_permit_numbers(city: Jurisdiction) -> None:
    first = make_project(registered_on=dt.date(2026, 3, 2))
    second = make_project(registered_on=dt.date(2026, 3, 2))
    assert first.code == "42050220260302" + "01"
    assert second.code.endswith("02")
    section = services.bid_section_add(actor="system:test", project=first, data={"name": "一标段"})
    assert section.code == f"{first.code}B01"
    work = services.permitted_work_add(
        actor="system:test", section=section, data={"name": "1#楼", "specialty": "01"}, issued_on=dt.date(2026, 5, 6)
    )
    assert work.permit_number == "420502" + "20260506" + "01" + "01"
    with pytest.raises(errors.ValidationFailed):
        services.permitted_work_add(
            actor="system:test", section=section, data={"name": "x", "specialty": "01", "permit_number": "4205022026"}
        )
    with pytest.raises(errors.ValidationFailed):
        make_project(code="12345")


def test_key_person_rules(city: Jurisdiction) -> None:
    built = make_section()
    other = make_section()
    # a project manager already running an active section is refused elsewhere
    services.key_person_end(actor="system:test", post=other.manager_post)
    with pytest.raises(errors.Conflict) as caught:
        services.key_person_assign(
            actor="system:test", section=other.section, role="project_manager", person=built.manager
        )
    assert caught.value.code in {"project_manager_busy", "key_person_not_registered"}
    # same enterprise, still busy: register the manager with the other contractor? No: 人证合一.
    # so use a section of the same contractor
    services.participant_set(actor="system:test", section=other.section, role="contractor", enterprise=built.contractor)
    with pytest.raises(errors.Conflict) as caught:
        services.key_person_assign(
            actor="system:test", section=other.section, role="project_manager", person=built.manager
        )
    assert caught.value.code == "project_manager_busy"
    assert built.section.code in caught.value.render("en")
    # someone registered with another enterprise cannot act for this contractor
    outsider = make_person("周九")
    register(outsider, make_enterprise(name="外单位"), "constructor_2")
    with pytest.raises(errors.Conflict) as caught:
        services.key_person_assign(actor="system:test", section=other.section, role="project_manager", person=outsider)
    assert caught.value.code == "key_person_not_registered"
    assert "外单位" not in caught.value.render("en")
    # a person with no constructor registration cannot be project manager
    plain = make_person("吴十")
    with pytest.raises(errors.ValidationFailed) as missing:
        services.key_person_assign(actor="system:test", section=other.section, role="project_manager", person=plain)
    assert missing.value.code == "registration_missing"
    # completing the first section frees its manager
    services.bid_section_status_set(actor="system:test", section=built.section, status="completed")
    post = services.key_person_assign(
        actor="system:test", section=other.section, role="project_manager", person=built.manager
    )
    assert post.enterprise == built.contractor
    assert KeyPerson.objects.get(pk=built.manager_post.pk).ended_on is not None


def test_expiring_certificates_and_planted_mismatches(city: Jurisdiction) -> None:
    today = dt.date(2026, 11, 25)
    enterprise = make_enterprise()
    services.safety_licence_upsert(
        actor="system:test",
        enterprise=enterprise,
        data={
            "number": "(鄂)JZ安许证字[2020]000001",
            "issuer": "湖北省住建厅",
            "valid_until": today - dt.timedelta(days=3),
        },
    )
    person = make_person()
    register(person, enterprise, "constructor_2", valid_until=today + dt.timedelta(days=20))
    register(make_person(), enterprise, "constructor_2", valid_until=today + dt.timedelta(days=400))
    found = selectors.certificates_expiring(within_days=60, today=today)
    assert [(c.kind, c.expired) for c in found] == [("safety_licence", True), ("registration", False)]
    built = make_section()
    # planted as bulk data would be: the manager moves to another enterprise while in post
    Person.objects.filter(pk=built.manager.pk).update(enterprise=enterprise)
    suspects = list(selectors.key_people_not_registered_with_their_enterprise())
    assert [s.person_id for s in suspects] == [built.manager.pk]


def test_people_are_masked_and_projects_scoped(
    city: Jurisdiction, market_officer: User, xiling_inspector: User, wujiagang_inspector: User
) -> None:
    person = make_person("郑十一", phone="13912345678")
    seen = selectors.person_display(xiling_inspector, person)
    assert seen.masked
    assert "*" in seen.id_number
    assert seen.phone == "139****5678"
    assert seen.birth_date is None
    full = selectors.person_display(market_officer, person)
    assert full.id_number == person.id_number
    assert not full.masked
    assert list(selectors.person_list(user=xiling_inspector, filters={"q": person.id_number})) == [person]
    assert list(selectors.person_list(user=xiling_inspector, filters={"q": "郑十"})) == [person]
    project = make_project()  # in 西陵区
    assert list(selectors.project_list(user=xiling_inspector)) == [project]
    assert list(selectors.project_list(user=wujiagang_inspector)) == []
    with pytest.raises(errors.NotFound):
        selectors.access_project_by_id(wujiagang_inspector, project.pk)
    assert Project.objects.count() == 1
