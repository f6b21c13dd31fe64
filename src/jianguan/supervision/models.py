"""Inspections from explicit checklists (R15, R13, R10).

Checklists are versioned data: a new version is a new row, an old one is never rewritten. An
inspection of a bid section is done by at least two inspectors against one checklist version; each
item gets an answer (pass, fail, not applicable with a reason) with its evidence. Failed items give
findings; confirmed findings lead to rectification orders (整改通知单) and, when severe, stop-work
orders (停工通知). Random draws (双随机一公开) pick targets and inspectors reproducibly from a seed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jianguan.core.models import Jurisdiction
from jianguan.registry.models import BidSection, Enterprise, Person


class Kind(models.TextChoices):
    QUALITY = "quality", _("Quality")
    SAFETY = "safety", _("Safety")
    CIVILISED = "civilised", _("Civilised construction")
    TOWER_CRANE = "tower_crane", _("Tower cranes")
    DEEP_EXCAVATION = "deep_excavation", _("Deep excavations")
    HIGH_FORMWORK = "high_formwork", _("High formwork")


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")
    SEVERE = "severe", _("Severe")


class Checklist(models.Model):
    code = models.CharField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=200)
    sha256 = models.CharField(_("content SHA-256"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="supervision_checklist_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=32)
    text = models.TextField(_("text"))
    basis = models.CharField(_("legal basis"), max_length=200)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    evidence = models.JSONField(_("evidence required"), default=list)
    behaviour_code = models.CharField(_("credit behaviour code"), max_length=32, blank=True)
    subject = models.CharField(_("responsible party"), max_length=16, default="construction")

    class Meta:
        ordering = ["checklist", "position"]
        constraints = [models.UniqueConstraint(fields=["checklist", "code"], name="supervision_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


class InspectorConflict(models.Model):
    """An inspector's declared relation with an enterprise; the draw never sends them there."""

    class Reason(models.TextChoices):
        RELATIVE = "relative", _("Relative works there")
        FORMER_EMPLOYEE = "former_employee", _("Former employment")
        OTHER = "other", _("Other interest")

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflicts")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspector", "enterprise", "reason"], name="supervision_conflict_once")
        ]

    def __str__(self) -> str:
        return f"{self.inspector_id} ↔ {self.enterprise_id}"


class Draw(models.Model):
    """One 双随机 draw: the candidates, the seed, and the result (reproducible from the seed)."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    seed = models.CharField(_("seed"), max_length=64)
    targets = models.PositiveIntegerField(_("targets drawn"))
    inspectors_per_target = models.PositiveIntegerField(_("inspectors per target"), default=2)
    candidates = models.JSONField(_("candidates"), default=dict)
    result = models.JSONField(_("result"), default=list)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        permissions = [("make_draw", "Can make random draws"), ("publish_draw", "Can publish draws")]

    def __str__(self) -> str:
        return self.number


class Inspection(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    class Origin(models.TextChoices):
        PLANNED = "planned", _("Planned (random draw)")
        MANUAL = "manual", _("Unplanned")

    number = models.CharField(_("number"), max_length=32, unique=True)
    bid_section = models.ForeignKey(BidSection, on_delete=models.PROTECT, related_name="inspections")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="inspections")
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    draw = models.ForeignKey(Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inspections")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("inspect", "Can carry out inspections")]

    def __str__(self) -> str:
        return self.number


class Answer(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("Compliant")
        FAIL = "fail", _("Non-compliant")
        NOT_APPLICABLE = "na", _("Not applicable")

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    measurement = models.CharField(_("measurement"), max_length=64, blank=True)
    signature = models.CharField(_("signed by"), max_length=64, blank=True)
    key = models.CharField(_("idempotency key"), max_length=64)
    keys_seen = models.JSONField(default=list)  # every key this answer has accepted: a late re-send changes nothing
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["item__position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="supervision_answer_once")]

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item_id} {self.result}"


class Photo(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="supervision/photos/%Y/%m/")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "sha256"], name="supervision_photo_once")]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        REVIEWED = "reviewed", _("Reviewed")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    answer = models.OneToOneField(Answer, null=True, blank=True, on_delete=models.PROTECT, related_name="finding")
    bid_section = models.ForeignKey(BidSection, on_delete=models.PROTECT, related_name="findings")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("item"), max_length=32)
    description = models.TextField(_("description"))
    basis = models.CharField(_("legal basis"), max_length=200)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    behaviour_code = models.CharField(_("credit behaviour code"), max_length=32, blank=True)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    found_on = models.DateField(_("found on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_on", "-id"]
        permissions = [("review_finding", "Can review findings"), ("confirm_finding", "Can confirm findings")]

    def __str__(self) -> str:
        return f"{self.item_code} {self.description[:30]}"


class RectificationOrder(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REPLIED = "replied", _("Reply received")
        CLOSED = "closed", pgettext_lazy("rectification", "Closed")

    number = models.CharField(_("number"), max_length=32, unique=True)
    bid_section = models.ForeignKey(BidSection, on_delete=models.PROTECT, related_name="rectification_orders")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    findings = models.ManyToManyField(Finding, related_name="rectification_orders")
    working_days = models.PositiveIntegerField(_("working days allowed"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    reply_text = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_reported = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at", "-id"]
        permissions = [("issue_order", "Can issue rectification and stop-work orders")]

    def __str__(self) -> str:
        return self.number


class OrderEvidence(models.Model):
    order = models.ForeignKey(RectificationOrder, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="supervision/replies/%Y/%m/")
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class StopWorkOrder(models.Model):
    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        LIFTED = "lifted", _("Lifted")

    number = models.CharField(_("number"), max_length=32, unique=True)
    bid_section = models.ForeignKey(BidSection, on_delete=models.PROTECT, related_name="stop_work_orders")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    findings = models.ManyToManyField(Finding, related_name="stop_work_orders")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number
