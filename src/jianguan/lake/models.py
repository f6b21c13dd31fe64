"""What the lake's jobs found: one row per condition (an exceedance episode, a silent device), so
running a job again over the same data raises nothing new."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Device, Jurisdiction


class Detection(models.Model):
    class Kind(models.TextChoices):
        DUST_EXCEEDANCE = "dust_exceedance", _("Dust above the limit")
        NOISE_EXCEEDANCE = "noise_exceedance", _("Noise above the limit")
        SILENT_DEVICE = "silent_device", _("Device silent")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+", verbose_name=_("device"))
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("jurisdiction"))
    site = models.CharField(_("site"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("detection")
        verbose_name_plural = _("detections")
        permissions = [
            ("view_lake", "Can see the data lake's tables and quarantine"),
            ("ingest_lake", "Can upload batches to the data lake"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "device", "started_at"], name="lake_detection_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.device_id} {self.started_at:%Y-%m-%d %H:%M}"
