"""Licensing: process versions, applications (with their workflow state as JSON), attachments, permits."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Jurisdiction, User
from jianguan.registry.models import BidSection, Enterprise, PermittedWork, Person


class ProcessVersion(models.Model):
    """One version of a BPMN process; never edited. Applications keep the version they started on."""

    key = models.CharField(_("process"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    bpmn = models.TextField(_("BPMN"))
    sha256 = models.CharField(max_length=64)
    source = models.CharField(_("source"), max_length=16, default="file")
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="licensing_process_version_once")]
        permissions = [("manage_processes", "Can upload process versions")]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


STEP_LABELS = {
    "handle": _("Handling (办理)"),
    "review": _("Review (审核)"),
    "approve": _("Approval (批准)"),
    "supplement": _("Correction by the applicant (补正)"),
}


class Application(models.Model):
    class Kind(models.TextChoices):
        CONSTRUCTION_PERMIT = "construction_permit", _("Construction permit (施工许可)")
        SUPERVISION_REGISTRATION = "supervision_registration", _("Quality and safety supervision registration")
        QUALIFICATION = "qualification_application", _("Qualification application or upgrade")
        KEY_PERSON_CHANGE = "key_person_change", _("Project manager change")
        COMPLETION_FILING = "completion_filing", _("Completion acceptance filing")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        CORRECTION = "correction", _("Awaiting correction")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        NOT_REQUIRED = "not_required", _("No licence required")

    number = models.CharField(_("application number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    process = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, verbose_name=_("process version"))
    applicant = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="licence_applications", verbose_name=_("applicant")
    )
    bid_section = models.ForeignKey(
        BidSection, null=True, blank=True, on_delete=models.PROTECT, related_name="licence_applications"
    )
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("jurisdiction"))
    title = models.CharField(_("title"), max_length=255)
    facts = models.JSONField(_("facts"), default=dict)
    client_key = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True
    )
    step = models.CharField(_("current step"), max_length=64, blank=True)
    lane = models.CharField(_("current lane"), max_length=16, blank=True, db_index=True)
    claimed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    workflow_state = models.TextField(_("workflow state (JSON)"))
    decision = models.JSONField(_("latest rule decision"), default=dict, blank=True)
    actors = models.JSONField(default=dict, blank=True)  # lane -> [user ids]
    time_limit = models.PositiveSmallIntegerField(_("time limit (working days)"))
    submitted_on = models.DateField(_("submitted on"))
    suspended_days = models.PositiveSmallIntegerField(_("working days suspended"), default=0)
    suspended_since = models.DateField(_("suspended since"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), db_index=True)
    overdue_reported = models.BooleanField(default=False)
    outcome_reason = models.TextField(_("reason"), blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "client_key"],
                condition=~models.Q(client_key=""),
                name="licensing_application_client_key_once",
            )
        ]
        permissions = [
            ("handle_application", "Can handle licence applications"),
            ("review_application", "Can review licence applications"),
            ("approve_application", "Can approve licence applications"),
            ("revoke_permit", "Can revoke permits"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def step_label(self) -> str:
        return str(STEP_LABELS.get(self.step, self.step or "—"))

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.IN_PROGRESS, self.Status.CORRECTION)


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachments")
    material = models.CharField(_("material"), max_length=64)
    name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=8)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(upload_to="licensing/%Y/%m/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.material}: {self.name}"


class Permit(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        LAPSED = "lapsed", _("Lapsed")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="permit")
    number = models.CharField(_("permit number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Application.Kind.choices)
    holder = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="permits", verbose_name=_("holder"))
    bid_section = models.ForeignKey(BidSection, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    permitted_work = models.OneToOneField(
        PermittedWork, null=True, blank=True, on_delete=models.PROTECT, related_name="permit"
    )
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT)
    issued_on = models.DateField(_("issued on"))
    start_by = models.DateField(_("work must start by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    status_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")

    def __str__(self) -> str:
        return self.number
