"""The ledger: chained, append-only in the database, verifiable, with subscriptions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from jianguan.core.ledger import (
    GENESIS_HASH,
    Event,
    canonical_json,
    entry_hash,
    handlers_replaced,
    ledger_anchor,
    ledger_append,
    ledger_append_many,
    ledger_entries_for,
    ledger_triggers_present,
    ledger_triggers_suspended,
    ledger_verify,
)
from jianguan.core.models import Device, LedgerEntry
from tests.factories import DeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def base() -> int:
    """The ledger's head when the test starts (migrate itself records shipped rules)."""
    return LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _append(n: int, action: str = "test.thing.happened") -> list[LedgerEntry]:
    return [
        ledger_append(
            actor="system:test",
            action=action,
            object_type="test.thing",
            object_id=str(i),
            payload={"i": i, "名称": "工程"},
        )
        for i in range(n)
    ]


def test_entries_are_numbered_and_chained(base: int) -> None:
    head = LedgerEntry.objects.filter(seq=base).values_list("hash", flat=True).first() or GENESIS_HASH
    entries = _append(3)
    assert [e.seq for e in entries] == [base + 1, base + 2, base + 3]
    assert entries[0].prev_hash == head
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert len({e.hash for e in entries}) == 3


def test_hash_covers_every_field() -> None:
    entry = _append(1)[0]
    stored = LedgerEntry.objects.get(seq=entry.seq)
    fields: dict[str, Any] = {
        "seq": stored.seq,
        "occurred_at": stored.occurred_at,
        "actor_id": stored.actor_id,
        "actor_label": stored.actor_label,
        "action": stored.action,
        "object_type": stored.object_type,
        "object_id": stored.object_id,
        "payload": stored.payload,
        "prev_hash": stored.prev_hash,
    }
    assert entry_hash(**fields) == stored.hash
    for name, changed in [
        ("seq", 99),
        ("actor_label", "user:x"),
        ("action", "x"),
        ("object_id", "9"),
        ("payload", "{}"),
        ("prev_hash", "f" * 64),
        ("occurred_at", stored.occurred_at + dt.timedelta(microseconds=1)),
    ]:
        assert entry_hash(**{**fields, name: changed}) != stored.hash, name


def test_payload_is_canonical_json() -> None:
    entry = ledger_append(actor=None, action="t.x", payload={"b": 1, "a": [1, 2], "名": "值", "d": dt.date(2026, 1, 2)})
    assert entry.payload == '{"a":[1,2],"b":1,"d":"2026-01-02","名":"值"}'
    assert entry.data["名"] == "值"
    with pytest.raises(ValueError, match="Out of range float"):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError, match="naive"):
        canonical_json({"x": dt.datetime(2026, 1, 1)})  # noqa: DTZ001


def test_actor_is_recorded_for_users_devices_and_systems(city: Any) -> None:
    user = UserFactory(username="alice")
    device = DeviceFactory(serial="SN-A", jurisdiction=city)
    by_user = ledger_append(actor=user, action="t.a")
    by_device = ledger_append(actor=device, action="t.b")
    by_system = ledger_append(actor="huey", action="t.c")
    assert (by_user.actor_id, by_user.actor_label) == (user.pk, "user:alice")
    assert (by_device.actor_id, by_device.actor_label) == (None, "device:SN-A")
    assert by_system.actor_label == "system:huey"


def test_verify_passes_on_an_intact_chain(base: int) -> None:
    _append(25)
    result = ledger_verify(chunk_size=7)
    assert result.ok
    assert result.checked == base + 25
    assert result.head_seq == base + 25


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_ledgerentry SET payload = '{}' WHERE seq = %s",
        "DELETE FROM core_ledgerentry WHERE seq = %s",
    ],
)
def test_database_refuses_update_and_delete(statement: str) -> None:
    entries = _append(3)
    assert ledger_triggers_present()
    with (
        pytest.raises((DatabaseError, IntegrityError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entries[1].seq])
    assert LedgerEntry.objects.filter(seq__in=[e.seq for e in entries]).count() == 3


def test_orm_update_and_delete_are_refused_too() -> None:
    first, second = _append(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(seq=first.seq).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(seq=second.seq).delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_truncate() -> None:
    """With committed rows (a transactional test; its teardown also exercises the guarded flush)."""
    _append(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_ledgerentry CASCADE")


def _tamper(sql: str, params: list[Any] | None = None) -> None:
    """What an attacker with database access would do: drop the protection, edit, restore."""
    with ledger_triggers_suspended(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_verify_names_an_altered_entry(base: int) -> None:
    _append(10)
    _tamper("UPDATE core_ledgerentry SET payload = '{\"i\":999}' WHERE seq = %s", [base + 6])
    result = ledger_verify()
    assert not result.ok
    assert result.broken_seq == base + 6
    assert "altered" in result.reason
    assert result.checked == base + 5


def test_verify_names_a_recomputed_entry_by_its_broken_link() -> None:
    """Re-hashing the edited entry does not help: the next entry no longer links to it."""
    entries = _append(5)
    row = LedgerEntry.objects.get(seq=entries[2].seq)
    forged_payload = '{"i":777}'
    forged_hash = entry_hash(
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor_id=None,
        actor_label=row.actor_label,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        payload=forged_payload,
        prev_hash=entries[1].hash,
    )
    _tamper(
        "UPDATE core_ledgerentry SET payload = %s, hash = %s WHERE seq = %s", [forged_payload, forged_hash, row.seq]
    )
    result = ledger_verify()
    assert (result.ok, result.broken_seq) == (False, entries[3].seq)
    assert "does not link" in result.reason


def test_verify_names_a_deleted_entry() -> None:
    entries = _append(5)
    _tamper("DELETE FROM core_ledgerentry WHERE seq = %s", [entries[1].seq])
    result = ledger_verify()
    assert (result.ok, result.broken_seq) == (False, entries[1].seq)
    assert "missing" in result.reason


def test_anchors_reveal_a_removed_tail(settings: Any, tmp_path: Path) -> None:
    entries = _append(4)
    assert ledger_anchor() is not None
    assert ledger_verify().anchors_checked == 1
    _tamper("DELETE FROM core_ledgerentry WHERE seq >= %s", [entries[2].seq])
    result = ledger_verify()
    assert not result.ok
    assert result.broken_seq == entries[2].seq
    assert "anchor" in result.reason


def test_cli_verify_reports_and_fails_on_tampering(capsys: Any, base: int) -> None:
    entries = _append(3)
    call_command("ledger", "verify")
    assert f"ledger intact: {base + 3} entries" in capsys.readouterr().out
    _tamper("UPDATE core_ledgerentry SET action = 'forged' WHERE seq = %s", [entries[1].seq])
    with pytest.raises(CommandError, match=f"broken at entry {entries[1].seq}"):
        call_command("ledger", "verify")


def test_handlers_run_in_the_same_transaction() -> None:
    seen: list[str] = []

    def record(entry: LedgerEntry) -> None:
        seen.append(entry.action)

    def fail(entry: LedgerEntry) -> None:
        raise RuntimeError("handler failed")

    with handlers_replaced({"demo.thing.done": [record], "demo.*": [record]}):
        ledger_append(actor=None, action="demo.thing.done")
    assert seen == ["demo.thing.done", "demo.thing.done"]

    before = LedgerEntry.objects.count()
    with handlers_replaced({"demo.thing.failed": [fail]}), pytest.raises(RuntimeError), transaction.atomic():
        ledger_append(actor=None, action="demo.thing.failed")
    assert LedgerEntry.objects.count() == before


def test_handlers_may_append_entries_of_their_own(base: int) -> None:
    def follow_up(entry: LedgerEntry) -> None:
        ledger_append(actor="system:linkage", action="demo.follow_up", payload={"cause": entry.seq})

    with handlers_replaced({"demo.cause": [follow_up]}):
        ledger_append(actor=None, action="demo.cause")
    actions = LedgerEntry.objects.filter(seq__gt=base).values_list("action", flat=True)
    assert list(actions) == ["demo.cause", "demo.follow_up"]
    assert ledger_verify().ok


def test_bulk_append_chains_like_single_appends(base: int) -> None:
    _append(2)
    entries = ledger_append_many(
        actor="system:import",
        events=[Event("import.row", "t.row", str(i), {"row": i}) for i in range(1000)],
        batch_size=100,
    )
    assert entries[0].seq == base + 3
    assert entries[-1].seq == base + 1002
    assert ledger_verify().ok


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger_append(actor=None, action="t", occurred_at=dt.datetime(2026, 1, 1))  # noqa: DTZ001
    ledger_append(actor=None, action="t", occurred_at=timezone.now())


def test_audit_trail_of_an_object(city: Any) -> None:
    device = DeviceFactory(jurisdiction=city)
    other = DeviceFactory(jurisdiction=city)
    ledger_append(actor=None, action="core.device.suspended", target=device, payload={"reason": "x"})
    ledger_append(actor=None, action="core.device.suspended", target=other, payload={"reason": "y"})
    ledger_append(actor=None, action="core.device.resumed", target=device, payload={"reason": "z"})
    assert [e.action for e in ledger_entries_for(device)] == ["core.device.suspended", "core.device.resumed"]
    assert ledger_entries_for(device).first().object_type == Device._meta.label_lower  # type: ignore[union-attr]
