"""The Delta tables under ``settings.LAKE_URI``: creation, idempotent batch writes, quarantine,
maintenance.

A batch has an id; it is written with the Delta transaction ``(app id = "jianguan.lake/<batch>",
version 1)``. Before writing, the table's log is asked for that app id: when it is there the batch
was committed already and nothing is written (delta-rs would commit it again otherwise). Records
whose key (device, time, type) is already in the table are not written again. Writes to one table
are serialised by a lock file beside the table (a local lake; on an object store, run one writer per
table — the ingestion service).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
from deltalake.exceptions import TableNotFoundError
from django.conf import settings

from jianguan.lake.schemas import (
    AUDIT_TABLES,
    DATA_TYPES,
    PARTITION_BY,
    QUARANTINE,
    QUARANTINE_SCHEMA,
    DataType,
)
from jianguan.lake.validation import Checked, connection, validate

AUDIT_CONFIGURATION = {
    # History stays readable: old log entries and replaced files are kept (about a century).
    "delta.logRetentionDuration": "interval 36500 days",
    "delta.deletedFileRetentionDuration": "interval 36500 days",
}
VACUUM_RETENTION_HOURS = 7 * 24


def lake_uri() -> str:
    return str(settings.LAKE_URI).rstrip("/")


def storage_options() -> dict[str, str] | None:
    return getattr(settings, "LAKE_STORAGE_OPTIONS", None) or None


def table_uri(name: str) -> str:
    return f"{lake_uri()}/{name}"


def is_local() -> bool:
    return "://" not in lake_uri() or lake_uri().startswith("file://")


def open_table(name: str) -> DeltaTable | None:
    try:
        return DeltaTable(table_uri(name), storage_options=storage_options())
    except TableNotFoundError:
        return None


def ensure_table(name: str) -> DeltaTable:
    """The table, created empty with its registered schema when it does not exist yet."""
    table = open_table(name)
    if table is not None:
        return table
    schema = QUARANTINE_SCHEMA if name == QUARANTINE else DATA_TYPES[name].arrow_schema()
    if is_local():
        Path(table_uri(name)).mkdir(parents=True, exist_ok=True)
    return DeltaTable.create(
        table_uri(name),
        schema,
        partition_by=PARTITION_BY,
        mode="ignore",
        name=name,
        configuration=AUDIT_CONFIGURATION if name in AUDIT_TABLES else None,
        storage_options=storage_options(),
    )


@contextmanager
def table_lock(name: str) -> Iterator[None]:
    if not is_local():
        yield
        return
    folder = Path(lake_uri()) / "_locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def app_id(batch: str) -> str:
    return f"jianguan.lake/{batch}"


def committed(table: DeltaTable, batch: str) -> bool:
    """Whether this batch's transaction is in the table's log already."""
    return table.transaction_version(app_id(batch)) is not None


def _commit(batch: str) -> CommitProperties:
    return CommitProperties(app_transactions=[Transaction(app_id(batch), 1)], max_commit_retries=20)


@dataclass
class BatchResult:
    data_type: str
    batch: str
    received: int = 0
    written: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped: bool = False  # the batch was committed before: nothing written now
    problems: list[dict[str, Any]] = field(default_factory=list)  # the first few, for the sender

    def as_dict(self) -> dict[str, Any]:
        return {
            "data_type": self.data_type,
            "batch": self.batch,
            "received": self.received,
            "written": self.written,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "already_committed": self.skipped,
            "problems": self.problems,
        }


MAX_PROBLEMS_REPORTED = 20


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _pruning_predicate(dtype: DataType, good: pa.Table) -> str:
    """Only files that can hold one of these keys: the same days, and (by the file statistics in
    the log) overlapping time and device ranges."""
    days = sorted(set(pc.unique(good.column("date")).to_pylist()))
    parts = [f"date IN ({', '.join(_sql_text(d) for d in days)})"]
    for name in ("ts", "device"):
        if name not in dtype.key or good.column(name).null_count == good.num_rows:
            continue
        bounds = pc.min_max(good.column(name))
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        if isinstance(low, dt.datetime):
            low_text = low.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            high_text = high.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        else:
            low_text, high_text = str(low), str(high)
        parts.append(f"{name} >= {_sql_text(low_text)} AND {name} <= {_sql_text(high_text)}")
    return " AND ".join(parts)


def _existing_keys_filter(table: DeltaTable, dtype: DataType, good: pa.Table) -> tuple[pa.Table, int]:
    """Drop the records whose key is already in the table (looking only at the days concerned)."""
    if good.num_rows == 0 or (table.version() == 0 and not table.file_uris()):
        return good, 0
    files = table.file_uris(file_pruning_predicate=_pruning_predicate(dtype, good))
    if not files:
        return good, 0
    con = connection()
    key = list(dtype.key)
    cols = ", ".join(f'"{k}"' for k in key)
    files_sql = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    join = " AND ".join(f'e."{k}" = n."{k}"' for k in key)
    con.register("incoming", good)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stored_keys AS SELECT {cols} "  # noqa: S608 — schema names, quoted paths
            f"FROM read_parquet({files_sql}, hive_partitioning = false)"
        )
        found = con.execute(
            f"SELECT count(*) FROM incoming n WHERE EXISTS (SELECT 1 FROM stored_keys e WHERE {join})"  # noqa: S608
        ).fetchall()
        if not found or not found[0][0]:
            return good, 0
        kept = con.sql(
            f"SELECT n.* FROM incoming n WHERE NOT EXISTS (SELECT 1 FROM stored_keys e WHERE {join})"  # noqa: S608
        ).to_arrow_table()
    finally:
        con.execute("DROP TABLE IF EXISTS stored_keys")
        con.unregister("incoming")
    return kept.cast(good.schema), good.num_rows - kept.num_rows


def quarantine_write(
    rows: list[dict[str, Any]], *, data_type: str | None, source: str, batch: str, received_at: dt.datetime
) -> int:
    """Append bad records to the quarantine table, once per batch."""
    if not rows:
        return 0
    with table_lock(QUARANTINE):
        table = ensure_table(QUARANTINE)
        if committed(table, batch):
            return 0
        day = received_at.astimezone(_tz()).strftime("%Y-%m-%d")
        data = pa.table(
            {
                "received_at": pa.array([received_at] * len(rows), pa.timestamp("us", tz="UTC")),
                "data_type": pa.array([data_type] * len(rows), pa.string()),
                "device": pa.array([r.get("device") for r in rows], pa.string()),
                "reason_code": pa.array([r["reason_code"] for r in rows], pa.string()),
                "reason": pa.array([r["reason"] for r in rows], pa.string()),
                "raw": pa.array([r.get("raw") for r in rows], pa.binary()),
                "source": pa.array([source] * len(rows), pa.string()),
                "date": pa.array([day] * len(rows), pa.string()),
                "batch": pa.array([batch] * len(rows), pa.string()),
            },
            schema=QUARANTINE_SCHEMA,
        )
        write_deltalake(
            table,
            data,
            mode="append",
            partition_by=PARTITION_BY,
            commit_properties=_commit(batch),
            storage_options=storage_options(),
        )
    return len(rows)


def _tz() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.TIME_ZONE)


def write_batch(
    dtype: DataType,
    table: pa.Table,
    *,
    source: str,
    batch: str,
    devices: frozenset[str] | None = None,
    raw: list[bytes] | None = None,
    received_at: dt.datetime | None = None,
) -> BatchResult:
    """Validate a batch and write it: valid, new records to the data type's table, bad ones to
    quarantine. Running it again with the same batch id writes nothing more."""
    moment = received_at or dt.datetime.now(dt.UTC)
    result = BatchResult(data_type=dtype.name, batch=batch, received=table.num_rows)
    target = ensure_table(dtype.name)
    if committed(target, batch):
        result.skipped = True
        return result
    checked: Checked = validate(dtype, table, source=source, batch=batch, devices=devices, raw=raw)
    result.quarantined = quarantine_write(
        checked.bad, data_type=dtype.name, source=source, batch=batch, received_at=moment
    ) or len(checked.bad)
    result.problems = [
        {"row": p["row"] + 1, "device": p["device"], "code": p["reason_code"], "reason": p["reason"]}
        for p in checked.bad[:MAX_PROBLEMS_REPORTED]
    ]
    with table_lock(dtype.name):
        target = ensure_table(dtype.name)
        target.update_incremental()
        if committed(target, batch):
            result.skipped = True
            return result
        fresh, existing = _existing_keys_filter(target, dtype, checked.good)
        write_deltalake(
            target,
            fresh,
            mode="append",
            partition_by=PARTITION_BY,
            commit_properties=_commit(batch),
            storage_options=storage_options(),
        )
    result.written = fresh.num_rows
    result.duplicates = checked.in_batch_duplicates + existing
    return result


def table_names() -> list[str]:
    return [*DATA_TYPES, QUARANTINE]


@dataclass
class TableInfo:
    name: str
    label: str
    exists: bool
    version: int | None
    rows: int
    files: int
    audit: bool
    partitions: list[str]


def table_info(name: str) -> TableInfo:
    label = DATA_TYPES[name].label if name in DATA_TYPES else "隔离区"
    table = open_table(name)
    if table is None:
        return TableInfo(name, label, False, None, 0, 0, name in AUDIT_TABLES, PARTITION_BY)
    actions = table.get_add_actions(flatten=True)
    rows_col = actions.column("num_records") if "num_records" in actions.schema.names else None
    rows = sum(v or 0 for v in rows_col.to_pylist()) if rows_col is not None else 0
    return TableInfo(
        name, label, True, table.version(), int(rows), actions.num_rows, name in AUDIT_TABLES, PARTITION_BY
    )


@dataclass
class MaintenanceResult:
    table: str
    compacted_files: int = 0
    checkpoint_version: int | None = None
    vacuumed_files: int = 0


def maintain(name: str, *, vacuum: bool = True) -> MaintenanceResult:
    """Compact small files, write a checkpoint, and (not for audit tables) vacuum old files."""
    result = MaintenanceResult(name)
    with table_lock(name):
        table = open_table(name)
        if table is None:
            return result
        metrics = table.optimize.compact(target_size=128 * 1024 * 1024)
        result.compacted_files = int(metrics.get("numFilesRemoved", 0))
        table.update_incremental()
        table.create_checkpoint()
        result.checkpoint_version = table.version()
        if vacuum and name not in AUDIT_TABLES:
            removed = table.vacuum(retention_hours=VACUUM_RETENTION_HOURS, dry_run=False)
            result.vacuumed_files = len(removed)
    return result


def maintain_all() -> list[MaintenanceResult]:
    return [maintain(name) for name in table_names()]


def lake_exists() -> bool:
    return not is_local() or os.path.isdir(lake_uri())
