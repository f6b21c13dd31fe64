"""The set-based job holds the domain's answers: random record sets for many subjects, compared
subject by subject on SQLite, the test database (SQLite or PostgreSQL) and DuckDB."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import ibis
import pandas as pd
import pytest
from django.db import connection

from jianguan.credit import scoring
from jianguan.credit.domain import SCHEMES, Record, Scheme, Severity, Subject, add_months, standing_on
from tests.credit.strategies import CATALOGUE, random_record, random_subject

NEAR = dt.date(2026, 3, 1)
SCHEME_CASES = [
    SCHEMES["default"],
    SCHEMES["jiangxi"],
    SCHEMES["hainan"],
    Scheme(
        name="odd",
        base=Decimal("62.5"),
        addition_cap=None,
        floor=None,
        blacklist_grade=None,
        deducted_severities=frozenset({Severity.A, Severity.C}),
        accident_window_months=7,
    ),
]

Population = tuple[list[Subject], dict[int, list[Record]]]


def population(seed: int, size: int = 300) -> Population:
    rng = random.Random(seed)
    subjects = [random_subject(rng, i, near=NEAR) for i in range(1, size + 1)]
    records: dict[int, list[Record]] = {}
    next_id = 1
    for subject in subjects:
        count = rng.choice([0, 0, 1, 2, 3, 5, 8, 12])
        records[subject.id] = []
        for _ in range(count):
            records[subject.id].append(random_record(rng, next_id, near=NEAR))
            next_id += 1
    # make larger accidents common enough that "two within the window" is exercised both ways
    for subject in subjects[:40]:
        code = rng.choice(["SG-4-08", "SG-3-06"])
        for _ in range(2):
            day = NEAR - dt.timedelta(days=rng.randint(0, 500))
            records[subject.id].append(CATALOGUE.item(code).record(id=next_id, event_date=day))
            next_id += 1
    # …and exactly on the anniversary, and the day after, for windows of 12 and 7 months
    for position, subject in enumerate(subjects[40:48]):
        first = NEAR - dt.timedelta(days=rng.randint(250, 420))
        second = add_months(first, 12 if position < 4 else 7) + dt.timedelta(days=position % 2)
        records[subject.id] = []  # the pair alone
        for day in (first, second):
            records[subject.id].append(CATALOGUE.item("SG-4-08").record(id=next_id, event_date=day))
            next_id += 1
    return subjects, records


def compare_days(records: dict[int, list[Record]], rng: random.Random) -> list[dt.date]:
    """The days to compare on: around NEAR, and on either side of some records' window ends."""
    every = [record for rows in records.values() for record in rows]
    days = {NEAR, NEAR - dt.timedelta(days=200), NEAR + dt.timedelta(days=45)}
    for record in rng.sample(every, 4):
        days |= {record.valid_until, record.valid_until + dt.timedelta(days=1), record.event_date}
    return sorted(days)


def expected(subjects: Sequence[Subject], records: dict[int, list[Record]], scheme: Scheme, day: dt.date) -> list[Any]:
    result = []
    for subject in subjects:
        standing = standing_on(subject, records[subject.id], scheme, day)
        result.append(
            (
                subject.id,
                standing.score,
                standing.grade,
                standing.base,
                standing.additions,
                standing.deductions,
                standing.blacklist,
            )
        )
    return result


def actual(rows: list[scoring.Row]) -> list[Any]:
    return [(r.subject_id, r.score, r.grade, r.base, r.additions, r.deductions, r.blacklist) for r in rows]


# --- loading the plain tables --------------------------------------------------------------------

DDL = [
    "CREATE TABLE credit_subjects (subject_id BIGINT PRIMARY KEY)",
    "CREATE TABLE credit_records (id BIGINT PRIMARY KEY, subject_id BIGINT NOT NULL, kind VARCHAR(4) NOT NULL,"
    " severity VARCHAR(1), points NUMERIC(8, 2) NOT NULL, event_date DATE NOT NULL, valid_until DATE NOT NULL,"
    " revoked_on DATE, trigger VARCHAR(32), penalised BOOLEAN NOT NULL, settled_on DATE)",
    "CREATE TABLE credit_eligibility (subject_id BIGINT NOT NULL, valid_from DATE NOT NULL, valid_until DATE)",
]


def record_rows(records: dict[int, list[Record]]) -> Iterator[tuple[Any, ...]]:
    for subject_id, rows in records.items():
        for r in rows:
            yield (
                r.id,
                subject_id,
                r.kind.value,
                r.severity.value if r.severity else None,
                r.points,
                r.event_date,
                r.valid_until,
                r.revoked_on,
                r.trigger.value if r.trigger else None,
                r.penalised,
                r.settled_on,
            )


def load(cursor: Any, population: Population, placeholder: str) -> None:
    subjects, records = population
    for statement in DDL:
        cursor.execute(statement)
    marks = ", ".join([placeholder] * 11)
    cursor.executemany(f"INSERT INTO credit_subjects VALUES ({placeholder})", [(s.id,) for s in subjects])  # noqa: S608
    cursor.executemany(f"INSERT INTO credit_records VALUES ({marks})", list(record_rows(records)))  # noqa: S608
    cursor.executemany(
        f"INSERT INTO credit_eligibility VALUES ({placeholder}, {placeholder}, {placeholder})",  # noqa: S608
        [(s.id, p.start, p.end) for s in subjects for p in s.eligible],
    )


def plain_sqlite(population: Population) -> sqlite3.Connection:
    sqlite3.register_adapter(dt.date, lambda d: d.isoformat())
    sqlite3.register_adapter(Decimal, str)
    db = sqlite3.connect(":memory:")
    load(db.cursor(), population, "?")
    return db


@pytest.mark.parametrize("scheme", SCHEME_CASES, ids=lambda s: s.name)
def test_job_on_sqlite_holds_the_domains_answers(scheme: Scheme) -> None:
    people = population(seed=11)
    db = plain_sqlite(people)
    for day in compare_days(people[1], random.Random(5)):
        rows = scoring.run_on_cursor(db.cursor(), day=day, scheme=scheme, dialect="sqlite")
        assert actual(rows) == expected(*people, scheme, day), day


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", SCHEME_CASES, ids=lambda s: s.name)
def test_job_on_the_test_database_holds_the_domains_answers(scheme: Scheme) -> None:
    """Runs on PostgreSQL when DATABASE_URL names one, through Django's connection."""
    people = population(seed=23)
    with connection.cursor() as cursor:
        load(cursor, people, "%s")
        dialect = scoring.dialect_of(connection.vendor)
        for day in compare_days(people[1], random.Random(7)):
            rows = scoring.run_on_cursor(cursor, day=day, scheme=scheme, dialect=dialect)
            assert actual(rows) == expected(*people, scheme, day), day


@pytest.mark.parametrize("scheme", SCHEME_CASES, ids=lambda s: s.name)
def test_job_on_duckdb_holds_the_domains_answers(scheme: Scheme) -> None:
    people = population(seed=31)
    columns = ["id", *scoring.RECORD_SCHEMA]
    frame = pd.DataFrame(list(record_rows(people[1])), columns=columns).drop(columns="id")
    records = ibis.memtable(frame, schema=scoring.RECORD_SCHEMA)
    subjects = ibis.memtable(pd.DataFrame({"subject_id": [s.id for s in people[0]]}), schema=scoring.SUBJECT_SCHEMA)
    eligibility = ibis.memtable(
        pd.DataFrame(
            [(s.id, p.start, p.end) for s in people[0] for p in s.eligible],
            columns=["subject_id", "valid_from", "valid_until"],
        ),
        schema=scoring.ELIGIBILITY_SCHEMA,
    )
    backend = ibis.duckdb.connect()
    for day in compare_days(people[1], random.Random(9)):
        rows = scoring.run_on_backend(backend, subjects, records, day=day, scheme=scheme, eligibility=eligibility)
        assert actual(rows) == expected(*people, scheme, day), day


def test_add_months_in_sql_matches_the_domain() -> None:
    """Month ends, leap days and year carries, for window lengths from 1 to 40 months."""
    from jianguan.credit.domain import add_months

    dates = [dt.date(2023, 1, 31) + dt.timedelta(days=n) for n in range(0, 1200, 7)]
    dates += [dt.date(2024, 2, 29), dt.date(2023, 12, 31), dt.date(2024, 1, 31), dt.date(2024, 11, 30)]
    table = ibis.memtable(pd.DataFrame({"d": dates}), schema={"d": "date"})
    backend = ibis.duckdb.connect()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (d DATE)")
    db.executemany("INSERT INTO t VALUES (?)", [(d.isoformat(),) for d in dates])
    unbound = ibis.table({"d": "date"}, name="t")
    for months in (1, 6, 11, 12, 13, 24, 40):
        want = [int(add_months(d, months).strftime("%Y%m%d")) for d in dates]
        got = backend.execute(table.select(k=scoring.add_months_key(table.d, months)))["k"].tolist()
        assert got == want, months
        sql = ibis.to_sql(unbound.select(k=scoring.add_months_key(unbound.d, months)), dialect="sqlite")
        assert [row[0] for row in db.execute(str(sql))] == want, months


def test_a_scheme_needing_licences_needs_the_eligibility_table() -> None:
    subjects, records, _ = scoring.unbound_tables()
    with pytest.raises(ValueError, match="eligibility"):
        scoring.standings(subjects, records, day=NEAR, scheme=SCHEMES["jiangxi"])
