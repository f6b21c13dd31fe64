"""Full credit recompute for a province, beside a bare aggregate over the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_credit.py
    .venv/bin/python bench/bench_credit.py --subjects 2000 --records 40000 --repeat 1   # smoke run (SQLite)

Creates a private database (bench/common.py), loads ``--subjects`` subjects and ``--records``
behaviour records drawn from the shipped catalogue (mostly minor findings, some severe records,
a few blacklist triggers, a tenth good records; dates over four years, so about a third are in force;
disclosure windows computed as the domain computes them), then measures, in the same run:

* ``bare aggregate`` — the baseline: ``INSERT … SELECT subject_id, count(*), sum(points) FROM
  records GROUP BY subject_id`` into a results table;
* ``recompute (default)`` — :mod:`jianguan.credit.scoring` for every subject as of one day (score,
  grade, blacklist flags, the larger-accident window), compiled to the database's SQL and written
  into a standings table the same way;
* ``recompute (jiangxi)`` — the same with a scheme whose base needs valid licences (one more join).

Each case is the median of ``--repeat`` runs; the results table is emptied (untimed) before each.
Afterwards a sample of subjects is recomputed one by one with the domain module and compared with
the standings the job wrote: the figure is only reported for a job that gives the right answers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_database

TARGET_SECONDS = 10.0
TARGET_SUBJECTS = 100_000
TARGET_RECORDS = 2_000_000
DAY = dt.date(2026, 11, 30)

DDL = [
    "CREATE TABLE credit_subjects (subject_id BIGINT PRIMARY KEY)",
    "CREATE TABLE credit_records (id BIGINT PRIMARY KEY, subject_id BIGINT NOT NULL, kind VARCHAR(4) NOT NULL,"
    " severity VARCHAR(1), points NUMERIC(8, 2) NOT NULL, event_date DATE NOT NULL, valid_until DATE NOT NULL,"
    " revoked_on DATE, trigger VARCHAR(32), penalised BOOLEAN NOT NULL, settled_on DATE)",
    "CREATE TABLE credit_eligibility (subject_id BIGINT NOT NULL, valid_from DATE NOT NULL, valid_until DATE)",
    "CREATE TABLE bench_bare (subject_id BIGINT, n BIGINT, points NUMERIC(12, 2))",
    "CREATE TABLE bench_standings (subject_id BIGINT, score_cents BIGINT, grade VARCHAR(8), base_cents BIGINT,"
    " additions_cents BIGINT, deductions_cents BIGINT, blacklisted INTEGER, bl_forged INTEGER, bl_lending INTEGER,"
    " bl_major INTEGER, bl_larger INTEGER, bl_wages INTEGER)",
]
RECORD_COLUMNS = [
    "id",
    "subject_id",
    "kind",
    "severity",
    "points",
    "event_date",
    "valid_until",
    "revoked_on",
    "trigger",
    "penalised",
    "settled_on",
]


def make_records(subjects: int, records: int, seed: int = 9) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records frame (columns of the job's contract) and the eligibility periods."""
    from jianguan.credit.catalogue import load_catalogue_file, shipped_catalogue_path
    from jianguan.credit.domain import Kind

    catalogue = load_catalogue_file(shipped_catalogue_path())
    items = list(catalogue.items.values())
    weight = np.array(
        [
            (0.05 if item.trigger else {"A": 1.0, "B": 3.0, "C": 6.0}[item.severity or "C"])
            if item.kind is Kind.BAD
            else 0.0
            for item in items
        ]
    )
    good = np.array([item.kind is Kind.GOOD for item in items])
    weight = 0.9 * weight / weight.sum() + 0.1 * good / good.sum()
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(items), size=records, p=weight)
    # a skewed spread: a few subjects collect many records, most a handful or none
    subject = (np.floor(subjects * rng.random(records) ** 2) + 1).astype(np.int64)
    start = np.datetime64(DAY - dt.timedelta(days=4 * 365))
    event = start + rng.integers(0, 4 * 365 + 60, size=records).astype("timedelta64[D]")
    months = np.array([item.disclosure_months or item.validity_months or 36 for item in items])[pick]
    event_index = pd.DatetimeIndex(event)
    valid_until = np.empty(records, dtype="datetime64[D]")
    for value in np.unique(months):
        chosen = months == value
        # pandas' month offset keeps the day or falls back to the month's last day, as the domain's add_months
        valid_until[chosen] = (event_index[chosen] + pd.DateOffset(months=int(value))).values.astype("datetime64[D]")
    penalty = rng.random(records) < 0.05
    penalty_until = event + rng.integers(30, 5 * 365, size=records).astype("timedelta64[D]")
    valid_until = np.where(penalty & (penalty_until > valid_until), penalty_until, valid_until)
    kind = np.array([item.kind.value for item in items], dtype=object)[pick]
    severity = np.array([item.severity.value if item.severity else None for item in items], dtype=object)[pick]
    trigger = np.array([item.trigger.value if item.trigger else None for item in items], dtype=object)[pick]
    points = np.array([item.points for item in items], dtype=object)[pick]
    revoked = np.where(
        rng.random(records) < 0.01, event + rng.integers(0, 400, size=records).astype("timedelta64[D]"), None
    )
    settled = np.where(
        (trigger == "wage_arrears") & (rng.random(records) < 0.5),
        event + rng.integers(0, 600, size=records).astype("timedelta64[D]"),
        None,
    )
    frame = pd.DataFrame(
        {
            "id": np.arange(1, records + 1),
            "subject_id": subject,
            "kind": kind,
            "severity": severity,
            "points": points,
            "event_date": event,
            "valid_until": valid_until,
            "revoked_on": pd.to_datetime(revoked),
            "trigger": trigger,
            "penalised": penalty | (rng.random(records) < 0.3),
            "settled_on": pd.to_datetime(settled),
        }
    )
    licensed = rng.random(subjects) < 0.9
    from_day = start - rng.integers(0, 3000, size=subjects).astype("timedelta64[D]")
    until = from_day + rng.integers(365, 6000, size=subjects).astype("timedelta64[D]")
    eligibility = pd.DataFrame(
        {"subject_id": np.arange(1, subjects + 1), "valid_from": from_day, "valid_until": until}
    )[licensed]
    return frame, eligibility


def load(frame: pd.DataFrame, eligibility: pd.DataFrame, subjects: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in DDL:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            _copy(raw, "credit_subjects", pd.DataFrame({"subject_id": np.arange(1, subjects + 1)}))
            _copy(raw, "credit_records", frame[RECORD_COLUMNS])
            _copy(raw, "credit_eligibility", eligibility)
            cursor.execute("ANALYZE")
        else:
            cursor.executemany("INSERT INTO credit_subjects VALUES (%s)", [(i,) for i in range(1, subjects + 1)])
            marks = ", ".join(["%s"] * len(RECORD_COLUMNS))
            rows = frame[RECORD_COLUMNS].astype(object).where(frame[RECORD_COLUMNS].notna(), None)
            for column in ("event_date", "valid_until", "revoked_on", "settled_on"):
                rows[column] = [None if v is None else pd.Timestamp(v).date() for v in rows[column]]
            cursor.executemany(f"INSERT INTO credit_records VALUES ({marks})", rows.itertuples(index=False, name=None))  # noqa: S608
            cursor.executemany(
                "INSERT INTO credit_eligibility VALUES (%s, %s, %s)",
                [
                    (int(s), pd.Timestamp(a).date(), pd.Timestamp(b).date())
                    for s, a, b in eligibility.itertuples(index=False)
                ],
            )


def _copy(raw: Any, table: str, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, date_format="%Y-%m-%d")
    with raw.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def run_sql(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def check_sample(scheme_name: str, sample: int, seed: int = 3) -> int:
    """Recompute ``sample`` subjects with the domain module and compare with bench_standings."""
    from django.db import connection

    from jianguan.credit.domain import SCHEMES, Period, Record, Subject, standing_on
    from jianguan.credit.scoring import FLAG_COLUMNS

    scheme = SCHEMES[scheme_name]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_standings")
        written = cursor.fetchone()[0]
        cursor.execute("SELECT max(subject_id) FROM credit_subjects")
        top = cursor.fetchone()[0]
        ids = random.Random(seed).sample(range(1, top + 1), min(sample, top))
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT {', '.join(RECORD_COLUMNS)} FROM credit_records WHERE subject_id IN ({marks})",  # noqa: S608
            ids,
        )
        records: dict[int, list[Record]] = {i: [] for i in ids}
        for row in cursor.fetchall():
            values = dict(zip(RECORD_COLUMNS, row, strict=True))
            records[values["subject_id"]].append(
                Record(
                    id=values["id"],
                    kind=values["kind"],
                    severity=values["severity"],
                    points=Decimal(str(values["points"])),
                    event_date=_date(values["event_date"]),
                    valid_until=_date(values["valid_until"]),
                    revoked_on=_date(values["revoked_on"]),
                    trigger=values["trigger"],
                    penalised=bool(values["penalised"]),
                    settled_on=_date(values["settled_on"]),
                )
            )
        cursor.execute(
            f"SELECT subject_id, valid_from, valid_until FROM credit_eligibility WHERE subject_id IN ({marks})",  # noqa: S608
            ids,
        )
        periods: dict[int, list[Period]] = {i: [] for i in ids}
        for subject_id, start, end in cursor.fetchall():
            periods[subject_id].append(Period(_date(start), _date(end)))  # type: ignore[arg-type]
        flags = ", ".join(FLAG_COLUMNS.values())
        cursor.execute(
            f"SELECT subject_id, score_cents, grade, {flags} FROM bench_standings WHERE subject_id IN ({marks})",  # noqa: S608
            ids,
        )
        rows = {row[0]: row for row in cursor.fetchall()}
    for subject_id in ids:
        subject = Subject(id=subject_id, eligible=tuple(periods[subject_id]))
        standing = standing_on(subject, records[subject_id], scheme, DAY)
        row = rows[subject_id]
        reasons = {reason for reason, flag in zip(FLAG_COLUMNS, row[3:], strict=True) if flag}
        got = (Decimal(row[1]) / 100, row[2], reasons)
        want = (standing.score, standing.grade, set(standing.blacklist))
        if got != want:
            raise SystemExit(f"subject {subject_id}: the job wrote {got}, the domain computes {want}")
    return int(written)


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=TARGET_SUBJECTS)
    parser.add_argument("--records", type=int, default=TARGET_RECORDS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", type=int, default=500, help="subjects compared with the domain module")
    args = parser.parse_args()

    with bench_database("credit") as database:
        from django.db import connection

        from jianguan.credit.domain import SCHEMES
        from jianguan.credit.scoring import OUTPUT_COLUMNS, dialect_of, standings_sql

        started = time.perf_counter()
        frame, eligibility = make_records(args.subjects, args.records)
        load(frame, eligibility, args.subjects)
        in_force = int(((frame.event_date <= pd.Timestamp(DAY)) & (frame.valid_until >= pd.Timestamp(DAY))).sum())
        loaded = time.perf_counter() - started
        dialect = dialect_of(connection.vendor)
        columns = ", ".join(OUTPUT_COLUMNS)

        def bare() -> None:
            run_sql(
                "INSERT INTO bench_bare"
                " SELECT subject_id, count(*), sum(points) FROM credit_records GROUP BY subject_id"
            )

        def recompute(scheme: str) -> None:
            sql = standings_sql(day=DAY, scheme=SCHEMES[scheme], dialect=dialect)  # compiling is part of the job
            run_sql(f"INSERT INTO bench_standings ({columns}) SELECT {columns} FROM ({sql}) AS job")  # noqa: S608

        def median_seconds(table: str, function: Any) -> float:
            runs = []
            for _ in range(args.repeat):
                run_sql(f"DELETE FROM {table}")  # noqa: S608 — untimed
                started = time.perf_counter()
                function()
                runs.append(time.perf_counter() - started)
            return statistics.median(runs)

        standings_sql(day=DAY, scheme=SCHEMES["default"], dialect=dialect)  # warm-up: imports the SQL compiler
        results = {"bare aggregate (baseline)": median_seconds("bench_bare", bare)}
        for scheme in ("default", "jiangxi"):
            results[f"recompute ({scheme})"] = median_seconds("bench_standings", lambda s=scheme: recompute(s))
            written = check_sample(scheme, args.check)
            if written != args.subjects:
                raise SystemExit(f"{written} standings written for {args.subjects} subjects")

    print(
        f"{database}: {args.subjects:,} subjects, {args.records:,} records ({in_force:,} in force on {DAY}),"
        f" loaded in {loaded:.1f} s"
    )
    print(f"{'case':28} {'seconds':>8} {'records/s':>12} {'× bare':>7}")
    baseline = results["bare aggregate (baseline)"]
    for name, seconds in results.items():
        print(f"{name:28} {seconds:8.2f} {args.records / seconds:12,.0f} {seconds / baseline:7.1f}")
    print(f"checked {min(args.check, args.subjects):,} subjects per scheme against the domain module: all equal")
    if args.subjects >= TARGET_SUBJECTS and args.records >= TARGET_RECORDS:
        verdict = "met" if results["recompute (default)"] < TARGET_SECONDS else "NOT met"
    else:
        verdict = "not assessed below 100,000 subjects and 2,000,000 records"
    print(f"target: {TARGET_SECONDS:.0f} s for a full recompute — {verdict}")


if __name__ == "__main__":
    main()
