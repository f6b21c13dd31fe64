"""On-site attendance: terminals bound to bid sections, people enrolled on them, check-ins as the
terminals sent them, lines that could not be read, commands queued for terminals, approved
absences and the monthly duty evaluations."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Device
from jianguan.registry.models import BidSection, Person


class Binding(models.Model):
    """A device placed at a bid section's site, from ``bound_at`` until ``ended_at``.

    Moving a device ends its binding and starts another, so history is never rewritten."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="bindings", verbose_name=_("device"))
    bid_section = models.ForeignKey(
        BidSection, on_delete=models.PROTECT, related_name="device_bindings", verbose_name=_("bid section")
    )
    location = models.CharField(_("location"), max_length=128)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    radius_m = models.PositiveIntegerField(_("geofence radius (m)"), default=300)
    bound_at = models.DateTimeField(_("bound at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["device", "-bound_at"]
        verbose_name = _("device binding")
        verbose_name_plural = _("device bindings")
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=Q(ended_at__isnull=True), name="one_binding_per_device"
            ),
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="binding_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="binding_longitude_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device.serial} @ {self.location}"


class DeviceState(models.Model):
    """What the server last heard from a device (kept apart so a busy device does not lock its binding)."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, related_name="attendance_state")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    attlog_stamp = models.CharField(max_length=32, default="0")
    operlog_stamp = models.CharField(max_length=32, default="0")
    info = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.device_id} seen {self.last_seen_at}"


class Enrolment(models.Model):
    """A person enrolled on a terminal under a PIN (the number the terminal reports)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("device"))
    pin = models.CharField(_("PIN"), max_length=24)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("person"))
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["device", "pin"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "pin"], condition=Q(ended_at__isnull=True), name="one_pin_per_device"
            ),
            models.CheckConstraint(condition=~Q(pin=""), name="enrolment_pin_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.pin} → {self.person_id}"


class CheckIn(models.Model):
    """One punch as the device reported it, kept whatever is wrong with it (the flags say what)."""

    class Source(models.TextChoices):
        ZKTECO = "zkteco", _("ZKTeco PUSH")
        SIGNED = "signed", _("Signed API")

    class Flag(models.TextChoices):
        UNKNOWN_PERSON = "unknown_person", _("Unknown person")
        NOT_ON_ROSTER = "not_on_roster", _("Not on the section's roster")
        OUTSIDE_GEOFENCE = "outside_geofence", _("Outside the geofence")
        LOW_SCORE = "low_score", _("Low biometric match score")
        UNBOUND_DEVICE = "unbound_device", _("Device not bound to a site")

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="check_ins", verbose_name=_("device"))
    pin = models.CharField(_("PIN"), max_length=24)
    punched_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=8, blank=True)
    verify = models.CharField(_("verify mode"), max_length=8, blank=True)
    workcode = models.CharField(_("work code"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="check_ins", verbose_name=_("person")
    )
    bid_section = models.ForeignKey(
        BidSection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="check_ins",
        verbose_name=_("bid section"),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    match_score = models.FloatField(_("match score"), null=True, blank=True)
    photo = models.FileField(_("photo"), upload_to="attendance/photos/%Y/%m/", blank=True)
    photo_sha256 = models.CharField(_("photo SHA-256"), max_length=64, blank=True)
    flags = models.CharField(_("flags"), max_length=128, blank=True)  # comma-separated Flag values
    raw = models.CharField(_("raw record"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # The upload that stored this punch first (a re-sent punch keeps its first batch).
    batch = models.ForeignKey("CheckInBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="check_ins")

    class Meta:
        ordering = ["-punched_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["device", "pin", "punched_at"], name="check_in_once"),
        ]
        indexes = [
            models.Index(fields=["person", "punched_at"]),
            models.Index(fields=["bid_section", "punched_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.pin} {self.punched_at:%Y-%m-%d %H:%M:%S}"

    @property
    def flag_list(self) -> list[str]:
        return [flag for flag in self.flags.split(",") if flag]


class CheckInBatch(models.Model):
    """One upload as a device sent it (count and SHA-256 of the body), stored in the same
    transaction as its check-ins. It is also an outbox: the batch is chained into the ledger
    (``ledger_seq``) and copied to the lake (``lake_batch``) by Huey jobs after the device has been
    answered, so uploads never wait for the ledger's append lock (decision 0010)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8)
    table = models.CharField(max_length=16)
    records = models.PositiveIntegerField()
    quarantined = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    ledger_seq = models.BigIntegerField(null=True, blank=True, unique=True)
    lake_batch = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(ledger_seq__isnull=True), name="checkin_batch_unledgered"),
            models.Index(fields=["id"], condition=Q(lake_batch=""), name="checkin_batch_not_in_lake"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.table} {self.records} @ {self.received_at:%Y-%m-%d %H:%M:%S}"


class QuarantinedLine(models.Model):
    """A line a device sent that could not be read: kept with the reason, never silently dropped."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    table = models.CharField(max_length=16)
    line_number = models.PositiveIntegerField()
    raw = models.TextField()
    reason = models.CharField(max_length=255)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "line_number"]
        verbose_name = _("quarantined line")
        verbose_name_plural = _("quarantined lines")

    def __str__(self) -> str:
        return f"{self.device_id} {self.table}#{self.line_number}: {self.reason}"


class DeviceCommand(models.Model):
    """A command queued for a ZKTeco terminal, fetched on its next ``getrequest``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="attendance_commands")
    command = models.CharField(_("command"), max_length=1024)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    return_code = models.IntegerField(_("return code"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("device command")
        verbose_name_plural = _("device commands")
        indexes = [models.Index(fields=["device", "status"])]

    def __str__(self) -> str:
        return f"C:{self.pk}:{self.command}"


class Absence(models.Model):
    """An approved absence of a key person from a bid section (the owner's approval, 建质〔2011〕111号)."""

    bid_section = models.ForeignKey(BidSection, on_delete=models.PROTECT, related_name="absences")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="absences")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=255)
    approved_by = models.CharField(_("approved by"), max_length=128)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-first_day"]
        verbose_name = _("approved absence")
        verbose_name_plural = _("approved absences")
        constraints = [models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="absence_order")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.first_day}–{self.last_day}"


class DutyEvaluation(models.Model):
    """A key person's attendance at a bid section in one month, judged by the duty rule."""

    bid_section = models.ForeignKey(BidSection, on_delete=models.PROTECT, related_name="duty_evaluations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="duty_evaluations")
    role = models.CharField(max_length=32)
    month = models.DateField()  # first day of the month
    construction_days = models.PositiveIntegerField()
    absence_days = models.PositiveIntegerField()
    present_days = models.PositiveIntegerField()
    rate = models.FloatField()
    compliant = models.BooleanField()
    decision = models.JSONField(default=dict)
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month", "bid_section", "role"]
        constraints = [
            models.UniqueConstraint(fields=["bid_section", "person", "role", "month"], name="one_evaluation_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.role} {self.rate:.0%}"


class RealNameLink(models.Model):
    """A bid section as the national construction-worker real-name platform knows it: the
    platform's project code and the team (班组) its key people's attendance is filed under."""

    bid_section = models.OneToOneField(BidSection, on_delete=models.PROTECT, related_name="realname_link")
    project_code = models.CharField(_("platform project code"), max_length=64)
    team_sys_no = models.CharField(_("platform team number"), max_length=32)
    active = models.BooleanField(_("active"), default=True)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("real-name platform link")
        verbose_name_plural = _("real-name platform links")

    def __str__(self) -> str:
        return f"{self.bid_section_id} → {self.project_code}/{self.team_sys_no}"


class PlatformPush(models.Model):
    """One request to the real-name platform (``WorkerAttendance.Add``) carrying a fixed set of
    check-ins; sent again with the same content until the platform gives a definitive answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        ACCEPTED = "accepted", _("Accepted, being processed")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    link = models.ForeignKey(RealNameLink, on_delete=models.PROTECT, related_name="pushes")
    method = models.CharField(max_length=64)
    data = models.TextField()  # the ``data`` field as sent (ID numbers encrypted)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    request_serial = models.CharField(max_length=128, blank=True)
    result = models.TextField(blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)  # one sender at a time
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return f"{self.method} #{self.pk} {self.status}"


class PlatformPushItem(models.Model):
    """A check-in carried by a push: each check-in is in at most one push (idempotent per record)."""

    push = models.ForeignKey(PlatformPush, on_delete=models.PROTECT, related_name="items")
    check_in = models.OneToOneField(CheckIn, on_delete=models.PROTECT, related_name="platform_push_item")

    def __str__(self) -> str:
        return f"{self.push_id}:{self.check_in_id}"


class PlatformExchange(models.Model):
    """Every HTTP exchange with the platform for a push: what was sent, what came back."""

    push = models.ForeignKey(PlatformPush, on_delete=models.PROTECT, related_name="exchanges")
    method = models.CharField(max_length=64)
    request = models.TextField()  # the form fields, sign included (never the app secret)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)
    error = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.push_id} {self.method} {self.http_status}"
