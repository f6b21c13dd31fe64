"""Business events exported from the ledger into the ``ledger_events`` audit table.

Each export writes the entries after the last exported ``seq`` as one batch whose id is the range
(``ledger:<first>-<last>``), so an interrupted export is finished by the next one and nothing is
written twice; the table is never vacuumed.
"""

from __future__ import annotations

import pyarrow as pa

from jianguan.lake.schemas import data_type
from jianguan.lake.store import open_table, write_batch

EXPORT_CHUNK = 50_000


def last_exported_seq() -> int:
    table = open_table("ledger_events")
    if table is None or not table.file_uris():
        return 0
    import duckdb

    files = table.file_uris()
    listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    relation = duckdb.sql(f"SELECT max(seq) FROM read_parquet({listed})")  # noqa: S608 — file paths quoted
    rows = relation.fetchall() if relation is not None else []
    row = rows[0] if rows else None
    return int(row[0] or 0) if row else 0


def export_ledger() -> int:
    from jianguan.core.models import LedgerEntry

    dtype = data_type("ledger_events")
    start = last_exported_seq()
    written = 0
    while True:
        entries = list(
            LedgerEntry.objects.filter(seq__gt=start)
            .order_by("seq")
            .values("seq", "occurred_at", "actor_label", "action", "object_type", "object_id", "payload", "hash")[
                :EXPORT_CHUNK
            ]
        )
        if not entries:
            return written
        table = pa.table(
            {
                "device": pa.array(["ledger"] * len(entries), pa.string()),
                "ts": pa.array([e["occurred_at"] for e in entries], pa.timestamp("us", tz="UTC")),
                "seq": pa.array([e["seq"] for e in entries], pa.int64()),
                "actor": pa.array([e["actor_label"] for e in entries], pa.string()),
                "action": pa.array([e["action"] for e in entries], pa.string()),
                "object_type": pa.array([e["object_type"] for e in entries], pa.string()),
                "object_id": pa.array([str(e["object_id"]) for e in entries], pa.string()),
                "payload": pa.array([e["payload"] for e in entries], pa.string()),
                "hash": pa.array([e["hash"] for e in entries], pa.string()),
            }
        )
        batch = f"ledger:{entries[0]['seq']}-{entries[-1]['seq']}"
        result = write_batch(dtype, table, source="ledger", batch=batch)
        written += result.written
        start = entries[-1]["seq"]
