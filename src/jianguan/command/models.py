"""Warnings and the tasks dispatched to deal with them."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.command.catalogue import KINDS
from jianguan.core.models import Department, Jurisdiction, User

OPEN_STATUSES = ("open", "dispatched")


class Alert(models.Model):
    """One condition that needs attention. The same condition raised again while this warning is
    open is counted here (``occurrences``), never a second warning."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISPATCHED = "dispatched", _("Dispatched")
        CLOSED = "closed", _("Closed")
        DISMISSED = "dismissed", _("Dismissed")

    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    source = models.CharField(_("source module"), max_length=32)
    condition_key = models.CharField(_("condition"), max_length=255)
    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject_label = models.CharField(_("subject"), max_length=255)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("jurisdiction"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, verbose_name=_("responsible department"), related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    params = models.JSONField(_("details"), default=dict, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    decision = models.JSONField(_("policy decision"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    deadline = models.DateTimeField(_("disposal deadline"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closure_note = models.TextField(_("closure note"), blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        permissions = [
            ("dispatch_warning", "Can dispatch warnings as tasks"),
            ("close_warning", "Can close or dismiss warnings"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["condition_key"], condition=Q(status__in=OPEN_STATUSES), name="one_open_warning_per_condition"
            ),
        ]
        indexes = [models.Index(fields=["status", "severity"]), models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_label}"

    @property
    def label(self) -> Any:
        kind = KINDS.get(self.kind)
        return kind.label if kind else self.kind

    @property
    def message(self) -> str:
        kind = KINDS.get(self.kind)
        if kind is None:
            return self.subject_label
        try:
            return str(kind.message) % {key: str(value) for key, value in self.params.items()}
        except (KeyError, ValueError, TypeError):
            return str(kind.label)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.now()


class Task(models.Model):
    """Work dispatched from a warning to a department (and optionally one officer) by a deadline."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        ACCEPTED = "accepted", _("Accepted")
        REPORTED = "reported", _("Reported done")
        CLOSED = "closed", _("Closed")
        RETURNED = "returned", _("Returned for more work")

    warning = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("warning"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, verbose_name=_("department"), related_name="+")
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("assignee"), related_name="command_tasks"
    )
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("jurisdiction"))
    instructions = models.TextField(_("instructions"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ASSIGNED)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    dispatched_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("dispatched by"))
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)

    class Meta:
        ordering = ["deadline"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        permissions = [("work_task", "Can accept and report on dispatched tasks")]

    def __str__(self) -> str:
        return f"task {self.pk} for warning {self.warning_id}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.ASSIGNED, self.Status.ACCEPTED, self.Status.RETURNED)

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.deadline < timezone.now()


class TaskAction(models.Model):
    """What was done on a task, in order: accepted, a note, an inspection or notice, the report with
    its evidence, a return, an escalation. Never edited."""

    class Kind(models.TextChoices):
        ACCEPT = "accept", _("Accepted")
        NOTE = "note", _("Note")
        INSPECTION = "inspection", _("Inspection carried out")
        NOTICE = "notice", _("Notice issued")
        REPORT = "report", _("Reported done")
        RETURN = "return", _("Returned")
        ESCALATE = "escalate", _("Escalated")
        CLOSE = "close", _("Closed")

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("action"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=128)
    text = models.TextField(_("text"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="command/evidence/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on task {self.task_id}"


class Report(models.Model):
    """A weekly or monthly supervision report for a jurisdiction, archived as generated (PDF and
    Excel with their checksums). One per period and jurisdiction; never regenerated in place."""

    class Period(models.TextChoices):
        WEEK = "week", _("Weekly")
        MONTH = "month", _("Monthly")

    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to (exclusive)"))
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("jurisdiction"))
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    generated_by = models.CharField(_("generated by"), max_length=128)
    summary = models.JSONField(_("figures"), default=dict, blank=True)
    pdf = models.FileField(upload_to="command/reports/%Y/")
    pdf_sha256 = models.CharField(max_length=64)
    xlsx = models.FileField(upload_to="command/reports/%Y/")
    xlsx_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-start", "period"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        permissions = [("generate_report", "Can generate supervision reports")]
        constraints = [
            models.UniqueConstraint(fields=["period", "start", "jurisdiction"], name="one_report_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start} {self.jurisdiction_id}"
