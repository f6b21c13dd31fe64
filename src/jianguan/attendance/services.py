"""Writes of the attendance module: bindings, enrolments, check-ins, commands, absences.

Bindings, enrolments, commands and absences each write one ledger entry. Check-ins arrive in
batches (a ZKTeco upload, a hand-held terminal's request): a batch writes its rows and a
:class:`CheckInBatch` naming the device, the count and the SHA-256 of what was sent, in one
transaction, and only then is the device answered — so an answered batch is stored, and an
unanswered one is re-sent. The batch is chained into the ledger right after (by
:func:`batches_ledger`, run from Huey on commit and every minute), so thousands of uploads a
second never queue behind the ledger's append lock (decision 0010).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.attendance.domain import BadLine, Punch, distance_m, parse_attlog, parse_devicecmd, split_lines
from jianguan.attendance.models import (
    Absence,
    Binding,
    CheckIn,
    CheckInBatch,
    DeviceCommand,
    DeviceState,
    Enrolment,
    QuarantinedLine,
)
from jianguan.core import errors
from jianguan.core.files import file_check
from jianguan.core.ledger import Actor, Event, ledger_append, ledger_append_many
from jianguan.core.models import Device
from jianguan.core.services import device_resume, device_suspend
from jianguan.registry.models import BidSection, KeyPerson, Person

DEVICE_ALREADY_BOUND = _("Device %(serial)s is already bound to %(section)s; move it instead.")
DEVICE_NOT_BOUND = _("Device %(serial)s is not bound to any bid section.")
SECTION_NOT_ACTIVE = _("Bid section %(section)s is not under construction.")
BAD_COORDINATES = _("Coordinates %(latitude)s, %(longitude)s are not a place on Earth.")
BAD_RADIUS = _("The geofence radius must be between 10 and 5000 metres.")
PIN_TAKEN = _("PIN %(pin)s is already enrolled on device %(serial)s.")
PIN_INVALID = _("PIN %(pin)s is not valid: 1 to 24 letters or digits.")
PIN_NOT_ENROLLED = _("PIN %(pin)s is not enrolled on device %(serial)s.")
COMMAND_INVALID = _("A device command is one line of at most 1,000 characters.")
ABSENCE_ORDER = _("The last day of an absence cannot be before its first day.")
BATCH_TOO_LARGE = _("A request may carry at most %(limit)s records.")
RECORD_INVALID = _("Record %(index)s is invalid: %(reason)s")

logger = logging.getLogger(__name__)

MAX_SIGNED_BATCH = 500
MIN_MATCH_SCORE = 80.0  # settings.ATTENDANCE_MIN_MATCH_SCORE overrides
DEVICE_TZ_HOURS = 8


def _min_score() -> float:
    return float(getattr(settings, "ATTENDANCE_MIN_MATCH_SCORE", MIN_MATCH_SCORE))


# --- bindings -----------------------------------------------------------------------------


def _check_place(latitude: float, longitude: float, radius_m: int) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise errors.ValidationFailed(
            BAD_COORDINATES, code="coordinates_invalid", latitude=latitude, longitude=longitude
        )
    if not 10 <= radius_m <= 5000:
        raise errors.ValidationFailed(BAD_RADIUS, code="radius_invalid")


def _binding_payload(binding: Binding) -> dict[str, Any]:
    return {
        "serial": binding.device.serial,
        "bid_section": binding.bid_section.code,
        "location": binding.location,
        "latitude": binding.latitude,
        "longitude": binding.longitude,
        "radius_m": binding.radius_m,
    }


@transaction.atomic
def device_bind(
    *,
    actor: Actor,
    device: Device,
    section: BidSection,
    location: str,
    latitude: float,
    longitude: float,
    radius_m: int = 300,
) -> Binding:
    """Place a device at a bid section's site, with its geofence."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    current = Binding.objects.filter(device=device, ended_at__isnull=True).select_related("bid_section").first()
    if current is not None:
        raise errors.Conflict(
            DEVICE_ALREADY_BOUND, code="device_already_bound", serial=device.serial, section=current.bid_section.code
        )
    if section.status != BidSection.Status.ACTIVE:
        raise errors.ValidationFailed(SECTION_NOT_ACTIVE, code="section_not_active", section=section.code)
    _check_place(latitude, longitude, radius_m)
    binding = Binding(
        device=device,
        bid_section=section,
        location=location.strip()[:128] or section.name,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
    )
    binding.full_clean()
    binding.save()
    ledger_append(actor=actor, action="attendance.binding.created", target=binding, payload=_binding_payload(binding))
    return binding


@transaction.atomic
def device_unbind(*, actor: Actor, device: Device, reason: str) -> Binding:
    """End a device's binding (taken off site); its check-ins stay with the section they were made at."""
    reason = reason.strip()
    if not reason:
        raise errors.ValidationFailed(errors.REASON_REQUIRED, code="reason_required")
    binding = Binding.objects.select_for_update().filter(device=device, ended_at__isnull=True).first()
    if binding is None:
        raise errors.Conflict(DEVICE_NOT_BOUND, code="device_not_bound", serial=device.serial)
    binding.ended_at = timezone.now()
    binding.save(update_fields=["ended_at"])
    ledger_append(actor=actor, action="attendance.binding.ended", target=binding, payload={"reason": reason})
    return binding


@transaction.atomic
def device_move(
    *,
    actor: Actor,
    device: Device,
    section: BidSection,
    location: str,
    latitude: float,
    longitude: float,
    radius_m: int = 300,
    reason: str,
) -> Binding:
    """Move a device to another place or section: the old binding ends, a new one starts."""
    device_unbind(actor=actor, device=device, reason=reason)
    return device_bind(
        actor=actor,
        device=device,
        section=section,
        location=location,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
    )


def terminal_suspend(*, actor: Actor, device: Device, reason: str) -> Device:
    """Suspend a terminal (core refuses its data from then on)."""
    return device_suspend(actor=actor, device=device, reason=reason)


def terminal_resume(*, actor: Actor, device: Device, reason: str) -> Device:
    return device_resume(actor=actor, device=device, reason=reason)


def active_binding(device: Device) -> Binding | None:
    return Binding.objects.filter(device=device, ended_at__isnull=True).select_related("bid_section").first()


# --- enrolment ------------------------------------------------------------------------------


@transaction.atomic
def person_enrol(*, actor: Actor, device: Device, pin: str, person: Person, push: bool = True) -> Enrolment:
    """Enrol a person on a terminal under a PIN; for a ZKTeco terminal also queue the user record."""
    pin = pin.strip()
    if not pin or len(pin) > 24 or not pin.replace("-", "").replace("_", "").isalnum():
        raise errors.ValidationFailed(PIN_INVALID, code="pin_invalid", pin=pin)
    if Enrolment.objects.filter(device=device, pin=pin, ended_at__isnull=True).exists():
        raise errors.Conflict(PIN_TAKEN, code="pin_taken", pin=pin, serial=device.serial)
    enrolment = Enrolment(device=device, pin=pin, person=person)
    enrolment.full_clean()
    enrolment.save()
    ledger_append(
        actor=actor,
        action="attendance.enrolment.created",
        target=enrolment,
        payload={"serial": device.serial, "pin": pin, "person": person.pk},
    )
    if push and device.protocol == Device.Protocol.ZKTECO_PUSH:
        command_queue(actor=actor, device=device, command=f"DATA UPDATE USERINFO PIN={pin}\tName={person.name}")
    return enrolment


@transaction.atomic
def person_unenrol(*, actor: Actor, device: Device, pin: str) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().filter(device=device, pin=pin, ended_at__isnull=True).first()
    if enrolment is None:
        raise errors.NotFound(PIN_NOT_ENROLLED, code="pin_not_enrolled", pin=pin, serial=device.serial)
    enrolment.ended_at = timezone.now()
    enrolment.save(update_fields=["ended_at"])
    ledger_append(actor=actor, action="attendance.enrolment.ended", target=enrolment, payload={"pin": pin})
    if device.protocol == Device.Protocol.ZKTECO_PUSH:
        command_queue(actor=actor, device=device, command=f"DATA DELETE USERINFO PIN={pin}")
    return enrolment


# --- commands -------------------------------------------------------------------------------


@transaction.atomic
def command_queue(*, actor: Actor, device: Device, command: str) -> DeviceCommand:
    command = command.strip("\r\n")
    if not command or "\n" in command or "\r" in command or len(command) > 1000:
        raise errors.ValidationFailed(COMMAND_INVALID, code="command_invalid")
    queued = DeviceCommand.objects.create(device=device, command=command)
    ledger_append(actor=actor, action="attendance.command.queued", target=queued, payload={"command": command})
    return queued


@transaction.atomic
def commands_fetch(*, device: Device, limit: int = 10) -> list[DeviceCommand]:
    """The queued commands for a device, marked as sent (a device that never answers gets them again
    after ten minutes)."""
    now = timezone.now()
    stale = now - dt.timedelta(minutes=10)
    pending = list(
        DeviceCommand.objects.select_for_update()
        .filter(device=device, status__in=[DeviceCommand.Status.QUEUED, DeviceCommand.Status.SENT])
        .exclude(status=DeviceCommand.Status.SENT, sent_at__gt=stale)
        .order_by("id")[:limit]
    )
    for command in pending:
        command.status = DeviceCommand.Status.SENT
        command.sent_at = now
    DeviceCommand.objects.bulk_update(pending, ["status", "sent_at"])
    _touch(device)
    return pending


@transaction.atomic
def command_results_record(*, device: Device, body: str) -> int:
    """Record ``ID=..&Return=..&CMD=..`` results; lines naming no command of this device are quarantined."""
    count = 0
    bad: list[BadLine] = []
    for number, (entry, (_n, raw)) in enumerate(zip(parse_devicecmd(body), split_lines(body), strict=False), 1):
        ident = entry.get("ID", "")
        command = (
            DeviceCommand.objects.select_for_update().filter(device=device, pk=int(ident)).first()
            if ident.isdigit()
            else None
        )
        try:
            code = int(entry.get("Return", ""))
        except ValueError:
            code = None
        if command is None or code is None:
            bad.append(BadLine(number, raw, "unknown command ID" if command is None else "bad Return code"))
            continue
        command.return_code = code
        command.status = DeviceCommand.Status.DONE if code >= 0 else DeviceCommand.Status.FAILED
        command.done_at = timezone.now()
        command.result = body[:4000] if len(entry) > 3 else ""
        command.save(update_fields=["return_code", "status", "done_at", "result"])
        ledger_append(actor=device, action="attendance.command.answered", target=command, payload={"return": code})
        count += 1
    _quarantine(device, "DEVICECMD", bad)
    _touch(device)
    return count


# --- check-ins ------------------------------------------------------------------------------


def _touch(device: Device, **fields: str) -> None:
    now = timezone.now()
    updated = DeviceState.objects.filter(device=device).update(last_seen_at=now, **fields)
    if not updated:
        DeviceState.objects.get_or_create(device=device, defaults={"last_seen_at": now, **fields})


def _quarantine(device: Device, table: str, bad: list[BadLine]) -> None:
    if bad:
        QuarantinedLine.objects.bulk_create(
            QuarantinedLine(
                device=device, table=table[:16], line_number=b.line_number, raw=b.raw[:4000], reason=b.reason
            )
            for b in bad
        )


def _device_tz() -> dt.tzinfo:
    return dt.timezone(dt.timedelta(hours=DEVICE_TZ_HOURS))


@dataclass
class _Context:
    binding: Binding | None
    people: dict[str, int]  # pin -> person id
    roster: dict[int, list[tuple[dt.date, dt.date | None]]] = field(default_factory=dict)

    def flags(self, pin: str, day: dt.date) -> tuple[int | None, list[str]]:
        flags: list[str] = []
        person = self.people.get(pin)
        if person is None:
            flags.append(CheckIn.Flag.UNKNOWN_PERSON)
        if self.binding is None:
            flags.append(CheckIn.Flag.UNBOUND_DEVICE)
        elif person is not None and not any(
            start <= day and (end is None or day <= end) for start, end in self.roster.get(person, [])
        ):
            flags.append(CheckIn.Flag.NOT_ON_ROSTER)
        return person, flags


def _context(device: Device, pins: set[str]) -> _Context:
    binding = active_binding(device)
    people = dict(
        Enrolment.objects.filter(device=device, pin__in=pins, ended_at__isnull=True).values_list("pin", "person_id")
    )
    ctx = _Context(binding=binding, people=people)
    if binding is not None and people:
        for person_id, start, end in KeyPerson.objects.filter(
            bid_section=binding.bid_section_id, person_id__in=set(people.values())
        ).values_list("person_id", "started_on", "ended_on"):
            ctx.roster.setdefault(person_id, []).append((start, end))
    return ctx


@dataclass(frozen=True)
class BatchResult:
    received: int
    quarantined: int


def _batch_record(
    device: Device, *, source: str, table: str, records: int, quarantined: int, body: bytes
) -> CheckInBatch:
    batch = CheckInBatch.objects.create(
        device=device,
        source=source,
        table=table[:16],
        records=records,
        quarantined=quarantined,
        sha256=hashlib.sha256(body).hexdigest(),
        received_at=timezone.now(),
    )
    transaction.on_commit(batches_drain_soon, robust=True)
    return batch


def _store(device: Device, rows: list[CheckIn], bad: list[BadLine], table: str, body: bytes, source: str) -> None:
    batch = _batch_record(device, source=source, table=table, records=len(rows), quarantined=len(bad), body=body)
    for row in rows:
        row.batch = batch
    CheckIn.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    _quarantine(device, table, bad)


def _batch_payload(batch: CheckInBatch, serial: str) -> dict[str, Any]:
    return {
        "serial": serial,
        "source": batch.source,
        "table": batch.table,
        "records": batch.records,
        "quarantined": batch.quarantined,
        "sha256": batch.sha256,
        "batch": batch.pk,
        "received_at": batch.received_at,
    }


def batches_ledger(*, limit: int = 2000) -> int:
    """Chain the stored batches that are not in the ledger yet, oldest first: one
    ``attendance.batch.received`` entry per batch, all in one transaction (one append lock for
    many uploads). Returns how many were chained; a batch is never chained twice."""
    chained = 0
    while True:
        with transaction.atomic():
            pending = list(
                CheckInBatch.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(ledger_seq__isnull=True)
                .select_related("device")
                .order_by("id")[:limit]
            )
            if not pending:
                return chained
            # one append per run of the same device, so each entry names the device as its actor
            start = 0
            while start < len(pending):
                device = pending[start].device
                end = start
                while end < len(pending) and pending[end].device_id == device.pk:
                    end += 1
                group = pending[start:end]
                events = [
                    Event("attendance.batch.received", "core.device", str(device.pk), _batch_payload(b, device.serial))
                    for b in group
                ]
                for batch, entry in zip(group, ledger_append_many(actor=device, events=events), strict=True):
                    batch.ledger_seq = entry.seq
                start = end
            CheckInBatch.objects.bulk_update(pending, ["ledger_seq"])
            chained += len(pending)
        if len(pending) < limit:
            return chained


DRAIN_DELAY_SECONDS = 0.5
_drain_lock = threading.Lock()
_drain_due = 0.0


def batches_drain_soon() -> None:
    """After a batch commits: have Huey chain it into the ledger and copy it to the lake shortly.
    At most one drain is scheduled per process per half second; it runs after every batch committed
    before it was due. A batch whose drain never ran (the process died) is picked up by the
    periodic sweep."""
    global _drain_due
    from huey.contrib.djhuey import HUEY

    from jianguan.attendance import tasks

    if HUEY.immediate:
        tasks.attendance_batches_drain()
        return
    with _drain_lock:
        now = time.monotonic()
        if now < _drain_due:
            return
        _drain_due = now + DRAIN_DELAY_SECONDS
    try:
        tasks.attendance_batches_drain.schedule(delay=DRAIN_DELAY_SECONDS)
    except Exception:  # the queue is down: the periodic sweep will chain the batch
        logger.exception("could not schedule the attendance batch drain")


@transaction.atomic
def attlog_ingest(*, device: Device, body: bytes, stamp: str = "") -> BatchResult:
    """Store a ZKTeco ATTLOG upload. Re-sent punches are ignored (one row per device, PIN and time);
    unreadable lines are quarantined with their reason; the rest is stored whatever its flags."""
    text = body.decode("utf-8", errors="replace")
    punches, bad = parse_attlog(text)
    ctx = _context(device, {p.pin for p in punches})
    tz = _device_tz()
    now = timezone.now()
    section_id = ctx.binding.bid_section_id if ctx.binding else None
    rows = []
    for punch in punches:
        at = punch.at.replace(tzinfo=tz)
        person, flags = ctx.flags(punch.pin, at.date())
        rows.append(_row(device, punch, at, person, section_id, flags, now))
    _touch(device, **({"attlog_stamp": stamp[:32]} if stamp else {}))
    _store(device, rows, bad, "ATTLOG", body, CheckIn.Source.ZKTECO)
    return BatchResult(received=len(rows), quarantined=len(bad))


def _row(
    device: Device,
    punch: Punch,
    at: dt.datetime,
    person: int | None,
    section: int | None,
    flags: list[str],
    now: dt.datetime,
) -> CheckIn:
    return CheckIn(
        device=device,
        pin=punch.pin,
        punched_at=at,
        status=punch.status,
        verify=punch.verify,
        workcode=punch.workcode,
        source=CheckIn.Source.ZKTECO,
        person_id=person,
        bid_section_id=section,
        flags=",".join(flags),
        raw=punch.raw,
        received_at=now,
    )


@transaction.atomic
def other_table_ingest(*, device: Device, table: str, body: bytes, stamp: str = "") -> int:
    """OPERLOG and other tables: acknowledged and recorded (count and checksum), not interpreted."""
    lines = len(split_lines(body.decode("utf-8", errors="replace")))
    _batch_record(device, source=CheckIn.Source.ZKTECO, table=table, records=lines, quarantined=0, body=body)
    _touch(device, **({"operlog_stamp": stamp[:32]} if stamp and table.upper() == "OPERLOG" else {}))
    return lines


def _photo_store(index: int, data: str) -> tuple[str, str]:
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise errors.ValidationFailed(
            RECORD_INVALID, code="record_invalid", index=index, reason="photo is not Base64"
        ) from None
    upload = SimpleUploadedFile(f"checkin-{index}.jpg", content)
    try:
        checked = file_check(upload, kinds=("jpeg",), max_mb=2)
    except errors.ApplicationError as exc:
        raise errors.ValidationFailed(
            RECORD_INVALID, code="record_invalid", index=index, reason=exc.render("en")
        ) from None
    name = f"attendance/photos/{checked.sha256[:2]}/{checked.sha256}.jpg"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return name, checked.sha256


def _parse_signed_time(index: int, value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise errors.ValidationFailed(RECORD_INVALID, code="record_invalid", index=index, reason="time missing")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise errors.ValidationFailed(
            RECORD_INVALID, code="record_invalid", index=index, reason=f"bad time {value[:40]!r}"
        ) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=_device_tz())
    return moment


def _number(index: int, record: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise errors.ValidationFailed(RECORD_INVALID, code="record_invalid", index=index, reason=f"{key} out of range")
    return float(value)


@dataclass(frozen=True)
class SignedResult:
    received: int
    flagged: dict[int, list[str]]
    rejected: dict[int, str]


def _signed_parse(index: int, record: Any) -> tuple[str, dt.datetime, float | None, float | None, float | None]:
    if not isinstance(record, dict):
        raise errors.ValidationFailed(RECORD_INVALID, code="record_invalid", index=index, reason="not an object")
    pin = str(record.get("pin", "")).strip()
    if not pin or len(pin) > 24:
        raise errors.ValidationFailed(RECORD_INVALID, code="record_invalid", index=index, reason="bad pin")
    moment = _parse_signed_time(index, record.get("time"))
    latitude = _number(index, record, "latitude", -90, 90)
    longitude = _number(index, record, "longitude", -180, 180)
    score = _number(index, record, "match_score", 0, 100)
    return pin, moment, latitude, longitude, score


@transaction.atomic
def signed_checkins_record(*, device: Device, records: list[Any], body: bytes) -> SignedResult:
    """Store a hand-held terminal's check-ins: PIN, time, GPS, match score, snapshot photo.

    A record that cannot be read is quarantined with its reason and named in ``rejected``; the
    others are stored. Flagged records (geofence, score, unknown PIN, not on the roster) are stored."""
    if len(records) > MAX_SIGNED_BATCH:
        raise errors.ValidationFailed(BATCH_TOO_LARGE, code="batch_too_large", limit=MAX_SIGNED_BATCH)
    parsed = []
    bad: list[BadLine] = []
    rejected: dict[int, str] = {}

    def reject(index: int, record: Any, exc: errors.ApplicationError) -> None:
        reason = exc.render("en")
        rejected[index] = reason
        raw = json.dumps(record, ensure_ascii=False)[:4000] if not isinstance(record, dict) else _without_photo(record)
        bad.append(BadLine(index, raw, reason[:255]))

    for index, record in enumerate(records):
        try:
            parsed.append((index, record, *_signed_parse(index, record)))
        except errors.ApplicationError as exc:
            reject(index, record, exc)
    ctx = _context(device, {p[2] for p in parsed})
    now = timezone.now()
    section_id = ctx.binding.bid_section_id if ctx.binding else None
    rows, flagged = [], {}
    min_score = _min_score()
    for index, record, pin, moment, latitude, longitude, score in parsed:
        photo, digest = ("", "")
        if record.get("photo"):
            try:
                photo, digest = _photo_store(index, str(record["photo"]))
            except errors.ApplicationError as exc:
                reject(index, record, exc)
                continue
        person, flags = ctx.flags(pin, moment.astimezone(_device_tz()).date())
        where = ctx.binding
        if (
            where is not None
            and latitude is not None
            and longitude is not None
            and (distance_m(latitude, longitude, where.latitude, where.longitude) > where.radius_m)
        ):
            flags.append(CheckIn.Flag.OUTSIDE_GEOFENCE)
        if score is not None and score < min_score:
            flags.append(CheckIn.Flag.LOW_SCORE)
        rows.append(
            CheckIn(
                device=device,
                pin=pin,
                punched_at=moment,
                status=str(record.get("status", ""))[:8],
                verify=str(record.get("verify", ""))[:8],
                source=CheckIn.Source.SIGNED,
                person_id=person,
                bid_section_id=section_id,
                latitude=latitude,
                longitude=longitude,
                match_score=score,
                photo=photo,
                photo_sha256=digest,
                flags=",".join(flags),
                received_at=now,
            )
        )
        if flags:
            flagged[index] = [str(flag) for flag in flags]
    _touch(device)
    _store(device, rows, bad, "SIGNED", body, CheckIn.Source.SIGNED)
    return SignedResult(received=len(rows), flagged=flagged, rejected=rejected)


def _without_photo(record: dict[str, Any]) -> str:
    shown = {key: (f"<{len(str(value))} characters>" if key == "photo" else value) for key, value in record.items()}
    return json.dumps(shown, ensure_ascii=False, default=str)[:4000]


# --- absences -------------------------------------------------------------------------------


@transaction.atomic
def absence_record(
    *,
    actor: Actor,
    section: BidSection,
    person: Person,
    first_day: dt.date,
    last_day: dt.date,
    reason: str,
    approved_by: str,
) -> Absence:
    """Record an absence the owner approved; those days do not count against the duty rule."""
    if last_day < first_day:
        raise errors.ValidationFailed(ABSENCE_ORDER, code="absence_order")
    if not reason.strip() or not approved_by.strip():
        raise errors.ValidationFailed(errors.REASON_REQUIRED, code="reason_required")
    absence = Absence(
        bid_section=section,
        person=person,
        first_day=first_day,
        last_day=last_day,
        reason=reason.strip(),
        approved_by=approved_by.strip(),
    )
    absence.full_clean()
    absence.save()
    ledger_append(
        actor=actor,
        action="attendance.absence.recorded",
        target=absence,
        payload={
            "section": section.code,
            "person": person.pk,
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "reason": absence.reason,
            "approved_by": absence.approved_by,
        },
    )
    return absence
