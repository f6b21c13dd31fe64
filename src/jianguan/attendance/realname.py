"""Attendance pushed to the national construction-worker real-name platform (全国建筑工人管理服务
信息平台) through its open API, from Huey.

The protocol (``../shared/reference/PROTOCOLS.md``): a form POST to ``…/open.api`` with ``appid``,
``data`` (a JSON string), ``format=json``, ``method``, ``nonce``, ``timestamp`` (yyyyMMddHHmmss),
``version=1.0`` and ``sign``; the national signature is the SHA-256 of the lower-cased
``appid=..&data=..&format=json&method=..&nonce=..&timestamp=..&version=1.0&appsecret=..``. ID numbers
travel AES-CBC-PKCS7 encrypted (key: the app secret; IV: its first 16 characters), Base64. Writes are
asynchronous: ``WorkerAttendance.Add`` answers a ``requestSerialCode`` that ``AsyncHandleResult.Query``
is asked about until the platform says it succeeded or failed. Provinces sign and protect
differently, so both are chosen per variant (:data:`VARIANTS`).

How the pushes behave:
- **Idempotent per record**: :func:`pushes_prepare` puts each check-in of a linked bid section in
  exactly one push (a database constraint); a push keeps the ``data`` it was created with and is
  sent again with exactly that content until the platform gives a definitive answer.
- **Retries**: a transport failure, an HTTP error or a "busy" answer is recorded and raised, so
  Huey retries with back-off; a push whose retries ran out is picked up again by the periodic job;
  after :data:`MAX_ATTEMPTS` sends it is failed. A definitive refusal (bad parameters, signature,
  permission) fails it at once.
- **A record of every push**: the push (status, attempts, serial, result) and every HTTP exchange
  (form sent, HTTP status, body answered, error) are kept; outcomes are written to the ledger.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from jianguan.attendance.models import (
    CheckIn,
    PlatformExchange,
    PlatformPush,
    PlatformPushItem,
    RealNameLink,
)
from jianguan.core.ledger import ledger_append

METHOD_ATTENDANCE_ADD = "WorkerAttendance.Add"
METHOD_ASYNC_QUERY = "AsyncHandleResult.Query"
MAX_RECORDS_PER_PUSH = 100
MAX_ATTEMPTS = 20
CLAIM_SECONDS = 120
TIMEOUT_SECONDS = 20
TRANSIENT_CODES = frozenset({-5})  # 访问超过限制: try again later
# AsyncHandleResult.Query ``data.status``: what public clients treat as finished either way
ASYNC_SUCCEEDED = frozenset({"20", "success", "SUCCESS"})
ASYNC_FAILED = frozenset({"30", "40", "failure", "fail", "FAIL", "FAILURE"})
LOCAL = dt.timezone(dt.timedelta(hours=8))
# ZKTeco status: 0 in, 1 out, 2 break out, 3 break in, 4 overtime in, 5 overtime out
DIRECTION_OUT = frozenset({"1", "2", "5"})


class PlatformUnavailable(Exception):
    """A failure worth trying again (transport, HTTP error, busy): Huey retries the task."""


class PlatformNotConfigured(Exception):
    pass


# --- signing and field protection (per variant) --------------------------------------------------


def sign_sha256(fields: dict[str, str], secret: str) -> str:
    """The national signature: SHA-256 of the lower-cased, fixed-order parameter string + appsecret."""
    return hashlib.sha256(_sign_material(fields, secret).encode("utf-8")).hexdigest()


def sign_md5(fields: dict[str, str], secret: str) -> str:
    """The MD5 variant some provincial platforms use, over the same string."""
    return hashlib.md5(_sign_material(fields, secret).encode("utf-8")).hexdigest()  # noqa: S324 — their protocol


SIGNED_FIELDS = ("appid", "data", "format", "method", "nonce", "timestamp", "version")


def _sign_material(fields: dict[str, str], secret: str) -> str:
    return ("&".join(f"{name}={fields[name]}" for name in SIGNED_FIELDS) + f"&appsecret={secret}").lower()


def _aes_key_iv(secret: str) -> tuple[bytes, bytes]:
    key = secret.encode("utf-8")
    if len(key) not in (16, 24, 32):
        raise PlatformNotConfigured("the app secret must be 16, 24 or 32 bytes to be an AES key")
    return key, secret[:16].encode("utf-8")


def protect_aes(value: str, secret: str) -> str:
    """AES-CBC-PKCS7 with the app secret as key and its first 16 characters as IV, Base64."""
    key, iv = _aes_key_iv(secret)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(value.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def reveal_aes(value: str, secret: str) -> str:
    key, iv = _aes_key_iv(secret)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(base64.b64decode(value)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")


@dataclass(frozen=True)
class Variant:
    name: str
    sign: Callable[[dict[str, str], str], str]
    protect: Callable[[str, str], str]


VARIANTS = {
    "national": Variant("national", sign_sha256, protect_aes),
    "md5": Variant("md5", sign_md5, protect_aes),
}


# --- the HTTP client ------------------------------------------------------------------------------


@dataclass
class Exchange:
    form: dict[str, str]
    http_status: int | None = None
    body: str = ""
    error: str = ""

    def answer(self) -> dict[str, Any] | None:
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None


class PlatformClient:
    """Signs and posts one open-API call; never raises for the platform's answers, only records."""

    def __init__(self, *, url: str, appid: str, secret: str, variant: str = "national") -> None:
        if not url or not appid or not secret:
            raise PlatformNotConfigured("ATTENDANCE_REALNAME_URL, _APPID and _SECRET must be set")
        if variant not in VARIANTS:
            raise PlatformNotConfigured(f"unknown platform variant {variant!r}")
        self.url, self.appid, self.secret, self.variant = url, appid, secret, VARIANTS[variant]

    @classmethod
    def from_settings(cls) -> PlatformClient:
        return cls(
            url=settings.ATTENDANCE_REALNAME_URL,
            appid=settings.ATTENDANCE_REALNAME_APPID,
            secret=settings.ATTENDANCE_REALNAME_SECRET,
            variant=settings.ATTENDANCE_REALNAME_VARIANT,
        )

    def protect(self, value: str) -> str:
        return self.variant.protect(value, self.secret)

    def form(self, method: str, data: str) -> dict[str, str]:
        fields = {
            "appid": self.appid,
            "data": data,
            "format": "json",
            "method": method,
            "nonce": secrets.token_hex(8),
            "timestamp": timezone.now().astimezone(LOCAL).strftime("%Y%m%d%H%M%S"),
            "version": "1.0",
        }
        fields["sign"] = self.variant.sign(fields, self.secret)
        return fields

    def call(self, method: str, data: str) -> Exchange:
        exchange = Exchange(self.form(method, data))
        body = urllib.parse.urlencode(exchange.form).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 — the configured platform URL
            self.url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                exchange.http_status = response.status
                exchange.body = response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            exchange.http_status = exc.code
            exchange.body = exc.read().decode("utf-8", errors="replace")[:4000]
            exchange.error = f"HTTP {exc.code}"
        except (OSError, urllib.error.URLError) as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"[:255]
        return exchange


# --- preparing pushes ------------------------------------------------------------------------------


def _direction(status: str) -> str:
    return "02" if status.strip() in DIRECTION_OUT else "01"


def _record(check_in: CheckIn, client: PlatformClient) -> dict[str, Any]:
    record: dict[str, Any] = {
        "idCardType": "01",
        "idCardNumber": client.protect(check_in.person.id_number),  # type: ignore[union-attr]
        "date": check_in.punched_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S"),
        "direction": _direction(check_in.status),
        "channel": check_in.device.serial,
        "attendType": check_in.verify or "",
    }
    if check_in.longitude is not None and check_in.latitude is not None:
        record["lng"], record["lat"] = check_in.longitude, check_in.latitude
    return record


def pushes_prepare(*, client: PlatformClient | None = None, limit: int = 50) -> list[int]:
    """Group the check-ins of linked sections that no push carries yet into new pushes (at most
    :data:`MAX_RECORDS_PER_PUSH` each). Only check-ins of known people are pushed. Returns the ids."""
    if not settings.ATTENDANCE_REALNAME_URL:
        return []
    client = client or PlatformClient.from_settings()
    created: list[int] = []
    for link in RealNameLink.objects.filter(active=True).order_by("id"):
        while len(created) < limit:
            rows = list(
                CheckIn.objects.filter(bid_section=link.bid_section_id, person__isnull=False)
                .filter(platform_push_item__isnull=True)
                .select_related("person", "device")
                .order_by("punched_at", "id")[:MAX_RECORDS_PER_PUSH]
            )
            if not rows:
                break
            data = json.dumps(
                {
                    "projectCode": link.project_code,
                    "teamSysNo": link.team_sys_no,
                    "dataList": [_record(row, client) for row in rows],
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            try:
                with transaction.atomic():
                    push = PlatformPush.objects.create(link=link, method=METHOD_ATTENDANCE_ADD, data=data)
                    PlatformPushItem.objects.bulk_create(PlatformPushItem(push=push, check_in=row) for row in rows)
                    ledger_append(
                        actor="system:attendance.realname",
                        action="attendance.realname.push.created",
                        target=push,
                        payload={
                            "section": link.bid_section_id,
                            "project_code": link.project_code,
                            "records": len(rows),
                            "data_sha256": hashlib.sha256(data.encode("utf-8")).hexdigest(),
                        },
                    )
            except IntegrityError:  # another run took some of these check-ins first: look again
                continue
            created.append(push.pk)
    return created


def pushes_waiting(*, retry_after: dt.timedelta = dt.timedelta(minutes=5)) -> list[int]:
    """Pushes to advance again: accepted ones (their result is asked for) and pending ones whose
    last try is older than ``retry_after`` (their Huey retries ran out, or never started)."""
    stale = timezone.now() - retry_after
    return list(
        PlatformPush.objects.filter(
            Q(status=PlatformPush.Status.ACCEPTED)
            | Q(status=PlatformPush.Status.PENDING, attempts=0)
            | Q(status=PlatformPush.Status.PENDING, claimed_until__lt=stale)
        )
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )


# --- advancing a push ------------------------------------------------------------------------------


def _claim(push_id: int) -> bool:
    """Take the push for one sender (a conditional UPDATE, so two workers never send it at once)."""
    now = timezone.now()
    return bool(
        PlatformPush.objects.filter(pk=push_id)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS))
    )


def _release(push: PlatformPush) -> None:
    # the claim's end stays as the time of the last try (pushes_waiting reads it); only shortened
    PlatformPush.objects.filter(pk=push.pk).update(claimed_until=timezone.now())


def _exchange(push: PlatformPush, client: PlatformClient, method: str, data: str) -> tuple[Exchange, int]:
    exchange = client.call(method, data)
    record = PlatformExchange.objects.create(
        push=push,
        method=method,
        request=json.dumps(exchange.form, ensure_ascii=False),
        http_status=exchange.http_status,
        response=exchange.body[:20000],
        error=exchange.error,
    )
    return exchange, record.pk


def _finish(push: PlatformPush, status: str, result: str) -> None:
    push.status = status
    push.result = result[:20000]
    push.finished_at = timezone.now()
    push.last_error = "" if status == PlatformPush.Status.SUCCEEDED else result[:255]
    with transaction.atomic():
        push.save(update_fields=["status", "result", "finished_at", "last_error"])
        ledger_append(
            actor="system:attendance.realname",
            action="attendance.realname.push.succeeded"
            if status == PlatformPush.Status.SUCCEEDED
            else "attendance.realname.push.failed",
            target=push,
            payload={"serial": push.request_serial, "attempts": push.attempts, "result": result[:500]},
        )


def _unavailable(push: PlatformPush, reason: str) -> PlatformUnavailable:
    push.last_error = reason[:255]
    push.save(update_fields=["last_error"])
    return PlatformUnavailable(reason)


def push_advance(*, push_id: int, client: PlatformClient | None = None) -> str:
    """Send a pending push, or ask for an accepted one's result; returns the push's status.
    Raises :class:`PlatformUnavailable` on a failure worth retrying (after recording it)."""
    push = PlatformPush.objects.get(pk=push_id)
    if push.status in (PlatformPush.Status.SUCCEEDED, PlatformPush.Status.FAILED):
        return str(push.status)
    if not _claim(push_id):
        return str(push.status)  # another worker has it
    try:
        client = client or PlatformClient.from_settings()
        if push.status == PlatformPush.Status.PENDING:
            return _send(push, client)
        return _query(push, client)
    finally:
        _release(push)


def _send(push: PlatformPush, client: PlatformClient) -> str:
    push.attempts += 1
    push.save(update_fields=["attempts"])
    exchange, _ = _exchange(push, client, push.method, push.data)
    answer = exchange.answer()
    if exchange.error or exchange.http_status != 200 or answer is None:
        reason = exchange.error or f"unreadable answer (HTTP {exchange.http_status})"
        if push.attempts >= MAX_ATTEMPTS:
            _finish(push, PlatformPush.Status.FAILED, f"gave up after {push.attempts} attempts: {reason}")
            return str(push.status)
        raise _unavailable(push, reason)
    code = _code(answer)
    if code == 0:
        serial = str((answer.get("data") or {}).get("requestSerialCode", "")).strip()
        if not serial:
            raise _unavailable(push, "accepted without a requestSerialCode")
        push.status = PlatformPush.Status.ACCEPTED
        push.request_serial = serial[:128]
        push.last_error = ""
        push.save(update_fields=["status", "request_serial", "last_error"])
        return str(push.status)
    message = f"code {code}: {answer.get('message', '')}"
    if code in TRANSIENT_CODES and push.attempts < MAX_ATTEMPTS:
        raise _unavailable(push, message)
    _finish(push, PlatformPush.Status.FAILED, message)
    return str(push.status)


def _query(push: PlatformPush, client: PlatformClient) -> str:
    data = json.dumps({"requestSerialCode": push.request_serial}, separators=(",", ":"))
    exchange, _ = _exchange(push, client, METHOD_ASYNC_QUERY, data)
    answer = exchange.answer()
    if exchange.error or exchange.http_status != 200 or answer is None:
        raise _unavailable(push, exchange.error or f"unreadable answer (HTTP {exchange.http_status})")
    code = _code(answer)
    if code != 0:
        raise _unavailable(push, f"result query refused: code {code}: {answer.get('message', '')}")
    result = answer.get("data") or {}
    status = str(result.get("status", "")).strip()
    text = result.get("result", "")
    text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    if status in ASYNC_SUCCEEDED:
        _finish(push, PlatformPush.Status.SUCCEEDED, text)
    elif status in ASYNC_FAILED:
        _finish(push, PlatformPush.Status.FAILED, f"platform status {status}: {text}")
    return str(push.status)  # still processing: asked again by the periodic job


def _code(answer: dict[str, Any]) -> int | None:
    try:
        return int(answer.get("code"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@transaction.atomic
def realname_link(*, actor: Any, section: Any, project_code: str, team_sys_no: str) -> RealNameLink:
    """Say under which platform project and team a bid section's attendance is filed."""
    link, _ = RealNameLink.objects.update_or_create(
        bid_section=section,
        defaults={"project_code": project_code.strip(), "team_sys_no": team_sys_no.strip(), "active": True},
    )
    ledger_append(
        actor=actor,
        action="attendance.realname.linked",
        target=link,
        payload={"section": section.code, "project_code": link.project_code, "team_sys_no": link.team_sys_no},
    )
    return link
