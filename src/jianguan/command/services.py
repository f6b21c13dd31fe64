"""Writes of the command centre: warnings raised, dispatched, worked, reviewed, escalated, closed.

Every step is in the ledger. Handle → review: the person who reports a task done is never the
person who accepts the report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.command.catalogue import KINDS
from jianguan.command.models import OPEN_STATUSES, Alert, Task, TaskAction
from jianguan.core import errors
from jianguan.core.calendar import add_working_days
from jianguan.core.files import file_check
from jianguan.core.ledger import actor_identity, ledger_append
from jianguan.core.models import Department, Jurisdiction, User
from jianguan.core.rules import rule_decide

POLICY_RULE = "command.warning_policy"
MAX_EVIDENCE = 50

UNKNOWN_KIND = _("There is no warning kind %(kind)s.")
WARNING_NOT_OPEN = _("Warning %(id)s is already %(state)s.")
TASK_NOT_ACTIVE = _("Task %(id)s is %(state)s: nothing more can be done on it.")
TASK_NOT_REPORTED = _("Task %(id)s has not been reported done yet.")
TASK_NOT_YOURS = _("Task %(id)s is assigned to another department.")
SAME_PERSON = _("The person who reported the task done cannot also accept the report.")
EVIDENCE_REQUIRED = _("Reporting a task done needs a description and an evidence file.")
TEXT_REQUIRED = _("Please describe what was done.")
DEADLINE_IN_PAST = _("The deadline must be in the future.")
WARNING_HAS_TASKS = _("Warning %(id)s has tasks still being worked on; close or return them first.")
ASSIGNEE_OUTSIDE = _("%(user)s does not belong to the department and jurisdiction of the task.")


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _policy(kind: str, params: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    numeric = {key: value for key, value in params.items() if isinstance(value, int | float | bool | str)}
    decision = rule_decide(POLICY_RULE, {"kind": kind, "source": KINDS[kind].source, **numeric})
    severity = str(decision.result.get("severity", Alert.Severity.MEDIUM))
    if severity not in Alert.Severity.values:
        severity = Alert.Severity.MEDIUM
    days = int(decision.result.get("deadline_working_days", 5))
    return severity, max(days, 0), decision.as_record()


@transaction.atomic
def warning_raise(
    *,
    kind: str,
    subject_type: str,
    subject_id: str,
    subject_label: str,
    jurisdiction: Jurisdiction,
    params: dict[str, Any] | None = None,
    evidence: list[dict[str, Any]] | None = None,
    condition_key: str | None = None,
    at: dt.datetime | None = None,
) -> tuple[Alert, bool]:
    """Raise a warning, or count another occurrence of the open warning for the same condition.

    Returns the warning and whether it is new. Only new warnings are written to the ledger: the
    event that caused a repeat is in the ledger already.
    """
    if kind not in KINDS:
        raise errors.ValidationFailed(UNKNOWN_KIND, code="warning_kind_unknown", kind=kind)
    moment = at or timezone.now()
    key = condition_key or f"{kind}:{subject_type}:{subject_id}"
    params = params or {}
    evidence = evidence or []
    existing = Alert.objects.select_for_update().filter(condition_key=key, status__in=OPEN_STATUSES).first()
    if existing is None:
        severity, days, decision = _policy(kind, params)
        alert = Alert(
            kind=kind,
            source=KINDS[kind].source,
            condition_key=key,
            subject_type=subject_type,
            subject_id=str(subject_id),
            subject_label=subject_label[:255],
            jurisdiction=jurisdiction,
            department=Department.objects.get(code=KINDS[kind].department),
            severity=severity,
            params=params,
            evidence=evidence[:MAX_EVIDENCE],
            decision=decision,
            raised_at=moment,
            last_seen_at=moment,
            deadline=_end_of_day(add_working_days(timezone.localdate(moment), days)),
        )
        alert.full_clean()
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            # Raised at the same moment by another process: this is a repeat of that warning.
            existing = Alert.objects.select_for_update().get(condition_key=key, status__in=OPEN_STATUSES)
        else:
            ledger_append(
                actor="system:command",
                action="command.warning.raised",
                target=alert,
                payload={
                    "kind": kind,
                    "condition_key": key,
                    "subject": f"{subject_type}:{subject_id}",
                    "jurisdiction": jurisdiction.code,
                    "severity": severity,
                    "deadline": alert.deadline,
                    "policy_version": decision["version"],
                    "params": params,
                },
            )
            return alert, True
    existing.occurrences += 1
    existing.last_seen_at = max(existing.last_seen_at, moment)
    known = {repr(sorted(item.items())) for item in existing.evidence}
    fresh = [item for item in evidence if repr(sorted(item.items())) not in known]
    existing.evidence = (existing.evidence + fresh)[-MAX_EVIDENCE:]
    existing.save(update_fields=["occurrences", "last_seen_at", "evidence"])
    return existing, False


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _lock_task(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("warning").get(pk=task.pk)


@transaction.atomic
def warning_dispatch(
    *,
    actor: User,
    alert: Alert,
    department: Department,
    instructions: str,
    assignee: User | None = None,
    deadline: dt.datetime | None = None,
) -> Task:
    """Turn a warning into a task for a department (and optionally one officer) with a deadline."""
    alert = _lock(alert)
    if not alert.is_open:
        raise errors.Conflict(WARNING_NOT_OPEN, code="warning_not_open", id=alert.pk, state=alert.get_status_display())
    instructions = instructions.strip()
    if not instructions:
        raise errors.ValidationFailed(TEXT_REQUIRED, code="instructions_required")
    deadline = deadline or alert.deadline
    if deadline <= timezone.now():
        raise errors.ValidationFailed(DEADLINE_IN_PAST, code="deadline_in_past")
    if assignee is not None and (
        assignee.department_id != department.pk
        or assignee.jurisdiction_id is None
        or not _jurisdiction_covers(assignee.jurisdiction_id, alert.jurisdiction_id)
    ):
        raise errors.ValidationFailed(ASSIGNEE_OUTSIDE, code="assignee_outside", user=assignee.display_name)
    task = Task.objects.create(
        warning=alert,
        department=department,
        assignee=assignee,
        jurisdiction=alert.jurisdiction,
        instructions=instructions,
        deadline=deadline,
        dispatched_by=actor,
    )
    alert.status = Alert.Status.DISPATCHED
    alert.save(update_fields=["status"])
    ledger_append(
        actor=actor,
        action="command.task.dispatched",
        target=task,
        payload={
            "warning": alert.pk,
            "department": department.code,
            "assignee": assignee.username if assignee else None,
            "deadline": deadline,
            "instructions": instructions,
        },
    )
    return task


def _jurisdiction_covers(user_jurisdiction_id: int, target_id: int) -> bool:
    from jianguan.core.access import jurisdiction_ancestor_ids

    return user_jurisdiction_id in jurisdiction_ancestor_ids(target_id)


def _action(task: Task, actor: User | str, kind: str, text: str = "", upload: UploadedFile | None = None) -> TaskAction:
    _user_id, label = actor_identity(actor)
    action = TaskAction(
        task=task, kind=kind, actor=actor if isinstance(actor, User) else None, actor_label=label, text=text
    )
    if upload is not None:
        checked = file_check(upload)
        action.attachment = upload
        action.attachment_name = checked.name
        action.attachment_sha256 = checked.sha256
    action.save()
    return action


def _require_active(task: Task) -> None:
    if not task.is_active:
        raise errors.Conflict(TASK_NOT_ACTIVE, code="task_not_active", id=task.pk, state=task.get_status_display())


def _require_department(actor: User, task: Task) -> None:
    if actor.department_id != task.department_id and not actor.is_superuser:
        raise errors.PermissionDenied(TASK_NOT_YOURS, code="task_not_yours", id=task.pk)


@transaction.atomic
def task_accept(*, actor: User, task: Task) -> Task:
    """The assigned department signs for the task."""
    task = _lock_task(task)
    _require_active(task)
    _require_department(actor, task)
    task.status = Task.Status.ACCEPTED
    if task.assignee_id is None:
        task.assignee = actor
    task.save(update_fields=["status", "assignee"])
    _action(task, actor, TaskAction.Kind.ACCEPT)
    ledger_append(actor=actor, action="command.task.accepted", target=task, payload={"warning": task.warning_id})
    return task


@transaction.atomic
def task_record(*, actor: User, task: Task, kind: str, text: str, upload: UploadedFile | None = None) -> TaskAction:
    """Record work on a task: a note, an inspection carried out, a notice issued."""
    if kind not in (TaskAction.Kind.NOTE, TaskAction.Kind.INSPECTION, TaskAction.Kind.NOTICE):
        raise errors.ValidationFailed(code="task_action_invalid")
    task = _lock_task(task)
    _require_active(task)
    _require_department(actor, task)
    text = text.strip()
    if not text:
        raise errors.ValidationFailed(TEXT_REQUIRED, code="text_required")
    action = _action(task, actor, kind, text, upload)
    ledger_append(
        actor=actor,
        action=f"command.task.{kind}",
        target=task,
        payload={"text": text, "attachment_sha256": action.attachment_sha256 or None},
    )
    return action


@transaction.atomic
def task_report(*, actor: User, task: Task, text: str, upload: UploadedFile | None) -> Task:
    """Report the task done, with a description and an evidence file."""
    task = _lock_task(task)
    _require_active(task)
    _require_department(actor, task)
    text = text.strip()
    if not text or upload is None:
        raise errors.ValidationFailed(EVIDENCE_REQUIRED, code="evidence_required")
    action = _action(task, actor, TaskAction.Kind.REPORT, text, upload)
    task.status = Task.Status.REPORTED
    task.save(update_fields=["status"])
    ledger_append(
        actor=actor,
        action="command.task.reported",
        target=task,
        payload={"text": text, "attachment": action.attachment_name, "attachment_sha256": action.attachment_sha256},
    )
    return task


@transaction.atomic
def task_review(*, actor: User, task: Task, accepted: bool, text: str) -> Task:
    """The command centre accepts the report (closing the task, and the warning when no task is
    left open) or returns it for more work. The reviewer is never the reporter."""
    task = _lock_task(task)
    if task.status != Task.Status.REPORTED:
        raise errors.Conflict(TASK_NOT_REPORTED, code="task_not_reported", id=task.pk)
    report = task.actions.filter(kind=TaskAction.Kind.REPORT).order_by("-created_at", "-pk").first()
    if report is not None and report.actor_id == actor.pk:
        raise errors.PermissionDenied(SAME_PERSON, code="same_person")
    text = text.strip()
    if not text:
        raise errors.ValidationFailed(TEXT_REQUIRED, code="text_required")
    if accepted:
        task.status = Task.Status.CLOSED
        _action(task, actor, TaskAction.Kind.CLOSE, text)
    else:
        task.status = Task.Status.RETURNED
        _action(task, actor, TaskAction.Kind.RETURN, text)
    task.save(update_fields=["status"])
    ledger_append(
        actor=actor,
        action="command.task.closed" if accepted else "command.task.returned",
        target=task,
        payload={"text": text, "warning": task.warning_id},
    )
    alert = _lock(task.warning)
    if accepted and not alert.tasks.exclude(status=Task.Status.CLOSED).exists():
        alert.status = Alert.Status.CLOSED
        alert.closed_at = timezone.now()
        alert.closed_by = actor
        alert.closure_note = text
        alert.save(update_fields=["status", "closed_at", "closed_by", "closure_note"])
        ledger_append(actor=actor, action="command.warning.closed", target=alert, payload={"note": text})
    return task


@transaction.atomic
def warning_dismiss(*, actor: User, alert: Alert, reason: str) -> Alert:
    """Close a warning that needs no action (a false alarm), with the reason."""
    alert = _lock(alert)
    if not alert.is_open:
        raise errors.Conflict(WARNING_NOT_OPEN, code="warning_not_open", id=alert.pk, state=alert.get_status_display())
    reason = reason.strip()
    if not reason:
        raise errors.ValidationFailed(errors.REASON_REQUIRED, code="reason_required")
    if alert.tasks.filter(status__in=[Task.Status.ASSIGNED, Task.Status.ACCEPTED, Task.Status.REPORTED]).exists():
        raise errors.Conflict(WARNING_HAS_TASKS, code="warning_has_active_tasks", id=alert.pk)
    alert.status = Alert.Status.DISMISSED
    alert.closed_at = timezone.now()
    alert.closed_by = actor
    alert.closure_note = reason
    alert.save(update_fields=["status", "closed_at", "closed_by", "closure_note"])
    ledger_append(actor=actor, action="command.warning.dismissed", target=alert, payload={"reason": reason})
    return alert


# An active task overdue by its deadline goes to level 1 (the department's head is told); three
# working days later to level 2 (the command centre's head).
ESCALATION_STEPS = (0, 3)


@transaction.atomic
def tasks_escalate_overdue(*, now: dt.datetime | None = None) -> list[Task]:
    """Escalate every active task that is past its deadline by the next step (idempotent)."""
    moment = now or timezone.now()
    escalated = []
    active = [Task.Status.ASSIGNED, Task.Status.ACCEPTED, Task.Status.RETURNED]
    for task in Task.objects.select_for_update().filter(status__in=active, deadline__lt=moment):
        level = task.escalation_level
        if level >= len(ESCALATION_STEPS):
            continue
        due = add_working_days(timezone.localdate(task.deadline), ESCALATION_STEPS[level])
        if timezone.localdate(moment) < due and level > 0:
            continue
        task.escalation_level = level + 1
        task.save(update_fields=["escalation_level"])
        _action(task, "system:command", TaskAction.Kind.ESCALATE, f"level {level + 1}")
        ledger_append(
            actor="system:command",
            action="command.task.escalated",
            target=task,
            payload={"level": level + 1, "deadline": task.deadline, "department": task.department.code},
        )
        escalated.append(task)
    return escalated
