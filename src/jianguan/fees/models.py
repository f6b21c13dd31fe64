"""The supporting fee (城市基础设施配套费) of a project: its fee file, the floor areas measured at
planning permit, construction permit and completion survey, the assessments made from them, the
reductions and exemptions granted, the payments received, and the reconciliation flags.

Money is in yuan with two decimals, areas in m² with two decimals. Writes go through
``fees.services``; the fee file carries the current totals (standard, relieved, due, paid, discount
rate) so the city table sorts and filters in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Jurisdiction
from jianguan.registry.models import BidSection, Project


class Use(models.TextChoices):
    """What the building is for, as the fee schedule and the relief policies distinguish it."""

    RESIDENTIAL = "residential", _("Residential")
    AFFORDABLE = "affordable", _("Low-rent, affordable or public rental housing")
    COMMERCIAL = "commercial", _("Commercial")
    OFFICE = "office", _("Office")
    INDUSTRIAL = "industrial", _("Industrial")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("Compulsory-education school")
    TEACHING_SENIOR = "teaching_senior", _("Senior-high or vocational teaching building")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    MUNICIPAL = "municipal", _("Municipal utility")
    OTHER = "other", _("Other")


# the registry's project function -> the fee use it suggests (the assessor may choose another)
USE_FROM_FUNCTION = {
    "residential": Use.RESIDENTIAL,
    "affordable": Use.AFFORDABLE,
    "commercial": Use.COMMERCIAL,
    "office": Use.OFFICE,
    "school": Use.SCHOOL,
    "kindergarten": Use.KINDERGARTEN,
    "hospital": Use.HOSPITAL,
    "industrial": Use.INDUSTRIAL,
    "road": Use.MUNICIPAL,
    "bridge": Use.MUNICIPAL,
    "pipeline": Use.MUNICIPAL,
    "other": Use.OTHER,
}


class Basis(models.TextChoices):
    """Which document an area comes from."""

    PLANNING = "planning_permit", _("Planning permit")
    PERMIT = "construction_permit", _("Construction permit")
    COMPLETION = "completion_survey", _("Completion survey")


class FeeFile(models.Model):
    """One per project: the fee's current state, kept by the services."""

    class Status(models.TextChoices):
        ASSESSED = "assessed", _("Assessed, not paid")
        PART_PAID = "part_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        EXEMPT = "exempt", _("Exempt")

    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="fee_file", verbose_name=_("project")
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("administrative division")
    )
    use = models.CharField(_("use"), max_length=16, choices=Use.choices)
    zone = models.CharField(_("zone"), max_length=8)
    standard = models.DecimalField(_("standard amount (yuan)"), max_digits=14, decimal_places=2)
    relieved = models.DecimalField(_("relieved (yuan)"), max_digits=14, decimal_places=2, default=0)
    due = models.DecimalField(_("due (yuan)"), max_digits=14, decimal_places=2)
    paid = models.DecimalField(_("paid (yuan)"), max_digits=14, decimal_places=2, default=0)
    discount_rate = models.DecimalField(_("discount rate"), max_digits=7, decimal_places=4, default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ASSESSED)
    settled_on = models.DateField(_("paid or exempt on"), null=True, blank=True)
    open_flags = models.PositiveIntegerField(_("open flags"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["project__code"]
        verbose_name = _("fee file")
        verbose_name_plural = _("fee files")
        permissions = [
            ("assess_fee", "Can assess supporting fees and record payments and areas"),
            ("grant_relief", "Can grant supporting-fee reductions and exemptions"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "use"]), models.Index(fields=["discount_rate"])]
        constraints = [
            models.CheckConstraint(condition=Q(standard__gte=0), name="fees_standard_not_negative"),
            models.CheckConstraint(condition=Q(due__gte=0), name="fees_due_not_negative"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="fees_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_use_display()}"


class AreaMeasurement(models.Model):
    """A floor area as one document states it, for the whole project or one bid section.

    A later measurement of the same project, section and basis replaces the earlier one in the
    figures (both are kept and in the ledger)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="fee_areas", verbose_name=_("project"))
    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bid section")
    )
    basis = models.CharField(_("basis"), max_length=24, choices=Basis.choices)
    above_ground = models.DecimalField(_("above-ground floor area (m²)"), max_digits=12, decimal_places=2)
    below_ground = models.DecimalField(_("below-ground floor area (m²)"), max_digits=12, decimal_places=2, default=0)
    civil_air_defence = models.DecimalField(
        _("civil-air-defence area (m²)"), max_digits=12, decimal_places=2, default=0
    )
    measured_on = models.DateField(_("document date"))
    document = models.CharField(_("document number"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["project", "basis", "measured_on", "id"]
        verbose_name = _("area measurement")
        verbose_name_plural = _("area measurements")
        indexes = [models.Index(fields=["project", "basis"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(above_ground__gte=0, below_ground__gte=0, civil_air_defence__gte=0),
                name="fees_area_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.basis}:{self.above_ground}+{self.below_ground}"


class Assessment(models.Model):
    """The fee worked out by the rule ``fees.supporting_fee`` on one basis: at stage 6 from the
    planning permit (``initial``), again at completion from the survey (``completion``)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Assessment at stage 6")
        COMPLETION = "completion", _("Recalculation at completion")

    fee_file = models.ForeignKey(FeeFile, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("demand number"), max_length=32, unique=True)
    basis = models.CharField(_("basis"), max_length=24, choices=Basis.choices)
    use = models.CharField(_("use"), max_length=16, choices=Use.choices)
    zone = models.CharField(_("zone"), max_length=8)
    rate_day = models.DateField(_("rates in force on"))
    above_ground = models.DecimalField(_("above-ground floor area (m²)"), max_digits=12, decimal_places=2)
    below_ground = models.DecimalField(_("below-ground floor area (m²)"), max_digits=12, decimal_places=2)
    civil_air_defence = models.DecimalField(_("civil-air-defence area (m²)"), max_digits=12, decimal_places=2)
    basis_area = models.DecimalField(_("area levied (m²)"), max_digits=12, decimal_places=2)
    rate = models.DecimalField(_("rate (yuan/m²)"), max_digits=10, decimal_places=2)
    schedule = models.CharField(_("rate schedule"), max_length=255)
    standard = models.DecimalField(_("standard amount (yuan)"), max_digits=14, decimal_places=2)
    relieved = models.DecimalField(_("relieved (yuan)"), max_digits=14, decimal_places=2, default=0)
    due = models.DecimalField(_("due (yuan)"), max_digits=14, decimal_places=2)
    supplementary = models.DecimalField(_("supplementary demand (yuan)"), max_digits=14, decimal_places=2, default=0)
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.JSONField(_("rule decision"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["fee_file", "assessed_on", "id"]
        verbose_name = _("fee assessment")
        verbose_name_plural = _("fee assessments")
        constraints = [
            models.UniqueConstraint(fields=["fee_file", "kind"], name="fees_one_assessment_per_kind"),
            models.CheckConstraint(condition=Q(due__gte=0, supplementary__gte=0), name="fees_assessment_amounts"),
        ]

    def __str__(self) -> str:
        return self.number


class Relief(models.Model):
    """A reduction or exemption granted on a project's fee, with the policy the rule matched — or
    the problem the rule found (no policy, a use that does not qualify, more than the policy gives)."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matches a policy rule")
        NO_POLICY = "no_policy", _("No matching policy rule")
        USE_NOT_QUALIFYING = "use_not_qualifying", _("Use does not qualify")
        EXCEEDS_POLICY = "exceeds_policy", _("More than the policy allows")

    fee_file = models.OneToOneField(FeeFile, on_delete=models.PROTECT, related_name="relief")
    code = models.CharField(_("policy code claimed"), max_length=32, blank=True)
    exemption = models.BooleanField(_("exemption"), default=False)
    amount_factor = models.DecimalField(_("share of the standard relieved"), max_digits=5, decimal_places=4)
    policy_factor = models.DecimalField(
        _("share the policy allows"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    policy = models.CharField(_("policy document (rule)"), max_length=255, blank=True)
    document = models.CharField(_("decision document cited"), max_length=255)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices)
    granted_on = models.DateField(_("granted on"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_by_label = models.CharField(_("granted by"), max_length=100)
    decision = models.JSONField(_("rule decision"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("fee relief")
        verbose_name_plural = _("fee reliefs")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_factor__gt=0, amount_factor__lte=1), name="fees_relief_factor_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fee_file_id}:{self.code or '-'}"


class Payment(models.Model):
    fee_file = models.ForeignKey(FeeFile, on_delete=models.PROTECT, related_name="payments")
    receipt = models.CharField(_("receipt number"), max_length=64, unique=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["fee_file", "paid_on", "id"]
        verbose_name = _("fee payment")
        verbose_name_plural = _("fee payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fees_payment_positive")]

    def __str__(self) -> str:
        return self.receipt


class Flag(models.Model):
    """A reconciliation finding, recorded once per condition (``key``) and raised as a warning."""

    class Kind(models.TextChoices):
        AREA_GREW = "area_grew", _("Floor area grew after the assessment")
        RELIEF_NO_POLICY = "relief_no_policy", _("Relief without a matching policy rule")
        RELIEF_USE = "relief_use_not_qualifying", _("Relief for a use that does not qualify")
        RELIEF_EXCEEDS = "relief_exceeds_policy", _("Relief larger than the policy allows")
        PERMIT_BEFORE_FEE = "permit_before_fee", _("Construction permit before the fee was paid or exempt")

    fee_file = models.ForeignKey(FeeFile, on_delete=models.PROTECT, related_name="flags", null=True, blank=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True)
    params = models.JSONField(default=dict)
    raised_on = models.DateField(_("raised on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_on", "id"]
        verbose_name = _("fee flag")
        verbose_name_plural = _("fee flags")

    def __str__(self) -> str:
        return self.key
