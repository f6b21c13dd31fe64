"""The base registry ("four databases"): enterprises and their certificates, people and their
registrations, and the project tree (project → unit projects → bid sections → permitted works) with
the participants and key people of each bid section.

Writes go through ``registry.services``; the constraints here are the last line of defence for the
rules the services explain to people (one registering enterprise per person, one active bid
section per project manager, unique codes).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Jurisdiction, User


class Enterprise(models.Model):
    class Kind(models.TextChoices):
        OWNER = "owner", _("Builder / owner")
        CONSTRUCTION = "construction", _("Construction contractor")
        SUPERVISION = "supervision", _("Supervision")
        SURVEY = "survey", _("Survey")
        DESIGN = "design", _("Design")
        TESTING = "testing", _("Testing laboratory")
        COST = "cost", _("Cost consultant")
        AGENCY = "agency", _("Tender agent")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=128, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    legal_representative = models.CharField(_("legal representative"), max_length=64)
    registered_capital = models.DecimalField(
        _("registered capital (10,000 yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("administrative division")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=16, default="local")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        permissions = [("import_data", "Can import and synchronise registry data")]
        indexes = [models.Index(fields=["jurisdiction", "kind", "status"])]
        constraints = [models.CheckConstraint(condition=~Q(uscc=""), name="enterprise_uscc_not_empty")]

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """What qualifications and licences share: number, issuer, validity, status."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(_("certificate number"), max_length=64)
    issuer = models.CharField(_("issued by"), max_length=128)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    source = models.CharField(_("source"), max_length=16, default="local")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        abstract = True

    def is_valid_on(self, day: object) -> bool:
        return self.status == self.Status.VALID and self.valid_until >= day  # type: ignore[operator]


class Qualification(Certificate):
    """A qualification (资质) per the 2020 reform: category, class, grade (甲/乙 or none)."""

    class Category(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("Comprehensive (综合资质)")
        GENERAL = "general", _("General contracting (施工总承包)")
        SPECIALTY = "specialty", _("Specialty contracting (专业承包)")
        LABOUR = "labour", _("Specialty work (专业作业)")
        SUPERVISION = "supervision", _("Supervision")
        SURVEY = "survey", _("Survey")
        DESIGN = "design", _("Design")
        TESTING = "testing", _("Testing")
        COST = "cost", _("Cost consulting")
        AGENCY = "agency", _("Tender agency")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="qualifications", verbose_name=_("enterprise")
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    klass = models.CharField(_("class"), max_length=32)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    legacy_grade = models.CharField(_("grade as imported"), max_length=8, blank=True)

    class Meta:
        ordering = ["enterprise", "category", "klass"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "category", "klass"], name="qualification_once_per_class"),
            models.UniqueConstraint(fields=["number", "category", "klass"], name="qualification_number_unique"),
        ]
        indexes = [models.Index(fields=["valid_until", "status"], name="qualification_validity_idx")]

    def __str__(self) -> str:
        from jianguan.registry.domain import class_label

        return f"{class_label(self.category, self.klass)}{self.grade or ''}"


class SafetyLicence(Certificate):
    """Safety production licence (安全生产许可证) of a construction enterprise."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.PROTECT, related_name="safety_licence", verbose_name=_("enterprise")
    )

    class Meta:
        verbose_name = _("safety production licence")
        verbose_name_plural = _("safety production licences")
        constraints = [models.UniqueConstraint(fields=["number"], name="safety_licence_number_unique")]
        indexes = [models.Index(fields=["valid_until", "status"], name="safety_licence_validity_idx")]

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    """A natural person, stored once by resident ID number. ``enterprise`` is the one enterprise
    their registrations are with (人证合一); empty when they hold none."""

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=64, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_people",
        verbose_name=_("registering enterprise"),
    )
    source = models.CharField(_("source"), max_length=16, default="local")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # prefix search by name on PostgreSQL (LIKE 'x%' with a C-collation index)
            models.Index(fields=["name"], name="person_name_pattern_idx", opclasses=["varchar_pattern_ops"]),
            # the first page of a name search (name range, ORDER BY name, id LIMIT n) straight from the index
            models.Index(fields=["name", "id"], name="person_name_id_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Registration(Certificate):
    """A practising registration or certificate of a person, held with one enterprise."""

    class Kind(models.TextChoices):
        CONSTRUCTOR_1 = "constructor_1", _("Registered constructor, grade 1 (一级建造师)")
        CONSTRUCTOR_2 = "constructor_2", _("Registered constructor, grade 2 (二级建造师)")
        SUPERVISION = "supervision", _("Registered supervision engineer (注册监理工程师)")
        ARCHITECT_1 = "architect_1", _("Registered architect, grade 1 (一级注册建筑师)")
        ARCHITECT_2 = "architect_2", _("Registered architect, grade 2 (二级注册建筑师)")
        STRUCTURAL_1 = "structural_1", _("Registered structural engineer, grade 1 (一级注册结构工程师)")
        STRUCTURAL_2 = "structural_2", _("Registered structural engineer, grade 2 (二级注册结构工程师)")
        COST_1 = "cost_1", _("Cost engineer, grade 1 (一级造价工程师)")
        COST_2 = "cost_2", _("Cost engineer, grade 2 (二级造价工程师)")
        SAFETY_A = "safety_a", _("Safety certificate A (安管人员A证)")
        SAFETY_B = "safety_b", _("Safety certificate B (安管人员B证)")
        SAFETY_C = "safety_c", _("Safety certificate C (安管人员C证)")
        SPECIAL_OPERATION = "special_operation", _("Special operation certificate (特种作业)")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    specialty = models.CharField(_("specialty"), max_length=32, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("registered to")
    )

    class Meta:
        ordering = ["person", "kind"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="registration_number_unique")]
        indexes = [models.Index(fields=["valid_until", "status"], name="registration_validity_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Project(models.Model):
    class Category(models.TextChoices):
        BUILDING = "building", _("Building works")
        MUNICIPAL = "municipal", _("Municipal works")

    class Function(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        AFFORDABLE = "affordable", _("Affordable housing")
        COMMERCIAL = "commercial", _("Commercial")
        OFFICE = "office", _("Office")
        SCHOOL = "school", _("School")
        KINDERGARTEN = "kindergarten", _("Kindergarten")
        HOSPITAL = "hospital", _("Hospital")
        INDUSTRIAL = "industrial", _("Industrial")
        ROAD = "road", _("Road")
        BRIDGE = "bridge", _("Bridge")
        PIPELINE = "pipeline", _("Pipeline and utilities")
        OTHER = "other", _("Other")

    class Structure(models.TextChoices):
        FRAME = "frame", _("Frame")
        SHEAR_WALL = "shear_wall", _("Shear wall")
        FRAME_SHEAR = "frame_shear", _("Frame–shear wall")
        STEEL = "steel", _("Steel")
        MASONRY = "masonry", _("Masonry")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        UNDER_CONSTRUCTION = "under_construction", _("Under construction")
        SUSPENDED = "suspended", _("Suspended")
        COMPLETED = "completed", _("Completed")

    code = models.CharField(_("project code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    owner = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="owned_projects", verbose_name=_("owner")
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="projects", verbose_name=_("administrative division")
    )
    address = models.CharField(_("address"), max_length=255)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    investment = models.DecimalField(_("investment (10,000 yuan)"), max_digits=14, decimal_places=2)
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=12, decimal_places=2)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    function = models.CharField(_("function"), max_length=16, choices=Function.choices)
    structure = models.CharField(_("structure"), max_length=16, choices=Structure.choices, blank=True)
    registered_on = models.DateField(_("registered on"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.REGISTERED)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-registered_on", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [models.Index(fields=["jurisdiction", "status"])]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{16}$"), name="project_code_16_digits")]

    def __str__(self) -> str:
        return self.name


class UnitProject(models.Model):
    """A unit project (单项工程), e.g. one building of the project."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="units", verbose_name=_("project"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=12, decimal_places=2)
    above_ground_floors = models.PositiveSmallIntegerField(_("floors above ground"), default=0)
    below_ground_floors = models.PositiveSmallIntegerField(_("floors below ground"), default=0)
    structure = models.CharField(_("structure"), max_length=16, choices=Project.Structure.choices, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit project")
        verbose_name_plural = _("unit projects")

    def __str__(self) -> str:
        return self.name


class BidSection(models.Model):
    """A bid section (标段): the unit that is tendered, contracted, permitted and supervised."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Under construction")
        SUSPENDED = "suspended", _("Suspended")
        COMPLETED = "completed", _("Completed")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="bid_sections", verbose_name=_("project")
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    units = models.ManyToManyField(
        UnitProject, blank=True, related_name="bid_sections", verbose_name=_("unit projects")
    )
    contract_price = models.DecimalField(
        _("contract price (10,000 yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="bid_sections", verbose_name=_("administrative division")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        ordering = ["code"]
        verbose_name = _("bid section")
        verbose_name_plural = _("bid sections")
        indexes = [models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return f"{self.project.name} {self.name}"


class PermittedWork(models.Model):
    """Works covered by one construction permit (施工许可工程)."""

    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, related_name="permitted_works", verbose_name=_("bid section")
    )
    permit_number = models.CharField(_("construction permit number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    specialty = models.CharField(_("specialty code"), max_length=2)
    issued_on = models.DateField(_("issued on"))
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=12, decimal_places=2, null=True, blank=True)
    contract_price = models.DecimalField(
        _("contract price (10,000 yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["permit_number"]
        verbose_name = _("permitted work")
        verbose_name_plural = _("permitted works")
        constraints = [
            models.CheckConstraint(condition=Q(permit_number__regex=r"^[0-9]{18}$"), name="permit_number_18_digits")
        ]

    def __str__(self) -> str:
        return self.permit_number


class Participant(models.Model):
    """An enterprise taking part in a bid section in one role."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        CONTRACTOR = "contractor", _("General contractor")
        SUPERVISOR = "supervisor", _("Supervisor")
        SURVEY = "survey", _("Survey")
        DESIGN = "design", _("Design")
        TESTING = "testing", _("Testing laboratory")

    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, related_name="participants", verbose_name=_("bid section")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="participations", verbose_name=_("enterprise")
    )
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        ordering = ["bid_section", "role"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["bid_section", "role"], name="one_participant_per_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.enterprise}"


# which participant a key person must belong to
KEY_ROLE_PARTICIPANT = {
    "project_manager": "contractor",
    "technical_lead": "contractor",
    "safety_officer": "contractor",
    "chief_supervision_engineer": "supervisor",
    "owner_representative": "owner",
}


class KeyPerson(models.Model):
    """A key person (项目负责人, 总监理工程师, 专职安全员 …) of a bid section, from ``started_on`` until
    ``ended_on`` (empty while still in post)."""

    class Role(models.TextChoices):
        PROJECT_MANAGER = "project_manager", _("Project manager (项目经理)")
        TECHNICAL_LEAD = "technical_lead", _("Technical lead (技术负责人)")
        SAFETY_OFFICER = "safety_officer", _("Safety officer (专职安全员)")
        CHIEF_SUPERVISION_ENGINEER = "chief_supervision_engineer", _("Chief supervision engineer (总监理工程师)")
        OWNER_REPRESENTATIVE = "owner_representative", _("Owner's representative (建设单位项目负责人)")

    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, related_name="key_people", verbose_name=_("bid section")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="key_posts", verbose_name=_("person"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="key_posts", verbose_name=_("for enterprise")
    )
    registration = models.ForeignKey(
        Registration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_posts",
        verbose_name=_("registration used"),
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["bid_section", "role", "-started_on"]
        verbose_name = _("key person")
        verbose_name_plural = _("key people")
        constraints = [
            models.UniqueConstraint(
                fields=["bid_section", "role"], condition=Q(ended_on__isnull=True), name="one_key_person_per_role"
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True, role="project_manager"),
                name="project_manager_one_active_section",
            ),
        ]
        indexes = [models.Index(fields=["person", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.person}"


class EnterpriseAccount(models.Model):
    """The enterprise an enterprise user account acts for (applies for licences, replies to
    rectification orders). One account acts for one enterprise; an enterprise may have several."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="enterprise_account", verbose_name=_("user account")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("enterprise")
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        ordering = ["enterprise", "user"]
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


# bulk exchange (imports, provincial sync) keeps its own records in this app
from jianguan.registry.exchange.models import ImportRun, SyncCursor, SyncRun  # noqa: E402, F401
