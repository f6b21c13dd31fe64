"""The ledger: one append-only, hash-chained event log for every business change.

Services call :func:`ledger_append` (or :func:`ledger_append_many` for bulk work) inside the
transaction that makes the change. Each entry's hash covers a canonical encoding of its fields
and the previous entry's hash; :func:`ledger_verify` recomputes the chain and names the first
broken link. The database itself refuses UPDATE, DELETE and TRUNCATE on the table.

Modules subscribe to actions with a ``handlers.py`` holding ``HANDLERS = {action: [fn, ...]}``;
handlers run synchronously, in the same transaction, right after the entry is written. Heavy
work goes to Huey from a handler via ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import importlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from jianguan.core.models import Device, LedgerEntry, User

GENESIS_HASH = "0" * 64
LEDGER_TABLE = LedgerEntry._meta.db_table
# Any 64-bit constant: the key of the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 0x4A47_4C45_4447_4552  # "JGLEDGER"

Actor = User | Device | str | None


class _Identified(Protocol):
    pk: Any


# --- canonical encoding -------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            raise TypeError("naive datetimes are not allowed in the ledger")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    raise TypeError(f"cannot put {type(value).__name__} in the ledger")


def canonical_json(value: Any) -> str:
    """The one encoding the ledger hashes: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default, allow_nan=False
    )


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical encoding of an entry's fields, the previous hash included."""
    material = canonical_json(
        [seq, _timestamp(occurred_at), actor_id, actor_label, action, object_type, object_id, payload, prev_hash]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


# --- appending ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """What a service wants recorded: an action on an object, with its details."""

    action: str
    object_type: str = ""
    object_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def about(cls, obj: models.Model, action: str, payload: dict[str, Any] | None = None) -> Event:
        return cls(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), payload=payload or {})


def actor_identity(actor: Actor) -> tuple[int | None, str]:
    """(user id, label) for whoever acts: a user, a device, or a named system process."""
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor if ":" in actor else f"system:{actor}"
    if isinstance(actor, Device):
        return None, f"device:{actor.serial}"
    if isinstance(actor, User):
        return actor.pk, f"user:{actor.get_username()}"
    raise TypeError(f"not an actor: {actor!r}")


def _lock_head(conn: BaseDatabaseWrapper) -> tuple[int, str]:
    """Take the append lock for this transaction and return the chain's head (seq, hash)."""
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    # On SQLite the IMMEDIATE transaction already holds the database's write lock.
    head = LedgerEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head else (0, GENESIS_HASH)


def ledger_append(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    payload: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> LedgerEntry:
    """Append one entry (in the caller's transaction) and run the action's handlers."""
    if target is not None:
        event = Event.about(target, action, payload)
    else:
        event = Event(action=action, object_type=object_type, object_id=str(object_id), payload=payload or {})
    return ledger_append_many(actor=actor, events=[event], occurred_at=occurred_at)[0]


def ledger_append_many(
    *,
    actor: Actor,
    events: Iterable[Event],
    occurred_at: dt.datetime | None = None,
    dispatch: bool = True,
    batch_size: int = 5000,
) -> list[LedgerEntry]:
    """Append many entries in one go (bulk imports, the demo city); same chain, same handlers."""
    moment = occurred_at or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("occurred_at must be timezone-aware")
    actor_id, actor_label = actor_identity(actor)
    with transaction.atomic():
        seq, prev = _lock_head(connection)
        rows: list[LedgerEntry] = []
        for event in events:
            seq += 1
            payload = canonical_json(event.payload)
            digest = entry_hash(
                seq=seq,
                occurred_at=moment,
                actor_id=actor_id,
                actor_label=actor_label,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                payload=payload,
                prev_hash=prev,
            )
            rows.append(
                LedgerEntry(
                    seq=seq,
                    occurred_at=moment,
                    actor_id=actor_id,
                    actor_label=actor_label,
                    action=event.action,
                    object_type=event.object_type,
                    object_id=event.object_id,
                    payload=payload,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        LedgerEntry.objects.bulk_create(rows, batch_size=batch_size)
        if dispatch:
            for row in rows:
                for handler in handlers_for(row.action):
                    handler(row)
    return rows


# --- subscriptions ------------------------------------------------------------------------

Handler = Callable[[LedgerEntry], None]
_handlers: dict[str, list[Handler]] | None = None


def _collect_handlers() -> dict[str, list[Handler]]:
    table: dict[str, list[Handler]] = {}
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("jianguan."):
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.handlers")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.handlers":
                raise
            continue
        for action, functions in getattr(module, "HANDLERS", {}).items():
            table.setdefault(action, []).extend(functions)
    return table


def handlers_for(action: str) -> Sequence[Handler]:
    """Handlers subscribed to an action (exact name), then to its module prefix (``registry.*``)."""
    global _handlers
    if _handlers is None:
        _handlers = _collect_handlers()
    prefix = action.split(".", 1)[0] + ".*"
    return [*_handlers.get(action, ()), *_handlers.get(prefix, ()), *_handlers.get("*", ())]


@contextmanager
def handlers_replaced(table: dict[str, list[Handler]]) -> Iterator[None]:
    """Run with another subscription table (tests)."""
    global _handlers
    saved = _handlers
    _handlers = table
    try:
        yield
    finally:
        _handlers = saved


# --- reading ------------------------------------------------------------------------------


def ledger_entries_for(
    obj: _Identified | models.Model, *, object_type: str | None = None
) -> models.QuerySet[LedgerEntry]:
    """The audit trail of one object, oldest first. The caller has already checked access."""
    label = object_type or obj._meta.label_lower  # type: ignore[union-attr]
    return LedgerEntry.objects.filter(object_type=label, object_id=str(obj.pk)).order_by("seq")


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""
    anchors_checked: int = 0


def ledger_verify(*, progress: Callable[[int], object] | None = None, chunk_size: int = 20000) -> VerifyResult:
    """Recompute the whole chain; name the first entry whose link or hash does not hold.

    Anchors written by :func:`ledger_anchor` are checked too, so a tail removed behind the
    database's back is found.
    """
    expected_seq = 1
    prev = GENESIS_HASH
    checked = 0
    queryset = LedgerEntry.objects.order_by("seq").values_list(
        "seq",
        "occurred_at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "payload",
        "prev_hash",
        "hash",
    )
    for row in queryset.iterator(chunk_size=chunk_size):
        seq, occurred_at, actor_id, actor_label, action, object_type, object_id, payload, prev_hash, digest = row
        if seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq - 1, prev, expected_seq, f"entry {expected_seq} is missing"
            )
        if prev_hash != prev:
            return VerifyResult(False, checked, seq - 1, prev, seq, f"entry {seq} does not link to entry {seq - 1}")
        recomputed = entry_hash(
            seq=seq,
            occurred_at=occurred_at,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload=payload,
            prev_hash=prev_hash,
        )
        if recomputed != digest:
            return VerifyResult(False, checked, seq - 1, prev, seq, f"entry {seq} was altered: its hash does not match")
        prev = digest
        expected_seq += 1
        checked += 1
        if progress is not None and checked % 1000 == 0:
            progress(1000)
    if progress is not None:
        progress(checked % 1000)
    head_seq = expected_seq - 1
    anchors = 0
    for anchor_seq, anchor_hash in _read_anchors():
        anchors += 1
        if anchor_seq > head_seq:
            return VerifyResult(
                False,
                checked,
                head_seq,
                prev,
                head_seq + 1,
                f"entries after {head_seq} are missing: an anchor recorded entry {anchor_seq}",
                anchors,
            )
        stored = LedgerEntry.objects.filter(seq=anchor_seq).values_list("hash", flat=True).first()
        if stored != anchor_hash:
            return VerifyResult(
                False, checked, head_seq, prev, anchor_seq, f"entry {anchor_seq} differs from its anchor", anchors
            )
    return VerifyResult(True, checked, head_seq, prev, anchors_checked=anchors)


def _read_anchors() -> Iterator[tuple[int, str]]:
    path = Path(settings.LEDGER_ANCHOR_FILE)
    if not path.exists():
        return
    database = _database_identity()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 4 and parts[3] == database:
                yield int(parts[1]), parts[2]


def _database_identity() -> str:
    params = connection.settings_dict
    return f"{connection.vendor}:{params.get('HOST') or ''}:{params.get('NAME')}"


def ledger_anchor() -> tuple[int, str] | None:
    """Append the chain's head to the anchor file outside the database (run periodically)."""
    head = LedgerEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    path = Path(settings.LEDGER_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{_timestamp(timezone.now())} {head[0]} {head[1]} {_database_identity()}\n")
    return head


# --- database protection ------------------------------------------------------------------

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {LEDGER_TABLE}_no_update BEFORE UPDATE ON {LEDGER_TABLE}
        BEGIN SELECT RAISE(ABORT, 'ledger is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {LEDGER_TABLE}_no_delete BEFORE DELETE ON {LEDGER_TABLE}
        BEGIN SELECT RAISE(ABORT, 'ledger is append-only: DELETE refused'); END""",
]
_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION jianguan_ledger_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'ledger is append-only: % refused', TG_OP USING ERRCODE = '42501'; END;
       $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {LEDGER_TABLE}_no_change ON {LEDGER_TABLE}",
    f"""CREATE TRIGGER {LEDGER_TABLE}_no_change BEFORE UPDATE OR DELETE ON {LEDGER_TABLE}
        FOR EACH ROW EXECUTE FUNCTION jianguan_ledger_refuse()""",
    f"DROP TRIGGER IF EXISTS {LEDGER_TABLE}_no_truncate ON {LEDGER_TABLE}",
    f"""CREATE TRIGGER {LEDGER_TABLE}_no_truncate BEFORE TRUNCATE ON {LEDGER_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION jianguan_ledger_refuse()""",
]


def ledger_triggers_install(conn: BaseDatabaseWrapper = connection) -> None:
    """Create the triggers that refuse UPDATE and DELETE (idempotent; run after every migrate)."""
    statements = _POSTGRES_TRIGGERS if conn.vendor == "postgresql" else _SQLITE_TRIGGERS
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def ledger_triggers_present(conn: BaseDatabaseWrapper = connection) -> bool:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [LEDGER_TABLE]
            )
            return bool(cursor.fetchone()[0] >= 2)
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [LEDGER_TABLE])
        return bool(cursor.fetchone()[0] >= 2)


@contextmanager
def ledger_triggers_suspended(conn: BaseDatabaseWrapper = connection) -> Iterator[None]:
    """Drop the protection for the duration: only for wiping a test or demo database, and for the
    test that proves tampering is detected. Never used by a service."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {LEDGER_TABLE}_no_change ON {LEDGER_TABLE}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {LEDGER_TABLE}_no_truncate ON {LEDGER_TABLE}")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {LEDGER_TABLE}_no_update")
            cursor.execute(f"DROP TRIGGER IF EXISTS {LEDGER_TABLE}_no_delete")
    try:
        yield
    finally:
        ledger_triggers_install(conn)
