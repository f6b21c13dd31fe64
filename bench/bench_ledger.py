"""Ledger append throughput, beside a bare insert of the same rows into a plain table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_ledger.py
    .venv/bin/python bench/bench_ledger.py            # SQLite

Measures (1) bulk appends (`ledger_append_many`, 1,000 events per transaction) against a bare
`executemany` of the same columns into an unindexed copy of the table, and (2) single appends, one
transaction each (what a service does), against single bare inserts, one transaction each.
"""

from __future__ import annotations

import argparse

from common import bench_database, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bulk", type=int, default=20000, help="events appended in bulk per run")
    parser.add_argument("--single", type=int, default=1000, help="events appended one by one per run")
    args = parser.parse_args()

    with bench_database("ledger") as where:
        from django.db import connection, transaction

        from jianguan.core.ledger import Event, ledger_append, ledger_append_many

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_plain (seq bigint, occurred_at timestamp with time zone, actor_label varchar(128),"
                " action varchar(100), object_type varchar(100), object_id varchar(64), payload text,"
                " prev_hash varchar(64), hash varchar(64))"
                if connection.vendor == "postgresql"
                else "CREATE TABLE bench_plain (seq integer, occurred_at text, actor_label text, action text,"
                " object_type text, object_id text, payload text, prev_hash text, hash text)"
            )
        from django.utils import timezone

        now = timezone.now()
        payload = '{"bid_section":"4205022026000101","person":"42050219800101123X","status":"in"}'
        row = (
            now,
            "device:JGDEMO0001",
            "attendance.checkin.recorded",
            "attendance.checkin",
            "1",
            payload,
            "0" * 64,
            "f" * 64,
        )

        def bare_bulk() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                for start in range(0, args.bulk, 1000):
                    cursor.executemany(
                        "INSERT INTO bench_plain VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [(start + i, *row) for i in range(1000)],
                    )

        def ledger_bulk() -> None:
            for start in range(0, args.bulk, 1000):
                events = [
                    Event(
                        "attendance.checkin.recorded",
                        "attendance.checkin",
                        str(start + i),
                        {"bid_section": "4205022026000101", "person": "42050219800101123X", "status": "in"},
                    )
                    for i in range(1000)
                ]
                ledger_append_many(actor="device:JGDEMO0001", events=events, dispatch=False)

        def bare_single() -> None:
            for i in range(args.single):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("INSERT INTO bench_plain VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", (i, *row))

        def ledger_single() -> None:
            for i in range(args.single):
                with transaction.atomic():
                    ledger_append(
                        actor="device:JGDEMO0001",
                        action="attendance.checkin.recorded",
                        object_type="attendance.checkin",
                        object_id=str(i),
                        payload={"person": "42050219800101123X", "status": "in"},
                    )

        results = [
            ("bulk, 1,000 per transaction", args.bulk, timed(bare_bulk, repeat=3), timed(ledger_bulk, repeat=3)),
            ("single, one per transaction", args.single, timed(bare_single, repeat=3), timed(ledger_single, repeat=3)),
        ]
        print(f"database: {where}")
        print(f"{'case':32} {'bare rows/s':>12} {'ledger rows/s':>14} {'ledger/bare':>12}")
        for name, count, bare, ledger in results:
            print(f"{name:32} {count / bare:12,.0f} {count / ledger:14,.0f} {bare / ledger:12.2f}")


if __name__ == "__main__":
    main()
