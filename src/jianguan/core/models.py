"""The shared kernel's tables: organisation (jurisdictions, departments, users), device
principals, login failures and the ledger."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.Model):
    """An administrative division (GB/T 2260 code): the city and its districts and counties."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{6}$"), name="jurisdiction_code_6_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department of the commission; every staff user belongs to one."""

    class Code(models.TextChoices):
        APPROVAL = "approval", _("Approval office")
        QUALITY = "quality", _("Quality supervision station")
        SAFETY = "safety", _("Safety supervision station")
        MARKET = "market", _("Market office")
        CREDIT = "credit", _("Credit office")
        COMMAND = "command", _("Command centre")
        DISCIPLINE = "discipline", _("Discipline inspection")
        SYSADMIN = "sysadmin", _("System administration")

    code = models.CharField(_("code"), max_length=32, unique=True, choices=Code.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return str(self.get_code_display())

    @property
    def name(self) -> str:
        return str(self.get_code_display())


class User(AbstractUser):
    """A person who signs in: commission staff, or an enterprise's account holder."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Commission staff")
        ENTERPRISE = "enterprise", _("Enterprise")
        SYSTEM = "system", _("External system")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STAFF)
    real_name = models.CharField(_("real name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=_("department")
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("jurisdiction"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_personal_data", "Can see unmasked ID numbers and phones"),
            ("manage_users", "Can create and change user accounts"),
        ]

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username


class LoginFailure(models.Model):
    """One failed sign-in; enough of them in a window lock the account for a while."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["username", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.username} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class Device(models.Model):
    """A device principal: a terminal, sensor, press or external system that sends data.

    It authenticates with its serial (SN, MN) and its own secret. Binding to a site and
    geofence belongs to the modules that use the device.
    """

    class Kind(models.TextChoices):
        ATTENDANCE_TERMINAL = "attendance_terminal", _("Attendance terminal")
        HANDHELD = "handheld", _("Hand-held terminal")
        DUST_NOISE_MONITOR = "dust_noise_monitor", _("Dust and noise monitor")
        CRANE_MONITOR = "crane_monitor", _("Tower crane monitor")
        HOIST_MONITOR = "hoist_monitor", _("Hoist monitor")
        LAB_PRESS = "lab_press", _("Compression testing machine")
        SYSTEM = "system", _("External system")

    class Protocol(models.TextChoices):
        ZKTECO_PUSH = "zkteco_push", _("ZKTeco PUSH (iclock)")
        SIGNED_HTTP = "signed_http", _("Signed HTTPS JSON")
        HJ212 = "hj212", _("HJ 212-2017")
        MQTT = "mqtt", _("MQTT")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    protocol = models.CharField(_("protocol"), max_length=16, choices=Protocol.choices)
    name = models.CharField(_("name"), max_length=128)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="devices", verbose_name=_("jurisdiction")
    )
    secret = models.CharField(_("secret"), max_length=128)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("reason for status"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        permissions = [("suspend_device", "Can suspend and resume devices")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(serial=""), name="device_serial_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class DeviceNonce(models.Model):
    """A nonce a device has used in a signed request; kept for the clock-skew window so a replayed
    request is refused."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "nonce"], name="device_nonce_once")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.nonce}"


class CalendarDay(models.Model):
    """A day whose status the commission has set: a holiday, or a make-up working day.

    Entered by administrators when the State Council publishes the next year's schedule (the
    ``chinesecalendar`` package only knows years up to its release), or for a local closure.
    """

    day = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=128)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.is_working_day else 'holiday'}"


class RuleVersion(models.Model):
    """One version of a JDM decision graph (GoRules). Versions are never changed: a new one is added.

    Shipped graphs (``src/jianguan/rules/*.json``) are registered after every migrate when their
    content is new; a rules administrator can upload more. A caller may pin a version (a running
    licence application stays on the version it started with).
    """

    class Source(models.TextChoices):
        FILE = "file", _("Shipped with the software")
        UPLOAD = "upload", _("Uploaded")

    name = models.CharField(_("rule"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    content = models.TextField(_("decision graph"))
    sha256 = models.CharField(max_length=64)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name", "version"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        permissions = [("manage_rules", "Can upload new versions of decision rules")]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class LedgerEntry(models.Model):
    """One entry of the append-only, hash-chained event log.

    ``hash`` is SHA-256 over a canonical encoding of every other field, ``prev_hash`` included,
    so changing any entry breaks every later link. The database refuses UPDATE and DELETE.
    Write through ``jianguan.core.ledger`` only.
    """

    seq = models.PositiveBigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_label = models.CharField(max_length=128)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.TextField(help_text="canonical JSON")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], name="ledger_object_idx")]
        permissions = [("verify_ledger", "Can run the ledger's chain verification")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def data(self) -> Any:
        return json.loads(self.payload)
