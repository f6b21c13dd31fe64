"""Everyone's credit as of a day: one set-based job over the tables of subjects and records.

Business description: for a day and a scheme, compute each subject's score, grade and blacklist
status from the behaviour records in force that day — exactly what
:func:`jianguan.credit.domain.standing_on` computes for one subject, for all subjects at once, as
one SQL statement (a filtered scan of the records, one aggregation per subject, one window over the
larger accidents). Written once as an Ibis expression over unbound tables and compiled to the
dialect of the database that holds the tables (PostgreSQL, SQLite), or run by DuckDB over frames.
The tests compare it with the domain module on random record sets.

Points are summed in whole cents (``round(points × 100)``), so thresholds are exact on every engine,
including SQLite where decimals are stored as floating point.

The tables the job reads (the column names are the contract; other columns are ignored):

* subjects: ``subject_id``;
* records: ``subject_id, kind ('bad'|'good'), severity ('A'|'B'|'C'|null), points, event_date,
  valid_until, revoked_on, trigger (null or a :class:`~jianguan.credit.domain.Trigger`),
  penalised (boolean), settled_on``;
* eligibility (only for schemes whose base needs valid licences): ``subject_id, valid_from,
  valid_until`` (valid_until null: open-ended).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from jianguan.credit.domain import BlacklistReason, Kind, Scheme, Trigger

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

SUBJECT_SCHEMA = {"subject_id": "int64"}
RECORD_SCHEMA = {
    "subject_id": "int64",
    "kind": "string",
    "severity": "string",
    "points": "decimal(8, 2)",
    "event_date": "date",
    "valid_until": "date",
    "revoked_on": "date",
    "trigger": "string",
    "penalised": "boolean",
    "settled_on": "date",
}
ELIGIBILITY_SCHEMA = {"subject_id": "int64", "valid_from": "date", "valid_until": "date"}

# The blacklist flag columns of the result, one per reason.
FLAG_COLUMNS: dict[BlacklistReason, str] = {
    BlacklistReason.FORGED_QUALIFICATION: "bl_forged",
    BlacklistReason.SUBCONTRACT_OR_LENDING: "bl_lending",
    BlacklistReason.MAJOR_ACCIDENT: "bl_major",
    BlacklistReason.TWO_LARGER_ACCIDENTS: "bl_larger",
    BlacklistReason.WAGE_ARREARS_UNPAID: "bl_wages",
}
OUTPUT_COLUMNS = (
    "subject_id",
    "score_cents",
    "grade",
    "base_cents",
    "additions_cents",
    "deductions_cents",
    "blacklisted",
    *FLAG_COLUMNS.values(),
)


@dataclass(frozen=True)
class Tables:
    """Names of the tables the job reads."""

    subjects: str = "credit_subjects"
    records: str = "credit_records"
    eligibility: str = "credit_eligibility"


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    return ibis.ifelse(condition, 1, 0)


def date_key(year: ir.IntegerValue, month: ir.IntegerValue, day: ir.IntegerValue) -> ir.IntegerValue:
    """A date as the integer yyyymmdd: ordered as the dates are, on every engine."""
    return year * 10000 + month * 100 + day


def add_months_key(date: ir.DateValue, months: int) -> ir.IntegerValue:
    """:func:`jianguan.credit.domain.add_months` in SQL, as a yyyymmdd key (no division, no date
    functions beyond extracting the parts, so SQLite, PostgreSQL, DuckDB and Spark agree)."""
    whole_years, extra_months = divmod(months, 12)
    shifted = date.month() - 1 + extra_months  # 0 … 22
    carry = shifted >= 12
    year = date.year() + whole_years + ibis.ifelse(carry, 1, 0)
    month = ibis.ifelse(carry, shifted - 11, shifted + 1)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = ibis.cases(
        (month == 2, ibis.ifelse(leap, 29, 28)),
        (month.isin([4, 6, 9, 11]), 30),
        else_=31,
    )
    return date_key(year, month, ibis.least(date.day(), month_days))


def standings(
    subjects: ir.Table,
    records: ir.Table,
    *,
    day: dt.date,
    scheme: Scheme,
    eligibility: ir.Table | None = None,
) -> ir.Table:
    """One row per subject: its standing on ``day`` (columns :data:`OUTPUT_COLUMNS`; money-like
    values in cents, blacklist flags as 0/1)."""
    today = ibis.literal(day, type="date")
    r = records
    in_force = r.filter(
        (r.event_date <= today) & (r.valid_until >= today) & (r.revoked_on.isnull() | (r.revoked_on > today))
    )
    cents = (in_force.points * 100).round().cast("int64")
    bad = in_force.kind == Kind.BAD.value
    trigger = in_force.trigger
    deducted = bad & in_force.severity.isin([s.value for s in scheme.deducted_severities])
    per_subject = in_force.group_by("subject_id").aggregate(
        good_cents=ibis.ifelse(in_force.kind == Kind.GOOD.value, cents, 0).sum(),
        bad_cents=ibis.ifelse(deducted, cents, 0).sum(),
        bl_forged=_flag(bad & (trigger == Trigger.FORGED_QUALIFICATION.value)).max(),
        bl_lending=_flag(bad & (trigger == Trigger.SUBCONTRACT_OR_LENDING.value) & in_force.penalised).max(),
        bl_major=_flag(bad & (trigger == Trigger.MAJOR_ACCIDENT.value)).max(),
        bl_wages=_flag(
            bad
            & (trigger == Trigger.WAGE_ARREARS.value)
            & (in_force.settled_on.isnull() | (in_force.settled_on > today))
        ).max(),
    )

    # Two larger accidents within the window (the later on or before the earlier's anniversary): with
    # the accidents in force sorted by date, some pair is close enough exactly when a consecutive pair is.
    larger = in_force.filter(bad & (trigger == Trigger.LARGER_ACCIDENT.value)).select("subject_id", "event_date")
    by_date = ibis.window(group_by="subject_id", order_by="event_date")
    larger = larger.mutate(previous=larger.event_date.lag().over(by_date))
    close = larger.event_date
    larger = larger.mutate(
        close=_flag(
            larger.previous.notnull()
            & (
                date_key(close.year(), close.month(), close.day())
                <= add_months_key(larger.previous, scheme.accident_window_months)
            )
        )
    )
    larger_pairs = larger.group_by("subject_id").aggregate(bl_larger=larger.close.max())

    s = subjects.select("subject_id")
    joined = s.left_join(per_subject, "subject_id").select(s.subject_id, *_aggregate_columns(per_subject))
    joined = joined.left_join(larger_pairs, "subject_id").select(joined, larger_pairs.bl_larger)

    base = _cents(scheme.base)
    if scheme.base_requires_eligibility:
        if eligibility is None:
            raise ValueError(f"scheme {scheme.name} needs the eligibility table")
        e = eligibility
        eligible = (
            e.filter((e.valid_from <= today) & (e.valid_until.isnull() | (e.valid_until >= today)))
            .select("subject_id")
            .distinct()
            .mutate(eligible=ibis.literal(1))
        )
        joined = joined.left_join(eligible, "subject_id").select(joined, eligible.eligible)
        base_cents: ir.IntegerValue = ibis.ifelse(joined.eligible.fill_null(0) == 1, base, 0)
    else:
        base_cents = ibis.literal(base, type="int64")

    good = joined.good_cents.fill_null(0)
    additions = good if scheme.addition_cap is None else ibis.least(good, _cents(scheme.addition_cap))
    deductions = joined.bad_cents.fill_null(0)
    score = base_cents + additions - deductions
    if scheme.floor is not None:
        score = ibis.greatest(score, _cents(scheme.floor))
    flags = {column: joined[column].fill_null(0) for column in FLAG_COLUMNS.values()}
    blacklisted = ibis.greatest(*flags.values())
    grade = _grade(score, scheme)
    if scheme.blacklist_grade is not None:
        grade = ibis.ifelse(blacklisted == 1, scheme.blacklist_grade, grade)
    return joined.select(
        subject_id=joined.subject_id,
        score_cents=score.cast("int64"),
        grade=grade,
        base_cents=base_cents.cast("int64"),
        additions_cents=additions.cast("int64"),
        deductions_cents=deductions.cast("int64"),
        blacklisted=blacklisted,
        **flags,
    )


def _aggregate_columns(per_subject: ir.Table) -> list[ir.Value]:
    return [per_subject[c] for c in ("good_cents", "bad_cents", "bl_forged", "bl_lending", "bl_major", "bl_wages")]


def _grade(score: ir.IntegerValue, scheme: Scheme) -> ir.StringValue:
    branches = [(score >= _cents(band.min_score), band.grade) for band in scheme.bands if band.min_score is not None]
    fallback = scheme.bands[-1].grade
    if not branches:
        return ibis.literal(fallback)
    return ibis.cases(*branches, else_=fallback)


def unbound_tables(tables: Tables = Tables()) -> tuple[ir.Table, ir.Table, ir.Table]:
    """The job's input tables by name, for compiling to SQL."""
    return (
        ibis.table(SUBJECT_SCHEMA, name=tables.subjects),
        ibis.table(RECORD_SCHEMA, name=tables.records),
        ibis.table(ELIGIBILITY_SCHEMA, name=tables.eligibility),
    )


def standings_sql(*, day: dt.date, scheme: Scheme, dialect: str, tables: Tables = Tables()) -> str:
    """The job as one SELECT statement in ``dialect`` (postgres, sqlite, duckdb …)."""
    subjects, records, eligibility = unbound_tables(tables)
    expr = standings(subjects, records, day=day, scheme=scheme, eligibility=eligibility)
    return str(ibis.to_sql(expr, dialect=dialect))


def dialect_of(vendor: str) -> str:
    """The sqlglot dialect of a Django database vendor."""
    return {"postgresql": "postgres", "sqlite": "sqlite"}.get(vendor, vendor)


@dataclass(frozen=True)
class Row:
    """One subject's standing as the job computed it."""

    subject_id: int
    score: Decimal
    grade: str
    base: Decimal
    additions: Decimal
    deductions: Decimal
    blacklist: frozenset[BlacklistReason]

    @property
    def blacklisted(self) -> bool:
        return bool(self.blacklist)


def rows_from_tuples(tuples: Iterable[Sequence[Any]]) -> list[Row]:
    """Result tuples (in :data:`OUTPUT_COLUMNS` order) as :class:`Row` objects."""
    rows = []
    reasons = list(FLAG_COLUMNS)
    for values in tuples:
        flags = values[7:]
        rows.append(
            Row(
                subject_id=int(values[0]),
                score=Decimal(int(values[1])) / 100,
                grade=str(values[2]),
                base=Decimal(int(values[3])) / 100,
                additions=Decimal(int(values[4])) / 100,
                deductions=Decimal(int(values[5])) / 100,
                blacklist=frozenset(reason for reason, flag in zip(reasons, flags, strict=True) if int(flag)),
            )
        )
    return rows


def run_on_cursor(cursor: Any, *, day: dt.date, scheme: Scheme, dialect: str, tables: Tables = Tables()) -> list[Row]:
    """Run the job on a DB-API cursor whose database holds the tables; rows ordered by subject."""
    sql = standings_sql(day=day, scheme=scheme, dialect=dialect, tables=tables)
    cursor.execute(f"SELECT * FROM ({sql}) AS standings ORDER BY subject_id")  # noqa: S608 — compiled by Ibis
    return rows_from_tuples(cursor.fetchall())


def run_on_backend(
    backend: BaseBackend,
    subjects: ir.Table,
    records: ir.Table,
    *,
    day: dt.date,
    scheme: Scheme,
    eligibility: ir.Table | None = None,
) -> list[Row]:
    """Run the job on an Ibis backend (DuckDB, Spark) over tables it holds."""
    expr = standings(subjects, records, day=day, scheme=scheme, eligibility=eligibility).order_by("subject_id")
    frame = backend.execute(expr)
    return rows_from_tuples(frame[list(OUTPUT_COLUMNS)].itertuples(index=False, name=None))
