"""The set-based import of people, for large files (100,000 rows and more).

The same rules as ``services.person_upsert``, applied to many rows at once: every row is parsed
with the same ``parse_record`` (``domain.parse_ric`` for the ID number, required name) and checked
with the model's own ``full_clean`` (lengths); then, chunk by chunk, the people already stored
are read in one query, new people are inserted with one ``bulk_create``, changed names and phones
written with one ``bulk_update``, and the ledger gets the same entries the service would write
(``registry.person.created`` / ``registry.person.updated``, phones never in clear) with one
``ledger_append_many``. Each chunk is one transaction, so a record is never half-written.

A file that names the same person twice is handled as the service path would: the first row
creates (or updates), the later ones update or leave unchanged, in file order. The ledger gets
the same entries as from the service path; each person's entries are in file order, and entries
are in file order within a chunk (a chunk holds whole people, so across chunks the interleaving of
different people can differ from the row order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.utils import timezone

from jianguan.core.ledger import Actor, Event, ledger_append_many
from jianguan.registry import domain
from jianguan.registry.exchange.records import Problem, parse_record
from jianguan.registry.exchange.tabular import ImportResult, Table, _header_map, _plain, _row_errors, example_values
from jianguan.registry.models import Person

CHUNK = 5000


@dataclass
class _Row:
    number: int
    id_number: str
    name: str
    phone: str | None  # None: the row says nothing about the phone
    resident: domain.ResidentId


def _rows(table: Table, result: ImportResult, progress: Callable[[int], object] | None) -> list[_Row]:
    example = example_values("person")
    rows: list[_Row] = []
    probe = Person(gender="M", birth_date=timezone.localdate())
    for number, cells in table.rows:
        if progress is not None:
            progress(1)
        record = {spec.key: cells[i] if i < len(cells) else None for i, spec in table.columns.items()}
        if all(value is None or str(value).strip() == "" for value in record.values()):
            continue
        if _header_map("person", cells) is not None or all(_plain(record[k]) == _plain(example[k]) for k in record):
            continue
        identities: dict[str, domain.ResidentId] = {}
        clean, problems = parse_record("person", record, identities=identities)
        if not problems:
            probe.id_number, probe.name = clean["id_number"], str(clean["name"]).strip()
            probe.phone = str(clean.get("phone") or "").strip()
            try:  # the model's own field checks, as the service's full_clean runs them
                probe.clean_fields(exclude=["enterprise", "gender", "birth_date", "created_at", "updated_at"])
            except DjangoValidationError as error:
                problems = Problem.from_django(error)
        if problems:
            result.counts["failed"] += 1
            result.errors.extend(_row_errors(number, record, problems))
            continue
        phone = str(clean["phone"]).strip() if "phone" in clean else None
        ident = clean["id_number"]
        rows.append(_Row(number, ident, str(clean["name"]).strip(), phone, identities[ident]))
    return rows


def import_people_fast(
    table: Table,
    *,
    actor: Actor,
    source: str = "import",
    progress: Callable[[int], object] | None = None,
    chunk_size: int = CHUNK,
) -> ImportResult:
    result = ImportResult("person")
    rows = _rows(table, result, progress)
    by_id: dict[str, list[_Row]] = {}
    for row in rows:
        by_id.setdefault(row.id_number, []).append(row)
    ids = list(by_id)
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with transaction.atomic():
            _apply_chunk(chunk, by_id, result, actor=actor, source=source)
    return result


def _apply_chunk(
    chunk: list[str], by_id: dict[str, list[_Row]], result: ImportResult, *, actor: Actor, source: str
) -> None:
    stored = {p.id_number: p for p in Person.objects.select_for_update().filter(id_number__in=chunk)}
    now = timezone.now()
    new: list[Person] = []
    changed: dict[str, Person] = {}
    # events per person in file order; a new person's id is known only after the insert
    pending: list[tuple[int, str, str, dict[str, Any]]] = []
    for ident in chunk:
        person = stored.get(ident)
        for row in by_id[ident]:
            if person is None:
                parsed = row.resident
                person = Person(
                    id_number=ident,
                    name=row.name,
                    phone=row.phone or "",
                    gender=parsed.gender,
                    birth_date=parsed.birth_date,
                    source=source,
                    created_at=now,
                    updated_at=now,
                )
                new.append(person)
                pending.append((row.number, ident, "registry.person.created", {"name": row.name, "source": source}))
                result.counts["created"] += 1
                continue
            changes: dict[str, list[Any]] = {}
            if person.name != row.name:
                changes["name"] = [person.name, row.name]
                person.name = row.name
            if row.phone is not None and person.phone != row.phone:
                changes["phone"] = ["***", "***"]
                person.phone = row.phone
            if not changes:
                result.counts["unchanged"] += 1
                continue
            person.updated_at = now
            if person.pk is not None:
                changed[ident] = person
            pending.append((row.number, ident, "registry.person.updated", {"changes": changes, "source": source}))
            result.counts["updated"] += 1
    _insert(new)
    if changed:
        Person.objects.bulk_update(list(changed.values()), ["name", "phone", "updated_at"], batch_size=2000)
    pks = {p.id_number: p.pk for p in new}
    pks.update({ident: p.pk for ident, p in stored.items()})
    if any(pk is None for pk in pks.values()):  # inserted by COPY, or a backend returning no ids
        pks.update(dict(Person.objects.filter(id_number__in=chunk).values_list("id_number", "pk")))
    events = [
        Event(action=action, object_type="registry.person", object_id=str(pks[ident]), payload=payload)
        for _number, ident, action, payload in sorted(pending, key=lambda item: item[0])
    ]
    if events:
        ledger_append_many(actor=actor, events=events)


_COPY_COLUMNS = ("id_number", "name", "gender", "birth_date", "phone", "source", "created_at", "updated_at")


def _insert(new: list[Person]) -> None:
    """Insert the new people: PostgreSQL's COPY (the rows were checked above, as the service's
    full_clean checks them), else ``bulk_create``."""
    if not new:
        return
    if connection.vendor != "postgresql":
        Person.objects.bulk_create(new, batch_size=2000)
        return
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's cursor, for COPY
        with raw.copy(f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
            for person in new:
                copy.write_row([getattr(person, column) for column in _COPY_COLUMNS])
