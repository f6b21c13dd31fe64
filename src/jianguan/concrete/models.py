"""The chain of custody of concrete specimens: sampled on site with an RFID chip per cube and a
witness, received by the lab (chips read), crushed on a press that uploads its raw readings. The
strengths are computed from the raw load and the cube size, never typed in; anything that does not
fit is a ``CustodyFlag`` with the raw records as evidence. Batches are evaluated per GB/T 50107."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Device, Jurisdiction
from jianguan.registry.models import BidSection, Enterprise, Person


class SpecimenGroup(models.Model):
    class Status(models.TextChoices):
        SAMPLED = "sampled", _("Sampled on site")
        RECEIVED = "received", _("Received by the lab")
        TESTED = "tested", _("Tested")

    code = models.CharField(_("group code"), max_length=40, unique=True)
    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, related_name="specimen_groups", verbose_name=_("bid section")
    )
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    lab = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="specimen_groups", verbose_name=_("testing laboratory")
    )
    pour_location = models.CharField(_("pour location"), max_length=128)
    grade = models.CharField(_("strength grade"), max_length=5)
    mix_code = models.CharField(_("mix"), max_length=32)
    size_mm = models.PositiveSmallIntegerField(_("cube size (mm)"), default=150)
    planned_age_days = models.PositiveSmallIntegerField(_("planned test age (days)"), default=28)
    sampled_at = models.DateTimeField(_("sampled at"))
    witness = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("witnessed by (supervision engineer)")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SAMPLED)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    value_tenths = models.IntegerField(_("representative value (0.1 MPa)"), null=True, blank=True)
    rule = models.CharField(_("rule applied"), max_length=16, blank=True)

    class Meta:
        ordering = ["-sampled_at", "code"]
        verbose_name = _("specimen group")
        verbose_name_plural = _("specimen groups")
        indexes = [models.Index(fields=["bid_section", "grade", "mix_code"]), models.Index(fields=["lab", "status"])]

    def __str__(self) -> str:
        return self.code

    @property
    def batch_id(self) -> str:
        return f"{self.bid_section.code}-{self.grade}-{self.mix_code}"


class Specimen(models.Model):
    group = models.ForeignKey(SpecimenGroup, on_delete=models.PROTECT, related_name="specimens")
    chip_id = models.CharField(_("RFID chip"), max_length=32, unique=True)
    position = models.PositiveSmallIntegerField(_("cube"))
    received = models.BooleanField(_("chip read at the lab"), default=False)
    load_kn = models.DecimalField(_("peak load (kN)"), max_digits=8, decimal_places=2, null=True, blank=True)
    strength_tenths = models.IntegerField(_("strength (0.1 MPa)"), null=True, blank=True)
    tested_at = models.DateTimeField(_("tested at"), null=True, blank=True)

    class Meta:
        ordering = ["group", "position"]
        verbose_name = _("specimen")
        verbose_name_plural = _("specimens")
        constraints = [models.UniqueConstraint(fields=["group", "position"], name="specimen_position_once")]

    def __str__(self) -> str:
        return self.chip_id


class PressReading(models.Model):
    """One raw reading as the press sent it (kept even when it does not fit anything)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+", verbose_name=_("press"))
    chip_id = models.CharField(_("RFID chip"), max_length=32)
    tested_at = models.DateTimeField(_("tested at"))
    peak_load_kn = models.DecimalField(_("peak load (kN)"), max_digits=8, decimal_places=2)
    loading_rate = models.DecimalField(_("loading rate (MPa/s)"), max_digits=5, decimal_places=2)
    reported_strength = models.DecimalField(
        _("strength reported by the lab (MPa)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    specimen = models.ForeignKey(Specimen, null=True, blank=True, on_delete=models.PROTECT, related_name="readings")
    received_at = models.DateTimeField(default=timezone.now)
    raw = models.JSONField(default=dict)
    #: the lake batch that carried it to the ``concrete_press`` table; empty while it waits (the outbox)
    lake_batch = models.CharField(_("lake batch"), max_length=80, blank=True, default="")

    class Meta:
        ordering = ["-tested_at"]
        verbose_name = _("press reading")
        verbose_name_plural = _("press readings")
        constraints = [
            models.UniqueConstraint(fields=["device", "chip_id", "tested_at"], name="press_reading_once"),
        ]
        indexes = [
            models.Index(fields=["device", "tested_at"]),
            models.Index(fields=["lake_batch", "id"], name="press_reading_outbox"),
        ]

    def __str__(self) -> str:
        return f"{self.chip_id} {self.peak_load_kn} kN"


class CustodyFlag(models.Model):
    class Kind(models.TextChoices):
        UNKNOWN_CHIP = "unknown_chip", _("Unknown chip")
        CHIP_MISMATCH = "chip_mismatch", _("Lab chip differs from the sampled chip")
        AGE_WINDOW = "age_window", _("Tested outside the age window")
        RESULT_MISMATCH = "result_mismatch", _("Result does not match the raw readings")
        PRESS_TOO_FAST = "press_too_fast", _("Press tested faster than physically possible")
        LOADING_RATE = "loading_rate", _("Loading rate outside the standard's range")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    group = models.ForeignKey(
        SpecimenGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="flags", verbose_name=_("group")
    )
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey(Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    detail = models.JSONField(_("evidence"), default=dict)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("custody flag")
        verbose_name_plural = _("custody flags")

    def __str__(self) -> str:
        return self.get_kind_display()


class BatchVerdict(models.Model):
    """The latest verdict of an inspection batch (bid section, grade, mix), with its explanation."""

    batch_id = models.CharField(_("batch"), max_length=80, unique=True)
    bid_section = models.ForeignKey(BidSection, on_delete=models.PROTECT, related_name="concrete_verdicts")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("strength grade"), max_length=5)
    n_groups = models.PositiveIntegerField(_("groups"))
    method = models.CharField(_("method"), max_length=20)
    mean_tenths = models.IntegerField(null=True)
    s_hundredths = models.IntegerField(null=True)
    min_tenths = models.IntegerField(null=True)
    passed = models.BooleanField(_("passed"))
    explanation_zh = models.TextField()
    explanation_en = models.TextField()
    evaluated_at = models.DateTimeField(_("evaluated at"), default=timezone.now)

    class Meta:
        ordering = ["passed", "-evaluated_at"]
        verbose_name = _("batch verdict")
        verbose_name_plural = _("batch verdicts")

    def __str__(self) -> str:
        return self.batch_id


class LabPress(models.Model):
    """The registry of presses: which laboratory a compression testing machine belongs to. The
    forgery signals name the lab that reports tests on another lab's press."""

    device = models.OneToOneField(
        Device, on_delete=models.PROTECT, related_name="concrete_registration", verbose_name=_("press")
    )
    lab = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="presses", verbose_name=_("testing laboratory")
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        ordering = ["lab", "device"]
        verbose_name = _("registered press")
        verbose_name_plural = _("registered presses")

    def __str__(self) -> str:
        return f"{self.device_id} → {self.lab_id}"


class ForgeryLead(models.Model):
    """A lead of the forgery-signal job: one signal at one lab (or press), with the rows that make
    the case. The job updates its leads in place; a lead it no longer finds is kept, marked gone."""

    class Signal(models.TextChoices):
        PASS_LINE = "pass_line", _("Results cluster just above the pass line")
        LOW_VARIANCE = "low_variance", _("Implausibly low spread within groups")
        REPEATED_VALUES = "repeated_values", _("Repeated identical values")
        DIGIT_PREFERENCE = "digit_preference", _("Last-digit preference")
        UPLOAD_BEFORE_TEST = "upload_before_test", _("Results uploaded before the test")
        SHARED_PRESS = "shared_press", _("One press at two labs")

    lead_id = models.CharField(_("lead"), max_length=200, unique=True)
    signal = models.CharField(_("signal"), max_length=24, choices=Signal.choices)
    lab = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forgery_leads",
        verbose_name=_("testing laboratory"),
    )
    labs = models.CharField(_("labs named"), max_length=255)
    press = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("press")
    )
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    examined = models.FloatField(_("examined"), null=True)
    observed = models.FloatField(_("observed"), null=True)
    expected = models.FloatField(_("expected"), null=True)
    p_value = models.FloatField(_("p-value"), null=True)
    summary_zh = models.TextField()
    summary_en = models.TextField()
    evidence = models.JSONField(_("evidence"), default=list)
    evidence_rows = models.PositiveIntegerField(_("evidence rows"), default=0)
    first_found_at = models.DateTimeField(_("first found"), default=timezone.now)
    last_found_at = models.DateTimeField(_("last found"), default=timezone.now)
    active = models.BooleanField(_("found in the latest run"), default=True)

    class Meta:
        ordering = ["-active", "signal", "lead_id"]
        verbose_name = _("forgery lead")
        verbose_name_plural = _("forgery leads")
        indexes = [models.Index(fields=["lab", "active"])]

    def __str__(self) -> str:
        return self.lead_id
