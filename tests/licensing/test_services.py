from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jianguan.command.models import Alert
from jianguan.core import errors
from jianguan.core.calendar import add_working_days
from jianguan.core.models import LedgerEntry, User
from jianguan.licensing import engine, services
from jianguan.licensing.models import Application, Permit, ProcessVersion
from jianguan.registry.models import KeyPerson, PermittedWork
from tests.licensing.conftest import MONDAY, PERMIT_DECLARED, pdf, permit_files
from tests.registry.factories import Section, make_person, register


def submit(section: Section, user: User, **declared: object) -> Application:
    application, created = services.application_submit(
        actor=user,
        kind="construction_permit",
        applicant=section.owner,
        bid_section=section.section,
        declared={**PERMIT_DECLARED, **declared},
        files=permit_files(),
        today=MONDAY,
    )
    assert created
    return application


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def test_processes_are_registered_and_valid(section: Section) -> None:
    keys = set(ProcessVersion.objects.values_list("key", flat=True))
    assert keys == set(services.DEFAULT_TIME_LIMITS)


def test_permit_from_submission_to_certificate(
    section: Section, applicant_user: User, handler: User, reviewer: User, approver: User
) -> None:
    application = submit(section, applicant_user)
    assert application.status == "in_progress"
    assert application.step == "handle"
    assert application.lane == "handler"
    assert application.decision["rule"] == "licensing.permit_preconditions"
    assert application.decision["result"]["passed"] is True
    assert application.deadline == add_working_days(MONDAY, 7) == dt.date(2026, 3, 11)
    assert application.attachments.count() == 3
    # state lives in the database as JSON; every step reloads it into a fresh workflow
    services.task_complete(actor=handler, application=application, step="handle", decision="accept")
    services.task_complete(actor=reviewer, application=fresh(application), step="review", decision="accept")
    done = services.task_complete(
        actor=approver, application=fresh(application), step="approve", decision="accept", today=MONDAY
    )
    assert done.status == "approved"
    permit = Permit.objects.get(application=done)
    work = PermittedWork.objects.get(bid_section=section.section)
    assert permit.number == work.permit_number
    assert len(permit.number) == 18
    granted = LedgerEntry.objects.get(action="licensing.permit.granted")
    assert granted.data["bid_section"] == section.section.pk
    assert granted.data["permit_number"] == permit.number
    assert permit.start_by == dt.date(2026, 6, 2)


def test_state_is_json_and_resumes_in_a_fresh_workflow(section: Section, applicant_user: User) -> None:
    application = submit(section, applicant_user)
    state = Application.objects.values_list("workflow_state", flat=True).get(pk=application.pk)
    assert state.startswith("{")
    workflow = engine.loads(state)  # a new object built only from the stored JSON
    ready = engine.ready_user_tasks(workflow)
    assert [t.task_spec.name for t in ready] == ["handle"]
    assert ready[0].data["decisions"]["check"]["result"]["passed"] is True
    engine.complete(workflow, ready[0], {"decision": "accept"})
    assert [t.task_spec.name for t in engine.ready_user_tasks(engine.loads(engine.dumps(workflow)))] == ["review"]


def test_same_person_refused_in_two_steps(
    section: Section, applicant_user: User, all_roles: User, reviewer: User
) -> None:
    application = submit(section, applicant_user)
    services.task_complete(actor=all_roles, application=application, step="handle", decision="accept")
    with pytest.raises(errors.Conflict) as caught:
        services.task_complete(actor=all_roles, application=fresh(application), step="review", decision="accept")
    assert caught.value.code == "same_person"
    messages = caught.value.messages()
    assert "三个不同的人" in messages["zh-hans"]
    assert "three different people" in messages["en"]
    assert fresh(application).step == "review"  # nothing moved
    services.task_complete(actor=reviewer, application=fresh(application), step="review", decision="accept")
    with pytest.raises(errors.Conflict):
        services.task_complete(actor=all_roles, application=fresh(application), step="approve", decision="accept")


def test_wrong_role_and_wrong_step_refused(
    section: Section, applicant_user: User, reviewer: User, handler: User
) -> None:
    application = submit(section, applicant_user)
    with pytest.raises(errors.PermissionDenied) as caught:
        services.task_complete(actor=reviewer, application=application, step="handle", decision="accept")
    assert caught.value.code == "wrong_role"
    with pytest.raises(errors.Conflict):
        services.task_complete(actor=handler, application=application, step="approve", decision="accept")
    with pytest.raises(errors.ValidationFailed):
        services.task_complete(actor=handler, application=application, step="handle", decision="reject")  # no reason
    with pytest.raises(errors.ValidationFailed):
        services.task_complete(actor=handler, application=application, step="handle", decision="grant")


def test_failed_rule_blocks_acceptance_and_correction_suspends_clock(
    section: Section, applicant_user: User, handler: User
) -> None:
    application = submit(section, applicant_user, fee_paid=False)
    result = application.decision["result"]
    assert result["passed"] is False
    assert [f["code"] for f in result["failures"]] == ["fee"]
    with pytest.raises(errors.ValidationFailed) as caught:
        services.task_complete(actor=handler, application=application, step="handle", decision="accept")
    assert "城市基础设施配套费" in caught.value.messages()["zh-hans"]
    services.task_complete(
        actor=handler,
        application=fresh(application),
        step="handle",
        decision="correct",
        reason="请补交缴费凭证",
        today=MONDAY + dt.timedelta(days=1),
    )
    waiting = fresh(application)
    assert waiting.status == "correction"
    assert waiting.lane == "applicant"
    # resubmitted the following Monday: 5 working days in correction do not count
    resumed = services.application_resubmit(
        actor=applicant_user,
        application=waiting,
        declared={"fee_paid": True},
        files={"fee": pdf("缴费凭证.pdf")},
        today=MONDAY + dt.timedelta(days=8),
    )
    assert resumed.suspended_days == 5
    assert resumed.deadline == add_working_days(MONDAY, 12)
    assert resumed.status == "in_progress"
    assert resumed.step == "handle"
    assert resumed.decision["result"]["passed"] is True
    services.task_complete(actor=handler, application=resumed, step="handle", decision="accept")


def test_rejection_keeps_reason(section: Section, applicant_user: User, handler: User, reviewer: User) -> None:
    application = submit(section, applicant_user)
    services.task_complete(actor=handler, application=application, step="handle", decision="accept")
    done = services.task_complete(
        actor=reviewer, application=fresh(application), step="review", decision="reject", reason="资料虚假"
    )
    assert done.status == "rejected"
    assert done.outcome_reason == "资料虚假"
    assert not Permit.objects.exists()
    assert LedgerEntry.objects.filter(action="licensing.application.decided", payload__contains="rejected").exists()


def test_small_works_need_no_permit(city: object, applicant_user: User, handler: User) -> None:
    from jianguan.registry import services as registry
    from tests.registry.factories import make_project

    project = make_project(investment="20.00", floor_area="120.00")
    small = registry.bid_section_add(actor="system:test", project=project, data={"name": "一标段"})
    application, _created = services.application_submit(
        actor=handler,
        kind="construction_permit",
        applicant=project.owner,
        bid_section=small,
        declared=PERMIT_DECLARED,
        files=permit_files(),
        today=MONDAY,
    )
    assert application.status == "not_required"
    assert application.decision["result"]["required"] is False


def test_bad_input(section: Section, applicant_user: User) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_submit(
            actor=applicant_user,
            kind="construction_permit",
            applicant=section.owner,
            bid_section=section.section,
            declared=PERMIT_DECLARED,
            files={"contract": pdf()},
        )
    assert caught.value.code == "material_missing"
    assert "施工图" in caught.value.messages()["zh-hans"]
    fake = SimpleUploadedFile("a.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(errors.ValidationFailed):
        services.application_submit(
            actor=applicant_user,
            kind="construction_permit",
            applicant=section.owner,
            bid_section=section.section,
            declared=PERMIT_DECLARED,
            files={**permit_files(), "fee": fake},
        )
    assert not Application.objects.exists()  # nothing half-written
    first, created = services.application_submit(
        actor=applicant_user,
        kind="construction_permit",
        applicant=section.owner,
        bid_section=section.section,
        declared=PERMIT_DECLARED,
        files=permit_files(),
        client_key="form-1",
    )
    again, created_again = services.application_submit(
        actor=applicant_user,
        kind="construction_permit",
        applicant=section.owner,
        bid_section=section.section,
        declared=PERMIT_DECLARED,
        files=permit_files(),
        client_key="form-1",
    )
    assert created
    assert not created_again
    assert again.pk == first.pk
    with pytest.raises(errors.Conflict):
        services.application_submit(
            actor=applicant_user,
            kind="construction_permit",
            applicant=section.owner,
            bid_section=section.section,
            declared=PERMIT_DECLARED,
            files=permit_files(),
            client_key="form-2",
        )


def test_overdue_raises_a_command_warning_once(section: Section, applicant_user: User) -> None:
    application = submit(section, applicant_user)
    assert services.applications_flag_overdue(today=application.deadline) == []
    flagged = services.applications_flag_overdue(today=application.deadline + dt.timedelta(days=1))
    assert [a.pk for a in flagged] == [application.pk]
    assert services.applications_flag_overdue(today=application.deadline + dt.timedelta(days=2)) == []
    alert = Alert.objects.get(kind="licensing.application_overdue")
    assert alert.subject_label == application.number


def test_process_versions(section: Section, applicant_user: User) -> None:
    with pytest.raises(errors.ValidationFailed):
        services.process_version_upload(actor="system:test", key="construction_permit", content="<not xml")
    text = ProcessVersion.objects.get(key="construction_permit", version=1).bpmn
    with pytest.raises(errors.ValidationFailed) as caught:
        services.process_version_upload(
            actor="system:test",
            key="construction_permit",
            content=text.replace('id="approve"', 'id="approve_x"')
            .replace(">approve<", ">approve_x<")
            .replace('"approve"', '"approve_x"'),
        )
    assert caught.value.code == "process_invalid"
    scripted = text.replace("<bpmn:task ", "<bpmn:scriptTask ")
    scripted = text.replace(
        "</bpmn:process>",
        '<bpmn:scriptTask id="s"><bpmn:script>import os</bpmn:script></bpmn:scriptTask></bpmn:process>',
    )
    with pytest.raises(errors.ValidationFailed):
        services.process_version_upload(actor="system:test", key="construction_permit", content=scripted)
    running = submit(section, applicant_user)
    v2 = services.process_version_upload(
        actor="system:test", key="construction_permit", content=text.replace("办理", "受理办理"), note="rename"
    )
    assert v2.version == 2
    assert fresh(running).process.version == 1
    assert services.process_current("construction_permit").version == 2


def test_key_person_change_moves_the_post(
    section: Section, applicant_user: User, handler: User, reviewer: User, approver: User
) -> None:
    new = make_person()
    register(new, section.contractor, "constructor_2")
    application, _ = services.application_submit(
        actor=User.objects.get(username="ent.contractor"),
        kind="key_person_change",
        applicant=section.contractor,
        bid_section=section.section,
        person=new,
        declared={"owner_consent": True, "reason_given": True},
        files={"consent": pdf(), "certificate": pdf()},
    )
    assert application.decision["result"]["passed"] is True
    services.task_complete(actor=handler, application=application, step="handle", decision="accept")
    services.task_complete(actor=reviewer, application=fresh(application), step="review", decision="accept")
    services.task_complete(actor=approver, application=fresh(application), step="approve", decision="accept")
    post = KeyPerson.objects.get(bid_section=section.section, role="project_manager", ended_on__isnull=True)
    assert post.person == new


def test_revoke_and_lapse(
    section: Section, applicant_user: User, handler: User, reviewer: User, approver: User
) -> None:
    application = submit(section, applicant_user)
    services.task_complete(actor=handler, application=application, step="handle", decision="accept")
    services.task_complete(actor=reviewer, application=fresh(application), step="review", decision="accept")
    services.task_complete(
        actor=approver, application=fresh(application), step="approve", decision="accept", today=MONDAY
    )
    permit = Permit.objects.get()
    assert services.permits_lapse(today=dt.date(2026, 6, 2)) == []
    assert [p.pk for p in services.permits_lapse(today=dt.date(2026, 6, 3))] == [permit.pk]
    permit.refresh_from_db()
    assert permit.status == "lapsed"
    with pytest.raises(errors.Conflict):
        services.permit_revoke(actor=approver, permit=permit, reason="x")
    token = services.permit_token(permit)
    assert services.permit_from_token(token) == (permit, "genuine")
    assert services.permit_from_token(token[:-2] + "xx")[1] == "tampered"


def test_enterprise_account_applies_only_for_its_enterprise(section: Section, applicant_user: User) -> None:
    with pytest.raises(errors.PermissionDenied) as caught:
        services.application_submit(
            actor=applicant_user,
            kind="key_person_change",
            applicant=section.contractor,
            bid_section=section.section,
            person=section.manager,
            declared={},
            files={"consent": pdf(), "certificate": pdf()},
        )
    assert caught.value.code == "not_your_enterprise"


def test_inbox_claim_return_and_attachment_checks(
    section: Section, applicant_user: User, handler: User, reviewer: User
) -> None:
    import hashlib

    from tests.factories import UserFactory, department

    application = submit(section, applicant_user)
    stored = application.attachments.get(material="contract")
    assert stored.sha256 == hashlib.sha256(permit_files()["contract"].read()).hexdigest()
    assert stored.kind == "pdf"
    colleague = UserFactory(
        username="approval.handler2",
        jurisdiction=handler.jurisdiction,
        department=department("approval"),
        roles=["approval_handler"],
    )
    services.task_claim(actor=handler, application=application)
    with pytest.raises(errors.Conflict) as claimed:
        services.task_complete(actor=colleague, application=fresh(application), step="handle", decision="accept")
    assert claimed.value.code == "claimed"
    with pytest.raises(errors.Conflict):
        services.task_claim(actor=colleague, application=fresh(application))
    services.task_complete(actor=handler, application=fresh(application), step="handle", decision="accept")
    with pytest.raises(errors.ValidationFailed):
        services.task_complete(actor=reviewer, application=fresh(application), step="review", decision="return")
    returned = services.task_complete(
        actor=reviewer, application=fresh(application), step="review", decision="return", reason="合同金额与标段不符"
    )
    assert (returned.step, returned.lane, returned.status) == ("handle", "handler", "in_progress")
    assert returned.claimed_by is None
    again = services.task_complete(actor=handler, application=returned, step="handle", decision="accept")
    assert again.step == "review"
    assert LedgerEntry.objects.filter(
        action="licensing.task.completed", payload__contains="合同金额与标段不符"
    ).exists()
    # an oversized material is refused by name before anything is written
    big = SimpleUploadedFile("大文件.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024), content_type="application/pdf")
    count = Application.objects.count()
    with pytest.raises(errors.ValidationFailed) as too_large:
        services.application_submit(
            actor=applicant_user,
            kind="supervision_registration",
            applicant=section.owner,
            bid_section=section.section,
            declared={},
            files={"contract": big, "safety_plan": pdf()},
        )
    assert too_large.value.code == "file_too_large"
    assert "大文件.pdf" in too_large.value.messages()["zh-hans"]
    assert Application.objects.count() == count
