"""Warnings: one per condition, policy from the rule, dispatch and the handle → review cycle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jianguan.command import services
from jianguan.command.models import Alert, Task, TaskAction
from jianguan.command.tasks import ledger_check_and_warn
from jianguan.core import errors
from jianguan.core.ledger import ledger_append, ledger_triggers_suspended
from jianguan.core.models import Department, Jurisdiction, LedgerEntry, User
from tests.command.conftest import png

pytestmark = pytest.mark.django_db


def test_a_condition_raised_again_is_counted_not_duplicated(alert: Alert, xiling: Jurisdiction) -> None:
    again, created = services.warning_raise(
        kind="core.account_locked",
        subject_type="core.user",
        subject_id="alice",
        subject_label="alice",
        jurisdiction=xiling,
        params={"username": "alice", "ip_address": "10.0.0.9"},
        evidence=[{"kind": "ledger", "seq": 2}],
    )
    assert not created
    assert again.pk == alert.pk
    assert Alert.objects.count() == 1
    again.refresh_from_db()
    assert again.occurrences == 2
    assert [item["seq"] for item in again.evidence] == [1, 2]
    assert LedgerEntry.objects.filter(action="command.warning.raised").count() == 1


def test_policy_rule_sets_severity_and_deadline(alert: Alert) -> None:
    assert alert.severity == "low"
    assert alert.decision["rule"] == "command.warning_policy"
    assert timezone.localdate(alert.deadline) > timezone.localdate()
    assert alert.department.code == "sysadmin"
    assert "alice" in alert.message


def test_unknown_kind_is_refused(xiling: Jurisdiction) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.warning_raise(
            kind="nope.nothing", subject_type="x", subject_id="1", subject_label="x", jurisdiction=xiling
        )
    assert caught.value.code == "warning_kind_unknown"


def _cycle_to_report(alert: Alert, operator: User, officer: User) -> Task:
    task = services.warning_dispatch(
        actor=operator, alert=alert, department=officer.department, instructions="核实来源 IP，必要时重置密码"
    )
    services.task_accept(actor=officer, task=task)
    services.task_record(actor=officer, task=task, kind="note", text="已联系账号持有人")
    return services.task_report(actor=officer, task=task, text="确认为本人输错密码，已重置", upload=png())


def test_full_cycle_closes_the_warning(alert: Alert, operator: User, head: User, admin_officer: User) -> None:
    task = _cycle_to_report(alert, operator, admin_officer)
    alert.refresh_from_db()
    assert alert.status == "dispatched"
    services.task_review(actor=operator, task=task, accepted=True, text="同意办结")
    alert.refresh_from_db()
    task.refresh_from_db()
    assert (task.status, alert.status) == ("closed", "closed")
    assert alert.closed_by == operator
    kinds = list(task.actions.values_list("kind", flat=True))
    assert kinds == ["accept", "note", "report", "close"]
    report = task.actions.get(kind="report")
    assert len(report.attachment_sha256) == 64
    actions = list(LedgerEntry.objects.filter(action__startswith="command.").values_list("action", flat=True))
    assert actions == [
        "command.warning.raised",
        "command.task.dispatched",
        "command.task.accepted",
        "command.task.note",
        "command.task.reported",
        "command.task.closed",
        "command.warning.closed",
    ]


def test_returned_report_goes_back_to_work(alert: Alert, operator: User, admin_officer: User) -> None:
    task = _cycle_to_report(alert, operator, admin_officer)
    services.task_review(actor=operator, task=task, accepted=False, text="请补充重置记录截图")
    task.refresh_from_db()
    alert.refresh_from_db()
    assert task.status == "returned"
    assert alert.status == "dispatched"
    services.task_report(actor=admin_officer, task=task, text="已补充", upload=png("more.png"))


def test_reporter_cannot_review_own_report(alert: Alert, operator: User, city: Jurisdiction) -> None:
    both = User.objects.create(username="both", jurisdiction=city, department=Department.objects.get(code="sysadmin"))
    task = services.warning_dispatch(actor=operator, alert=alert, department=both.department, instructions="查")
    services.task_report(actor=both, task=task, text="办完", upload=png())
    with pytest.raises(errors.PermissionDenied) as caught:
        services.task_review(actor=both, task=task, accepted=True, text="自己通过")
    assert caught.value.code == "same_person"


def test_report_needs_text_and_evidence(alert: Alert, operator: User, admin_officer: User) -> None:
    task = services.warning_dispatch(
        actor=operator, alert=alert, department=admin_officer.department, instructions="查"
    )
    with pytest.raises(errors.ValidationFailed) as caught:
        services.task_report(actor=admin_officer, task=task, text="办完", upload=None)
    assert caught.value.code == "evidence_required"
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.task_report(actor=admin_officer, task=task, text="办完", upload=fake)
    assert caught.value.code == "file_type_refused"
    task.refresh_from_db()
    assert task.status == "assigned"
    assert not task.actions.exists()


def test_other_departments_cannot_work_the_task(
    alert: Alert, operator: User, quality_officer: User, admin_officer: User
) -> None:
    task = services.warning_dispatch(
        actor=operator, alert=alert, department=admin_officer.department, instructions="查"
    )
    with pytest.raises(errors.PermissionDenied):
        services.task_accept(actor=quality_officer, task=task)


def test_assignee_must_belong_to_department_and_jurisdiction(
    alert: Alert, operator: User, quality_officer: User, wujiagang: Jurisdiction
) -> None:
    sysadmin = Department.objects.get(code="sysadmin")
    with pytest.raises(errors.ValidationFailed):
        services.warning_dispatch(
            actor=operator, alert=alert, department=sysadmin, assignee=quality_officer, instructions="查"
        )
    elsewhere = User.objects.create(username="wjg.admin", jurisdiction=wujiagang, department=sysadmin)
    with pytest.raises(errors.ValidationFailed):
        services.warning_dispatch(
            actor=operator, alert=alert, department=sysadmin, assignee=elsewhere, instructions="查"
        )


def test_dismiss_needs_a_reason_and_no_active_task(alert: Alert, operator: User, admin_officer: User) -> None:
    with pytest.raises(errors.ValidationFailed):
        services.warning_dismiss(actor=operator, alert=alert, reason=" ")
    services.warning_dispatch(actor=operator, alert=alert, department=admin_officer.department, instructions="查")
    with pytest.raises(errors.Conflict):
        services.warning_dismiss(actor=operator, alert=alert, reason="误报")


def test_after_closing_the_same_condition_raises_a_new_warning(
    alert: Alert, operator: User, xiling: Jurisdiction
) -> None:
    services.warning_dismiss(actor=operator, alert=alert, reason="测试账号")
    again, created = services.warning_raise(
        kind="core.account_locked",
        subject_type="core.user",
        subject_id="alice",
        subject_label="alice",
        jurisdiction=xiling,
        params={"username": "alice", "ip_address": "10.0.0.9"},
    )
    assert created
    assert again.pk != alert.pk


def test_overdue_tasks_escalate_once_per_step(alert: Alert, operator: User, admin_officer: User) -> None:
    task = services.warning_dispatch(
        actor=operator,
        alert=alert,
        department=admin_officer.department,
        instructions="查",
        deadline=timezone.now() + dt.timedelta(hours=1),
    )
    assert services.tasks_escalate_overdue() == []
    later = task.deadline + dt.timedelta(hours=2)
    assert [t.pk for t in services.tasks_escalate_overdue(now=later)] == [task.pk]
    assert services.tasks_escalate_overdue(now=later) == []
    much_later = task.deadline + dt.timedelta(days=10)
    assert [t.escalation_level for t in services.tasks_escalate_overdue(now=much_later)] == [2]
    assert services.tasks_escalate_overdue(now=much_later + dt.timedelta(days=30)) == []
    assert task.actions.filter(kind=TaskAction.Kind.ESCALATE).count() == 2
    assert LedgerEntry.objects.filter(action="command.task.escalated").count() == 2


def test_account_lockout_event_becomes_a_warning(city: Jurisdiction) -> None:
    ledger_append(
        actor="system:auth",
        action="core.account.locked",
        object_type="core.user",
        object_id="bob",
        payload={"username": "bob", "ip_address": "10.1.1.1", "minutes": 15},
    )
    alert = Alert.objects.get(kind="core.account_locked")
    assert alert.subject_label == "bob"
    assert alert.jurisdiction == city
    assert alert.evidence[0]["kind"] == "ledger"


def test_broken_ledger_raises_a_critical_warning(city: Jurisdiction, settings: Any) -> None:
    for i in range(3):
        ledger_append(actor=None, action="t.x", payload={"i": i})
    assert ledger_check_and_warn()
    assert not Alert.objects.filter(kind="core.ledger_broken").exists()
    from django.db import connection

    with ledger_triggers_suspended(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_ledgerentry SET payload = '{}' WHERE seq = 2")
    assert not ledger_check_and_warn()
    alert = Alert.objects.get(kind="core.ledger_broken")
    assert alert.severity == "critical"
    assert alert.params["seq"] == 2


def test_demo_step_moves_warnings_through_each_stage(
    city: Jurisdiction, operator: User, head: User, admin_officer: User, settings: Any, tmp_path: Any
) -> None:
    import io

    from jianguan.command.demo import dispatch_some
    from jianguan.core.demo_framework import SCALES, DemoContext

    settings.MEDIA_ROOT = tmp_path
    for i in range(40):
        services.warning_raise(
            kind="core.account_locked",
            subject_type="core.user",
            subject_id=f"u{i}",
            subject_label=f"u{i}",
            jurisdiction=city,
            params={"username": f"u{i}", "ip_address": "?"},
        )
    dispatch_some(
        DemoContext(scale=SCALES["tiny"], seed=1, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    )
    statuses = set(Alert.objects.values_list("status", flat=True))
    assert statuses == {"open", "dispatched", "closed"}
    assert set(Task.objects.values_list("status", flat=True)) >= {"assigned", "accepted", "reported", "closed"}
