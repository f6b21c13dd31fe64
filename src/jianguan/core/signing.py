"""Signed requests from devices: HMAC-SHA256 with the device's own secret.

A device sends four headers::

    X-Device-Serial: JGDEMO0001
    X-Timestamp:     1764057600            (Unix seconds)
    X-Nonce:         9f1c2a…               (8–64 characters, never reused)
    X-Signature:     hex(HMAC-SHA256(secret, STRING))

    STRING = METHOD "\\n" PATH?QUERY "\\n" TIMESTAMP "\\n" NONCE "\\n" hex(SHA-256(body))

The server refuses an unknown or suspended device, a timestamp more than ``DEVICE_SIGNATURE_SKEW_SECONDS``
away from its clock, a nonce already seen from that device within the window, and a signature that
does not match. :func:`sign_request` builds the headers (tests, simulators, integration partners).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from jianguan.core import errors
from jianguan.core.models import Device, DeviceNonce

HEADER_SERIAL = "X-Device-Serial"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"


def string_to_sign(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The exact bytes that are signed."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, digest]).encode("utf-8")


def signature(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_request(
    *,
    serial: str,
    secret: str,
    method: str,
    path: str,
    body: bytes = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers for a signed request (``path`` includes the query string exactly as sent)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    once = nonce or secrets.token_hex(16)
    message = string_to_sign(method=method, path=path, timestamp=stamp, nonce=once, body=body)
    return {
        HEADER_SERIAL: serial,
        HEADER_TIMESTAMP: stamp,
        HEADER_NONCE: once,
        HEADER_SIGNATURE: signature(secret, message),
    }


def _header(request: HttpRequest, name: str) -> str:
    value = request.headers.get(name, "").strip()
    if not value:
        raise errors.NotAuthenticated(errors.SIGNATURE_MISSING, code="signature_missing", header=name)
    return value


def verify_signed_request(request: HttpRequest) -> Device:
    """The device that signed this request, or an ApplicationError saying what is wrong."""
    serial = _header(request, HEADER_SERIAL)
    stamp = _header(request, HEADER_TIMESTAMP)
    nonce = _header(request, HEADER_NONCE)
    given = _header(request, HEADER_SIGNATURE).lower()
    device = Device.objects.filter(serial=serial).first()
    if device is None:
        raise errors.NotAuthenticated(errors.DEVICE_UNKNOWN, code="device_unknown", serial=serial)
    if not device.is_active:
        raise errors.PermissionDenied(errors.DEVICE_SUSPENDED, code="device_suspended", serial=serial)
    skew = settings.DEVICE_SIGNATURE_SKEW_SECONDS
    try:
        sent_at = int(stamp)
    except ValueError:
        raise errors.NotAuthenticated(errors.SIGNATURE_CLOCK_SKEW, code="timestamp_skew", seconds=skew) from None
    if abs(time.time() - sent_at) > skew:
        raise errors.NotAuthenticated(errors.SIGNATURE_CLOCK_SKEW, code="timestamp_skew", seconds=skew)
    if not 8 <= len(nonce) <= 64:
        raise errors.NotAuthenticated(errors.SIGNATURE_INVALID, code="signature_invalid")
    message = string_to_sign(
        method=request.method or "GET", path=request.get_full_path(), timestamp=stamp, nonce=nonce, body=request.body
    )
    if not hmac.compare_digest(signature(device.secret, message), given):
        raise errors.NotAuthenticated(errors.SIGNATURE_INVALID, code="signature_invalid")
    try:
        with transaction.atomic():
            DeviceNonce.objects.create(device=device, nonce=nonce)
    except IntegrityError:
        raise errors.NotAuthenticated(errors.SIGNATURE_REPLAYED, code="nonce_replayed") from None
    return device


def device_nonces_prune() -> int:
    """Forget nonces older than the skew window (a replay that old fails the time check anyway)."""
    horizon = timezone.now() - dt.timedelta(seconds=2 * settings.DEVICE_SIGNATURE_SKEW_SECONDS)
    deleted, _ = DeviceNonce.objects.filter(seen_at__lt=horizon).delete()
    return deleted


class DeviceSignatureAuthentication(BaseAuthentication):
    """DRF authentication for device endpoints: ``request.auth`` is the Device."""

    def authenticate(self, request: Request) -> tuple[Any, Device] | None:
        if HEADER_SIGNATURE.lower() not in {name.lower() for name in request.headers}:
            return None
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), verify_signed_request(request._request)

    def authenticate_header(self, request: Request) -> str:
        return "HMAC-SHA256"


def signing_device(request: Request) -> Device:
    """The device behind a request that passed :class:`IsDevice`."""
    if not isinstance(request.auth, Device):
        raise errors.NotAuthenticated(errors.SIGNATURE_MISSING, code="signature_missing", header=HEADER_SIGNATURE)
    return request.auth


class IsDevice(BasePermission):
    """Only requests signed by an active device."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Device)
