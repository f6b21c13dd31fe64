"""Credit in the database: catalogue versions, subjects, behaviour records, appeals, daily standings.

Points, severity, disclosure period and blacklist trigger of a record are copied from the catalogue
version it was made from when it is created (never typed by anyone); ``valid_until`` is computed by
the domain (:mod:`jianguan.credit.domain`). The scoring job reads the views ``credit_job_subjects`` and
``credit_job_records`` (created by the migrations over these tables, in the column contract of
:mod:`jianguan.credit.scoring`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Jurisdiction, User


class CatalogueVersion(models.Model):
    """One version of the behaviour catalogue, as the checked JSON document. Versions are never
    edited: the credit office publishes a new one."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    document = models.JSONField(_("document"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.CharField(_("published by"), max_length=150)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")

    def __str__(self) -> str:
        return f"{self.version} ({self.effective_from})"


class Subject(models.Model):
    """An enterprise or a registered person with a credit file (one row each)."""

    enterprise = models.OneToOneField(
        "registry.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_subject",
        verbose_name=_("enterprise"),
    )
    person = models.OneToOneField(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_subject",
        verbose_name=_("person"),
    )
    subject_type = models.CharField(_("subject type"), max_length=24, db_index=True)
    name = models.CharField(_("name"), max_length=128, db_index=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("jurisdiction")
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("credit subject")
        verbose_name_plural = _("credit subjects")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, person__isnull=True)
                | Q(enterprise__isnull=True, person__isnull=False),
                name="credit_subject_one_of",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.person_id is not None


class Record(models.Model):
    """One behaviour record of a subject (bad or good)."""

    class Source(models.TextChoices):
        FINDING = "finding", _("Inspection finding")
        PENALTY = "penalty", _("Administrative penalty")
        ACCIDENT = "accident", _("Accident")
        MANUAL = "manual", _("Manual entry")

    class Status(models.TextChoices):
        HANDLED = "handled", _("Awaiting review")
        REVIEWED = "reviewed", _("Awaiting approval")
        RECORDED = "recorded", _("In the record")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="records", verbose_name=_("subject"))
    catalogue = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, verbose_name=_("catalogue version"))
    code = models.CharField(_("behaviour code"), max_length=16, db_index=True)
    title = models.CharField(_("behaviour"), max_length=255)
    kind = models.CharField(_("kind"), max_length=8)
    severity = models.CharField(_("severity"), max_length=1, blank=True)
    trigger = models.CharField(_("blacklist trigger"), max_length=32, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2)
    period_months = models.PositiveSmallIntegerField(_("disclosure or validity (months)"))
    event_date = models.DateField(_("date"), db_index=True)
    valid_until = models.DateField(_("in force until"), db_index=True)
    penalty_until = models.DateField(_("penalty ends"), null=True, blank=True)
    penalised = models.BooleanField(_("administrative penalty decided"), default=False)
    settled_on = models.DateField(_("arrears paid on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    # an administrative penalty (行政处罚)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    facts = models.TextField(_("facts"), blank=True)
    basis = models.TextField(_("legal basis"), blank=True)
    penalty = models.TextField(_("penalty"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    handled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-event_date", "-id"]
        verbose_name = _("behaviour record")
        verbose_name_plural = _("behaviour records")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], condition=~Q(source_ref=""), name="credit_record_source_once"
            ),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("event_date")), name="credit_record_window"),
        ]
        indexes = [models.Index(fields=["subject", "status"])]
        permissions = [
            ("review_record", _("Can review a behaviour record")),
            ("approve_record", _("Can approve a behaviour record")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"

    @property
    def counts(self) -> bool:
        """Whether the record is part of the subject's credit (recorded, or revoked later)."""
        return self.status in (self.Status.RECORDED, self.Status.REVOKED)


class Appeal(models.Model):
    """异议/信用修复: a subject contests a record; the credit office decides by a deadline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DECIDED = "decided", _("Decided")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Record upheld")
        CORRECTED = "corrected", _("Record corrected")
        REVOKED = "revoked", _("Record revoked")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("record"))
    applicant = models.CharField(_("applicant"), max_length=128)
    grounds = models.TextField(_("grounds"))
    received_on = models.DateField(_("received on"))
    deadline = models.DateField(_("decide by"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        permissions = [("decide_appeal", _("Can decide an appeal"))]
        constraints = [
            models.UniqueConstraint(fields=["record"], condition=Q(status="pending"), name="credit_appeal_one_pending")
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk} on {self.record_id}"


class Standing(models.Model):
    """A subject's credit on one day as the daily job computed it (the stored history)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="standings")
    day = models.DateField(_("day"), db_index=True)
    scheme = models.CharField(_("scheme"), max_length=32)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=8, db_index=True)
    blacklisted = models.BooleanField(_("blacklisted"), default=False)
    reasons = models.JSONField(_("blacklist reasons"), default=list, blank=True)

    class Meta:
        ordering = ["-day", "subject_id"]
        verbose_name = _("daily standing")
        verbose_name_plural = _("daily standings")
        constraints = [models.UniqueConstraint(fields=["subject", "day", "scheme"], name="credit_standing_once")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.day} {self.grade}"


class EligibilityPeriod(models.Model):
    """A period in which a subject holds what a licence-based scheme's base score needs (Jiangxi):
    rewritten from the registry before each recompute under such a scheme, and joined by the
    set-based job (column contract of :mod:`jianguan.credit.scoring`: subject_id, valid_from,
    valid_until — null for open-ended)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("licence eligibility period")
        verbose_name_plural = _("licence eligibility periods")
        indexes = [models.Index(fields=["subject"], name="credit_eligibility_subject")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.valid_from}…{self.valid_until or ''}"
