"""Stage records of bid sections, their documents, and drawing-review findings.

A stage is identified by its code in the configured line (``lifecycle.stages``); a bid section has
at most one record per stage. Writes go through ``lifecycle.services``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.registry.models import BidSection


class StageRecord(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("in progress")
        COMPLETED = "completed", _("completed")

    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, related_name="stage_records", verbose_name=_("bid section")
    )
    stage = models.CharField(_("stage"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    started_on = models.DateField(_("started on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, blank=True)
    notice_on = models.DateField(_("quality station told on"), null=True, blank=True)
    responsible = models.JSONField(_("responsible people"), default=list, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=32, default="manual")
    gate_decision = models.JSONField(_("gate decision"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["bid_section", "started_on", "id"]
        verbose_name = _("stage record")
        verbose_name_plural = _("stage records")
        constraints = [
            models.UniqueConstraint(fields=["bid_section", "stage"], name="lifecycle_one_record_per_stage"),
            models.CheckConstraint(
                condition=Q(status="open", completed_on__isnull=True)
                | Q(status="completed", completed_on__isnull=False),
                name="lifecycle_completed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["stage", "status"])]

    def __str__(self) -> str:
        return f"{self.bid_section_id}:{self.stage}"


class StageDocument(models.Model):
    record = models.ForeignKey(StageRecord, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(_("file"), upload_to="lifecycle/documents/%Y/%m/", blank=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("stage document")
        verbose_name_plural = _("stage documents")
        constraints = [models.UniqueConstraint(fields=["record", "sha256"], name="lifecycle_document_once")]

    def __str__(self) -> str:
        return self.name


class ReviewFinding(models.Model):
    """A mandatory provision (强制性条文) breached in the construction drawings."""

    class Status(models.TextChoices):
        OPEN = "open", _("not corrected")
        CHECK_ON_SITE = "check_on_site", _("check on site")
        CORRECTED = "corrected", _("corrected")
        CLOSED = "closed", _("closed on site")

    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, related_name="review_findings", verbose_name=_("bid section")
    )
    report_number = models.CharField(_("review report number"), max_length=64)
    standard = models.CharField(_("standard"), max_length=64)
    clause = models.CharField(_("clause"), max_length=32)
    description = models.TextField(_("description"))
    location = models.CharField(_("location in the drawings"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    resolved_revision = models.CharField(_("revision that resolved it"), max_length=64, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["bid_section", "id"]
        verbose_name = _("drawing-review finding")
        verbose_name_plural = _("drawing-review findings")
        constraints = [
            models.UniqueConstraint(
                fields=["bid_section", "report_number", "standard", "clause", "location"],
                name="lifecycle_finding_once",
            )
        ]
        indexes = [models.Index(fields=["bid_section", "status"])]

    def __str__(self) -> str:
        return f"{self.standard} §{self.clause}"
