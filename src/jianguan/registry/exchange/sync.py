"""Provincial data-centre sync: pull the province's change feed and apply it batch by batch.

The feed format is documented in ``docs/api.md`` ("Provincial registry exchange"). The rules:

* **A batch is the unit of atomicity.** All its records are parsed first; invalid ones (bad credit
  code, bad ID number, unknown class …) are rejected into the run's report with the reason. The
  valid ones are applied through the services in one transaction, each in a savepoint, so a
  record a service refuses is rejected too and writes nothing. The batch commits together with
  the new cursor; if anything unexpected fails, the whole batch rolls back, the cursor stays where
  it was, and the run stops (later batches build on earlier ones).
* **Idempotent.** Upserts compare before writing: the same feed twice changes nothing and adds
  nothing to the ledger.
* **Conflicts** (local data that differs from the province's) are reported. The province wins for
  certificates it issues — qualifications, safety licences and registrations (a registration with
  another enterprise is cancelled first, 人证合一) — and the old values stay in the ledger through
  the services' change records. For enterprises and people created locally, the local values are
  kept and the difference is reported for the market office to settle; records the province
  created are updated from the feed.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.access import mask_id_number, mask_phone
from jianguan.core.ledger import Actor
from jianguan.registry import services
from jianguan.registry.exchange.models import SyncCursor, SyncRun
from jianguan.registry.exchange.records import ENTITIES, Problem, apply_record, parse_record
from jianguan.registry.models import Enterprise, Person, Qualification, Registration, SafetyLicence

FORMAT = "jianguan.registry.exchange/1"
SOURCE_TAG = "provincial"
MAX_PAGES = 10000

FEED_UNREADABLE = _("The feed %(location)s cannot be read: %(reason)s")
FEED_FORMAT = _("%(location)s is not a registry exchange feed: %(reason)s")
BATCH_FAILED = _("Batch %(cursor)s could not be applied and was rolled back; the cursor stays at %(kept)s: %(reason)s")
RECORD_SHAPE = _("A record needs an entity and a data object.")

CERTIFICATE_NAMES = ("number", "issuer", "valid_from", "valid_until", "status")
PROVINCE_WINS = "provincial_applied"
LOCAL_KEPT = "local_kept"
CANCELLED = "local_registration_cancelled"


class SyncFailed(errors.ApplicationError):
    code = "sync_failed"
    status = 502


@dataclass
class BatchReport:
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


# --- reading the feed ------------------------------------------------------------------------


def _is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme in {"http", "https"}


def _with_since(url: str, since: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k != "since"] + [("since", since)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _load(location: str, raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SyncFailed(FEED_FORMAT, code="feed_format", location=location, reason=str(exc)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise SyncFailed(FEED_FORMAT, code="feed_format", location=location, reason=f"format {found!r} ≠ {FORMAT}")
    if not isinstance(doc.get("batches"), list) or not str(doc.get("source") or "").strip():
        raise SyncFailed(FEED_FORMAT, code="feed_format", location=location, reason="source and batches are required")
    for batch in doc["batches"]:
        if not isinstance(batch, dict) or not isinstance(batch.get("records"), list) or not batch.get("cursor"):
            raise SyncFailed(
                FEED_FORMAT, code="feed_format", location=location, reason="each batch has cursor, records"
            )
    return doc


def _fetch(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked
            return bytes(response.read())
    except OSError as exc:
        raise SyncFailed(FEED_UNREADABLE, code="feed_unreadable", location=url, reason=str(exc)) from None


def feed_pages(location: str, since: str, *, timeout: float = 60) -> Iterator[tuple[str, dict[str, Any]]]:
    """The feed's documents: one file, or the URL asked ``?since=<cursor>`` page after page while
    the province answers ``has_more``."""
    if not _is_url(location):
        try:
            raw = Path(location).read_bytes()
        except OSError as exc:
            raise SyncFailed(
                FEED_UNREADABLE, code="feed_unreadable", location=location, reason=exc.strerror or str(exc)
            ) from None
        yield location, _load(location, raw)
        return
    cursor = since
    for _page in range(MAX_PAGES):
        url = _with_since(location, cursor)
        doc = _load(url, _fetch(url, timeout))
        yield url, doc
        next_cursor = str(doc.get("cursor") or (doc["batches"][-1]["cursor"] if doc["batches"] else cursor))
        if not doc.get("has_more") or next_cursor == cursor:
            return
        cursor = next_cursor


# --- conflicts -------------------------------------------------------------------------------


def _same(local: Any, incoming: Any) -> bool:
    if isinstance(local, Decimal) and incoming is not None:
        return local == Decimal(str(incoming))
    return bool(local == incoming)


def _differences(obj: Any, clean: dict[str, Any], names: tuple[str, ...]) -> list[tuple[str, Any, Any]]:
    found = []
    for name in names:
        if name in clean:
            local = getattr(obj, name)
            if not _same(local, clean[name]):
                found.append((name, local, clean[name]))
    return found


def _conflict(entity: str, key: str, name: str, local: Any, incoming: Any, resolution: str) -> dict[str, Any]:
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {
        "entity": entity,
        "key": key,
        "field": name,
        "local": text(local),
        "provincial": text(incoming),
        "resolution": resolution,
    }


def _prepare(entity: str, clean: dict[str, Any], actor: Actor) -> list[dict[str, Any]]:
    """Find where local data disagrees, settle it as the rules say (may change ``clean``, may cancel
    local registrations), and return the conflicts."""
    found: list[dict[str, Any]] = []
    if entity == "enterprise":
        local = Enterprise.objects.filter(uscc=clean["uscc"]).select_related("jurisdiction").first()
        if local is not None and local.source != SOURCE_TAG:
            names = ("name", "kind", "legal_representative", "registered_capital", "address", "phone", "status")
            for name, old, new in _differences(local, clean, names):
                found.append(_conflict(entity, local.uscc, name, old, new, LOCAL_KEPT))
                clean[name] = old
            if "jurisdiction" in clean and clean["jurisdiction"] != local.jurisdiction.code:
                found.append(
                    _conflict(
                        entity, local.uscc, "jurisdiction", local.jurisdiction.code, clean["jurisdiction"], LOCAL_KEPT
                    )
                )
                clean["jurisdiction"] = local.jurisdiction.code
    elif entity == "person":
        person = Person.objects.filter(id_number=clean["id_number"]).first()
        if person is not None and person.source != SOURCE_TAG:
            for name, old, new in _differences(person, clean, ("name", "phone")):
                if name == "phone":
                    old, new = mask_phone(old), mask_phone(new)
                found.append(_conflict(entity, mask_id_number(person.id_number), name, old, new, LOCAL_KEPT))
                clean[name] = old
    elif entity == "safety_licence":
        licence = SafetyLicence.objects.filter(enterprise__uscc=clean["enterprise"]).first()
        if licence is not None and licence.source != SOURCE_TAG:
            for name, old, new in _differences(licence, clean, CERTIFICATE_NAMES):
                found.append(_conflict(entity, clean["enterprise"], name, old, new, PROVINCE_WINS))
    elif entity == "qualification":
        category, klass = clean["category"], clean["klass"]
        if category == "general" and clean.get("grade") in {"特", "特级"}:
            category, klass = "comprehensive", "comprehensive"
        qualification = Qualification.objects.filter(
            enterprise__uscc=clean["enterprise"], category=category, klass=klass
        ).first()
        if qualification is not None and qualification.source != SOURCE_TAG:
            key = f"{clean['enterprise']}/{category}/{klass}"
            for name, old, new in _differences(
                qualification, clean, ("number", "issuer", "valid_from", "valid_until", "status")
            ):
                found.append(_conflict(entity, key, name, old, new, PROVINCE_WINS))
    elif entity == "registration":
        key = f"{clean['kind']}/{clean['number']}"
        registration = (
            Registration.objects.filter(kind=clean["kind"], number=clean["number"]).select_related("enterprise").first()
        )
        if registration is not None and registration.source != SOURCE_TAG:
            for name, old, new in _differences(registration, clean, (*CERTIFICATE_NAMES[1:], "specialty")):
                found.append(_conflict(entity, key, name, old, new, PROVINCE_WINS))
            if registration.enterprise.uscc != clean["enterprise"]:
                found.append(
                    _conflict(
                        entity, key, "enterprise", registration.enterprise.uscc, clean["enterprise"], PROVINCE_WINS
                    )
                )
        person = Person.objects.filter(id_number=clean["id_number"]).first()
        if person is not None and clean.get("status", "valid") == "valid":
            elsewhere = (
                person.registrations.filter(status=Registration.Status.VALID)
                .exclude(enterprise__uscc=clean["enterprise"])
                .exclude(kind=clean["kind"], number=clean["number"])
                .select_related("enterprise")
            )
            for other in elsewhere:
                found.append(
                    _conflict(
                        entity,
                        f"{other.kind}/{other.number}",
                        "enterprise",
                        other.enterprise.uscc,
                        clean["enterprise"],
                        CANCELLED,
                    )
                )
                services.registration_cancel(
                    actor=actor,
                    registration=other,
                    reason=f"provincial sync: registered with {clean['enterprise']} ({key})",
                )
    return found


# --- applying --------------------------------------------------------------------------------


def _record_key(entity: str, data: dict[str, Any]) -> str:
    if entity == "person":
        return mask_id_number(str(data.get("id_number", "")))
    if entity == "registration":
        return f"{data.get('kind', '')}/{data.get('number', '')}"
    if entity == "qualification":
        return f"{data.get('enterprise', '')}/{data.get('category', '')}/{data.get('klass', '')}"
    if entity == "management":
        return f"{data.get('manager', '')}/{data.get('managed', '')}"
    if entity == "shareholding":
        holder = data.get("holder_uscc") or mask_id_number(str(data.get("holder_id_number", "")))
        return f"{data.get('enterprise', '')}/{holder}"
    return str(data.get("uscc") or data.get("enterprise") or "")


def _rejection(batch: str, index: int, entity: str, key: str, problem: Problem) -> dict[str, Any]:
    return {
        "batch": batch,
        "index": index,
        "entity": entity,
        "key": key,
        "field": problem.field,
        "code": problem.code,
        "zh": problem.render("zh-hans"),
        "en": problem.render("en"),
    }


def apply_batch(batch: dict[str, Any], *, actor: Actor) -> BatchReport:
    """Validate every record of the batch, then apply the valid ones (call inside a transaction)."""
    report = BatchReport()
    cursor = str(batch["cursor"])
    valid: list[tuple[int, str, dict[str, Any]]] = []
    for index, record in enumerate(batch["records"]):
        entity = record.get("entity") if isinstance(record, dict) else None
        data = record.get("data") if isinstance(record, dict) else None
        if not isinstance(entity, str) or not isinstance(data, dict):
            report.rejected.append(_rejection(cursor, index, str(entity or ""), "", Problem("", RECORD_SHAPE)))
            continue
        clean, problems = parse_record(entity, data)
        if problems:
            key = _record_key(entity, data)
            report.rejected.extend(_rejection(cursor, index, entity, key, p) for p in problems)
            continue
        valid.append((index, entity, clean))
    valid.sort(key=lambda item: (ENTITIES.index(item[1]), item[0]))  # enterprises before their certificates
    for index, entity, clean in valid:
        try:
            with transaction.atomic():
                conflicts = _prepare(entity, clean, actor)
                outcome = apply_record(entity, clean, actor=actor, source=SOURCE_TAG)
        except errors.ApplicationError as error:
            report.rejected.append(
                _rejection(cursor, index, entity, _record_key(entity, clean), Problem.from_error(error))
            )
            continue
        except DjangoValidationError as error:
            key = _record_key(entity, clean)
            report.rejected.extend(_rejection(cursor, index, entity, key, p) for p in Problem.from_django(error))
            continue
        report.counts[outcome] += 1
        report.conflicts.extend(conflicts)
    report.counts["rejected"] = len({(r["batch"], r["index"]) for r in report.rejected})
    return report


def sync_pull(
    location: str,
    *,
    actor: Actor = "system:sync",
    timeout: float = 60,
    progress: Callable[[int, int], object] | None = None,
) -> SyncRun:
    """Pull the feed from a URL or a file and apply it; returns the run with its report. Raises
    ``SyncFailed`` (after recording the failed run) when the feed cannot be read or a batch fails."""
    run = SyncRun.objects.create(source="", location=location[:500])
    totals: Counter[str] = Counter()
    rejected: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    try:
        since = ""
        if _is_url(location):
            # a URL is asked from the cursor of the source it answered for last time
            last = SyncRun.objects.filter(location=run.location).exclude(source="").exclude(pk=run.pk).first()
            stored = SyncCursor.objects.filter(source=last.source).first() if last else None
            since = stored.cursor if stored else ""
        first = True
        iterator = feed_pages(location, since, timeout=timeout)
        for _where, doc in iterator:
            source = str(doc["source"]).strip()[:255]
            cursor_row, _ = SyncCursor.objects.get_or_create(source=source)
            if first:
                run.source = source
                run.from_cursor = cursor_row.cursor
                run.save(update_fields=["source", "from_cursor"])
                first = False
            batches = doc["batches"]
            cursors = [str(b["cursor"]) for b in batches]
            start = cursors.index(cursor_row.cursor) + 1 if cursor_row.cursor in cursors else 0
            totals["batches_skipped"] += start
            for number, batch in enumerate(batches[start:], start=start):
                try:
                    with transaction.atomic():
                        report = apply_batch(batch, actor=actor)
                        SyncCursor.objects.filter(pk=cursor_row.pk).update(
                            cursor=str(batch["cursor"]), updated_at=timezone.now()
                        )
                except Exception as exc:  # the batch rolled back as a whole
                    kept = SyncCursor.objects.get(pk=cursor_row.pk).cursor
                    reason = exc.render("en") if isinstance(exc, errors.ApplicationError) else repr(exc)
                    raise SyncFailed(
                        BATCH_FAILED, code="batch_failed", cursor=batch["cursor"], kept=kept or "—", reason=reason
                    ) from exc
                totals.update(report.counts)
                totals["batches"] += 1
                rejected.extend(report.rejected)
                conflicts.extend(report.conflicts)
                run.to_cursor = str(batch["cursor"])
                if progress is not None:
                    progress(number + 1, len(batches))
    except SyncFailed as failure:
        _finish(run, SyncRun.Status.FAILED, totals, rejected, conflicts, failure.render("en"))
        raise
    _finish(run, SyncRun.Status.SUCCEEDED, totals, rejected, conflicts, "")
    return run


def _finish(
    run: SyncRun,
    status: str,
    totals: Counter[str],
    rejected: list[dict[str, Any]],
    conflicts: list[dict[str, Any]],
    error: str,
) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.counts = dict(totals)
    run.rejected = rejected
    run.conflicts = conflicts
    run.error = error
    run.save()
