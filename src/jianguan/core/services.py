"""Writes of the shared kernel: user accounts and device principals. Each goes to the ledger."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from jianguan.core import errors
from jianguan.core.ledger import Actor, ledger_append
from jianguan.core.models import Department, Device, Jurisdiction, User
from jianguan.core.roles import ROLES_BY_CODE


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    real_name: str,
    kind: str = User.Kind.STAFF,
    department: Department | None = None,
    jurisdiction: Jurisdiction | None = None,
    roles: list[str] | tuple[str, ...] = (),
    phone: str = "",
    is_staff: bool = False,
) -> User:
    """Create an account with its roles; the password must meet the policy."""
    if User.objects.filter(username__iexact=username).exists():
        raise errors.Conflict(errors.GENERIC_ERROR, code="username_taken", extra={"username": username})
    unknown = [code for code in roles if code not in ROLES_BY_CODE]
    if unknown:
        raise errors.ValidationFailed(code="unknown_role", extra={"roles": unknown})
    user = User(
        username=username,
        real_name=real_name,
        kind=kind,
        department=department,
        jurisdiction=jurisdiction,
        phone=phone,
        is_staff=is_staff,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    ledger_append(
        actor=actor,
        action="core.user.created",
        target=user,
        payload={
            "username": username,
            "kind": kind,
            "department": department.code if department else None,
            "jurisdiction": jurisdiction.code if jurisdiction else None,
            "roles": sorted(roles),
        },
    )
    return user


def device_secret_generate() -> str:
    return secrets.token_hex(24)


@transaction.atomic
def device_register(
    *,
    actor: Actor,
    serial: str,
    kind: str,
    protocol: str,
    name: str,
    jurisdiction: Jurisdiction,
    secret: str | None = None,
) -> Device:
    """Register a device principal with its own credential (generated unless given)."""
    serial = serial.strip()
    if Device.objects.filter(serial=serial).exists():
        raise errors.Conflict(errors.DEVICE_SERIAL_TAKEN, code="device_serial_taken", serial=serial)
    device = Device(
        serial=serial,
        kind=kind,
        protocol=protocol,
        name=name,
        jurisdiction=jurisdiction,
        secret=secret or device_secret_generate(),
    )
    device.full_clean()
    device.save()
    ledger_append(
        actor=actor,
        action="core.device.registered",
        target=device,
        payload={"serial": serial, "kind": kind, "protocol": protocol, "name": name, "jurisdiction": jurisdiction.code},
    )
    return device


@transaction.atomic
def device_suspend(*, actor: Actor, device: Device, reason: str) -> Device:
    """Stop accepting data from a device; the reason is kept and shown."""
    reason = reason.strip()
    if not reason:
        raise errors.ValidationFailed(errors.REASON_REQUIRED, code="reason_required")
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.status == Device.Status.SUSPENDED:
        raise errors.Conflict(errors.DEVICE_ALREADY_SUSPENDED, code="device_already_suspended", serial=device.serial)
    device.status = Device.Status.SUSPENDED
    device.status_reason = reason
    device.save(update_fields=["status", "status_reason"])
    ledger_append(actor=actor, action="core.device.suspended", target=device, payload={"reason": reason})
    return device


@transaction.atomic
def device_resume(*, actor: Actor, device: Device, reason: str) -> Device:
    """Accept data from a suspended device again."""
    reason = reason.strip()
    if not reason:
        raise errors.ValidationFailed(errors.REASON_REQUIRED, code="reason_required")
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.status != Device.Status.SUSPENDED:
        raise errors.Conflict(errors.DEVICE_NOT_SUSPENDED, code="device_not_suspended", serial=device.serial)
    device.status = Device.Status.ACTIVE
    device.status_reason = reason
    device.save(update_fields=["status", "status_reason"])
    ledger_append(actor=actor, action="core.device.resumed", target=device, payload={"reason": reason})
    return device
