"""Records of bulk exchange: import runs (with their error workbooks), the provincial sync's
cursor per source and its runs with their reports. Loaded by ``registry.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    entity = models.CharField(_("record type"), max_length=24)
    filename = models.CharField(_("file"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict)
    errors_file = models.FileField(_("error workbook"), upload_to="registry/imports/%Y/%m/", blank=True)

    class Meta:
        app_label = "registry"
        ordering = ["-started_at", "-pk"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.entity} {self.filename}"


class SyncCursor(models.Model):
    """How far the feed of one provincial source has been applied (the province's opaque cursor)."""

    source = models.CharField(_("source"), max_length=255, unique=True)
    cursor = models.CharField(_("cursor"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        app_label = "registry"
        verbose_name = _("sync cursor")
        verbose_name_plural = _("sync cursors")

    def __str__(self) -> str:
        return f"{self.source} @ {self.cursor}"


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    source = models.CharField(_("source"), max_length=255)
    location = models.CharField(_("fetched from"), max_length=500)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    from_cursor = models.CharField(_("from cursor"), max_length=255, blank=True)
    to_cursor = models.CharField(_("to cursor"), max_length=255, blank=True)
    counts = models.JSONField(_("counts"), default=dict)
    rejected = models.JSONField(_("rejected records"), default=list)
    conflicts = models.JSONField(_("conflicts"), default=list)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        app_label = "registry"
        ordering = ["-started_at", "-pk"]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"
