"""What an approval changes outside licensing: a qualification granted or upgraded in the registry,
a completion filing that completes the bid section and its lifecycle stage 12, and the enterprise
account (registry data) that says for whom an enterprise user may apply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jianguan.core import errors
from jianguan.core.models import LedgerEntry, User
from jianguan.licensing import services
from jianguan.licensing.models import Application, Permit
from jianguan.registry import services as registry
from jianguan.registry.models import BidSection, Enterprise, EnterpriseAccount, Qualification
from tests.licensing.conftest import MONDAY, pdf
from tests.registry.factories import Section, make_person, register


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def decide(application: Application, handler: User, reviewer: User, approver: User, day: dt.date) -> Application:
    for user, step in ((handler, "handle"), (reviewer, "review"), (approver, "approve")):
        application = services.task_complete(
            actor=user, application=fresh(application), step=step, decision="accept", today=day
        )
    return application


def staff_people(enterprise: Enterprise, count: int, specialty: str = "建筑工程") -> None:
    for _ in range(count):
        register(make_person(), enterprise, "constructor_2", specialty=specialty)


def apply_qualification(
    enterprise: Enterprise, category: str, klass: str, grade: str, projects: int = 4
) -> Application:
    application, created = services.application_submit(
        actor=User.objects.get(username="ent.contractor"),
        kind="qualification_application",
        applicant=enterprise,
        declared={
            "category": category,
            "klass": klass,
            "requested_grade": grade,
            "completed_projects": projects,
            "registered_in_specialty": 99,  # what the applicant claims is not what the rule reads
            "credit_grade": "C",
        },
        files={"people": pdf("注册人员名单.pdf"), "projects": pdf("业绩清单.pdf")},
        today=MONDAY,
    )
    assert created
    return application


def test_approved_qualification_is_created_in_the_registry(
    section: Section, handler: User, reviewer: User, approver: User
) -> None:
    contractor = section.contractor  # the manager is one registered 建筑工程 constructor already
    staff_people(contractor, 4)
    staff_people(contractor, 3, specialty="公路工程")  # another specialty: does not count
    application = apply_qualification(contractor, "specialty", "foundation", "乙", projects=2)
    facts = application.facts
    assert facts["registered_in_specialty"] == 5  # counted in the registry, not the 99 declared
    assert facts["credit_grade"] == "AAA"  # from the credit file (no records: full marks), not the "C" declared
    assert application.decision["rule"] == "licensing.qualification_standards"
    assert application.decision["result"]["passed"] is True
    assert application.title.endswith("地基基础工程乙")
    assert not Qualification.objects.filter(enterprise=contractor, klass="foundation").exists()

    done = decide(application, handler, reviewer, approver, MONDAY)
    assert done.status == "approved"
    permit = Permit.objects.get(application=done)
    granted = Qualification.objects.get(enterprise=contractor, category="specialty", klass="foundation")
    assert granted.grade == "乙"
    assert granted.number == permit.number
    assert granted.issuer == "宜昌市住房和城乡建设局"
    assert granted.valid_from == MONDAY
    assert granted.valid_until == dt.date(2031, 3, 1)  # five years
    assert granted.status == "valid"
    assert granted.source == "licensing"
    created = LedgerEntry.objects.get(action="registry.qualification.created", object_id=str(granted.pk))
    assert created.actor_id == approver.pk
    event = LedgerEntry.objects.get(action="licensing.permit.granted")
    assert event.data["qualification"] == granted.pk


def test_approved_upgrade_raises_the_grade_and_keeps_the_number(
    section: Section, handler: User, reviewer: User, approver: User
) -> None:
    contractor = section.contractor
    held, _state = registry.qualification_upsert(
        actor="system:test",
        enterprise=contractor,
        data={
            "category": "specialty",
            "klass": "foundation",
            "grade": "乙",
            "number": "D342000777",
            "issuer": "宜昌市住房和城乡建设局",
            "valid_until": dt.date(2027, 6, 30),
        },
    )
    staff_people(contractor, 8)
    application = apply_qualification(contractor, "specialty", "foundation", "甲", projects=4)
    assert application.decision["result"]["passed"] is True
    decide(application, handler, reviewer, approver, MONDAY)
    held.refresh_from_db()
    assert held.grade == "甲"
    assert held.number == "D342000777"
    assert held.valid_until == dt.date(2031, 3, 1)
    assert Qualification.objects.filter(enterprise=contractor, klass="foundation").count() == 1
    updated = LedgerEntry.objects.get(action="registry.qualification.updated", object_id=str(held.pk))
    assert updated.data["changes"]["grade"] == ["乙", "甲"]


def test_qualification_application_refusals(section: Section, handler: User) -> None:
    contractor = section.contractor
    with pytest.raises(errors.Conflict) as held:
        apply_qualification(contractor, "general", "building", "乙")  # holds 甲 already
    assert held.value.code == "qualification_held"
    assert "甲" in held.value.messages()["zh-hans"]
    with pytest.raises(errors.ValidationFailed) as unknown:
        apply_qualification(contractor, "general", "spaceport", "乙")
    assert unknown.value.code == "qualification_class"
    with pytest.raises(errors.ValidationFailed) as grade:
        apply_qualification(contractor, "general", "municipal", "丙")
    assert grade.value.code == "grade_unknown"
    assert not Application.objects.exists()
    # too few registered people in the registry: the rule says so and the handler cannot accept
    application = apply_qualification(contractor, "general", "municipal", "乙")
    result = application.decision["result"]
    assert result["passed"] is False
    assert [f["code"] for f in result["failures"]] == ["people"]
    with pytest.raises(errors.ValidationFailed):
        services.task_complete(actor=handler, application=application, step="handle", decision="accept")
    assert not Qualification.objects.filter(enterprise=contractor, klass="municipal").exists()


def test_completion_filing_completes_the_section_and_stage_12(
    section: Section, applicant_user: User, handler: User, reviewer: User, approver: User
) -> None:
    from jianguan.lifecycle.models import StageRecord
    from jianguan.lifecycle.services import stage_record

    target = section.section
    registry.bid_section_status_set(actor="system:test", section=target, status="active")
    registry.permitted_work_add(
        actor="system:test",
        section=target,
        data={"name": "一标段", "specialty": "01", "floor_area": "35000.00", "contract_price": "9000.00"},
        issued_on=dt.date(2024, 1, 15),
    )
    day = dt.date(2024, 1, 2)
    for stage in (
        "registration", "drawing_review", "tendering", "contract_filing", "supervision_registration", "fee",
        "permit", "commencement", "foundation_acceptance", "structure_acceptance", "completion_acceptance",
    ):  # fmt: skip
        notice = day - dt.timedelta(days=14) if stage == "completion_acceptance" else None
        stage_record(actor="system:test", section=target, stage=stage, on=day, notice_on=notice)
        day += dt.timedelta(days=10)
    application, _created = services.application_submit(
        actor=applicant_user,
        kind="completion_filing",
        applicant=section.owner,
        bid_section=target,
        declared={
            "acceptance_report": True,
            "quality_assessment": True,
            "fire_acceptance": True,
            "warranty_signed": True,
        },
        files={"acceptance": pdf("竣工验收报告.pdf"), "warranty": pdf("质量保修书.pdf")},
        today=MONDAY,
    )
    assert application.decision["result"]["passed"] is True
    done = decide(application, handler, reviewer, approver, MONDAY)
    assert done.status == "approved"
    permit = Permit.objects.get(application=done)
    target.refresh_from_db()
    assert target.status == BidSection.Status.COMPLETED
    filing = StageRecord.objects.get(bid_section=target, stage="completion_filing")
    assert filing.status == "completed"
    assert filing.completed_on == MONDAY
    assert filing.reference == permit.number
    assert not target.key_people.filter(ended_on__isnull=True).exists()  # completing ends the posts
    changed = LedgerEntry.objects.get(action="registry.bid_section.status_changed", payload__contains=permit.number)
    assert changed.data["to"] == "completed"


def test_refused_filing_leaves_the_section_as_it_was(
    section: Section, applicant_user: User, handler: User, reviewer: User
) -> None:
    application, _created = services.application_submit(
        actor=applicant_user,
        kind="completion_filing",
        applicant=section.owner,
        bid_section=section.section,
        declared={
            "acceptance_report": True,
            "quality_assessment": True,
            "fire_acceptance": True,
            "warranty_signed": True,
        },
        files={"acceptance": pdf(), "warranty": pdf()},
        today=MONDAY,
    )
    assert application.decision["result"]["passed"] is False  # no construction permit for the section
    assert [f["code"] for f in application.decision["result"]["failures"]] == ["permit"]
    section.section.refresh_from_db()
    assert section.section.status == "planned"


def test_enterprise_account_is_registry_data(section: Section, applicant_user: User, handler: User) -> None:
    account = EnterpriseAccount.objects.get(user=applicant_user)
    assert account.enterprise == section.owner
    assert LedgerEntry.objects.filter(action="registry.enterprise_account.linked", payload__contains=section.owner.uscc)
    # linking again is a no-op; to another enterprise is refused until unlinked
    assert (
        registry.enterprise_account_link(actor="system:test", user=applicant_user, enterprise=section.owner) == account
    )
    with pytest.raises(errors.Conflict) as caught:
        registry.enterprise_account_link(actor="system:test", user=applicant_user, enterprise=section.contractor)
    assert caught.value.code == "account_linked_elsewhere"
    with pytest.raises(errors.ValidationFailed) as staff:
        registry.enterprise_account_link(actor="system:test", user=handler, enterprise=section.owner)
    assert staff.value.code == "not_enterprise_user"
    registry.enterprise_account_unlink(actor="system:test", user=applicant_user)
    with pytest.raises(errors.PermissionDenied) as refused:
        services.application_submit(
            actor=applicant_user,
            kind="completion_filing",
            applicant=section.owner,
            bid_section=section.section,
            declared={},
            files={"acceptance": pdf(), "warranty": pdf()},
        )
    assert refused.value.code == "not_your_enterprise"


def test_qualification_form_online(section: Section, client: Client) -> None:
    client.force_login(User.objects.get(username="ent.contractor"))
    form = client.get("/licensing/apply/?kind=qualification_application").content.decode()
    assert 'value="specialty:foundation"' in form
    assert "registered_in_specialty" not in form  # taken from the registry, not typed in
    files = {
        "file_people": SimpleUploadedFile("名单.pdf", b"%PDF-1.4\n" + b"0" * 200, content_type="application/pdf"),
        "file_projects": SimpleUploadedFile("业绩.pdf", b"%PDF-1.4\n" + b"0" * 200, content_type="application/pdf"),
    }
    base = {"kind": "qualification_application", "applicant": section.contractor.uscc, "requested_grade": "乙"}
    refused = client.post("/licensing/apply/", {**base, "qualification": "general:building", **files})
    assert refused.status_code == 200
    assert "已持有有效的" in refused.content.decode()
    files = {
        k: SimpleUploadedFile(v.name, b"%PDF-1.4\n" + b"0" * 200, content_type="application/pdf")
        for k, v in files.items()
    }
    response = client.post(
        "/licensing/apply/", {**base, "qualification": "specialty:waterproofing", "completed_projects": "3", **files}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(kind="qualification_application")
    assert (application.facts["category"], application.facts["klass"]) == ("specialty", "waterproofing")
    assert application.facts["completed_projects"] == 3
    page = client.get(response["Location"]).content.decode()
    assert "本专业注册人员数量不足" in page  # one registered person in the registry: the rule says why
