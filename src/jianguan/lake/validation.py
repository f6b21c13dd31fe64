"""Validation of a batch against its registered schema, as one DuckDB query over Arrow data.

Input columns may be text (CSV, JSON lines, HJ 212) or already typed (Parquet); each is converted
with ``TRY_CAST`` so a bad value makes that record invalid, never the batch. Each record gets the
first problem found (missing, unparseable, not finite, out of range, too long, not allowed, unknown
device, time in the future); records with a problem go to quarantine with a reason in Chinese and
English, the others come out typed, with the system columns, duplicates inside the batch removed.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

from jianguan.lake.schemas import BOOL, DUCKDB_TYPES, FLOAT, INT, STRING, TIMESTAMP, DataType

FUTURE_TOLERANCE_HOURS = 24
EARLIEST = "2000-01-01"

_local = threading.local()


def connection() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB connection for validation: one thread, the project's time zone."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(config={"threads": 1})
        con.execute(f"SET TimeZone = '{settings.TIME_ZONE}'")
        con.execute("SET parquet_can_have_nan = true")
        _local.con = con
    return con


@dataclass
class Checked:
    good: pa.Table  # typed, schema of the data type, system columns filled, unique on the key
    bad: list[dict[str, Any]]  # {"row", "device", "reason_code", "reason", "raw"}
    in_batch_duplicates: int


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value_expr(kind: str, col: str) -> str:
    if kind == STRING:
        return f"NULLIF(CAST({col} AS VARCHAR), '')"
    if kind == TIMESTAMP:
        return f"TRY_CAST({col} AS TIMESTAMPTZ)"
    return f"TRY_CAST({col} AS {DUCKDB_TYPES[kind]})"


def _text(col: str) -> str:
    return f"COALESCE(CAST({col} AS VARCHAR), '')"


def validation_sql(
    dtype: DataType, present: set[str], *, check_devices: bool, text_columns: set[str] | None = None
) -> str:
    """The query: ``raw_in`` (with ``_row``) → one row per record with typed values and a problem.

    ``text_columns`` are the input columns holding text (CSV, JSON): only those can be blank or
    fail to parse; a typed column (Parquet) is only checked for nulls, ranges and lengths."""
    texts = present if text_columns is None else text_columns
    values: list[str] = []
    problems: list[str] = []  # (code, text) pairs as SQL expressions, first match wins
    for column in dtype.columns:
        name = column.name
        source_col = f"raw_in.{_q(name)}" if name in present else "NULL"
        value = _value_expr(column.kind, source_col)
        values.append(f"{value} AS {_q(name)}")
        v = f"({value})"
        raw_text = _text(source_col)
        checks: list[tuple[str, str, str]] = []
        textual = name in texts or name not in present
        is_blank = (
            f"({source_col} IS NULL OR CAST({source_col} AS VARCHAR) = '')" if textual else f"({source_col} IS NULL)"
        )
        if column.required:
            checks.append(("missing", is_blank, f"'{name}: 缺少必填值 (missing required value)'"))
        if column.kind != STRING and name in present:
            type_zh = {FLOAT: "数值", INT: "整数", TIMESTAMP: "时间", BOOL: "布尔值"}[column.kind]
            checks.append(
                (
                    "unparseable",
                    f"(NOT {is_blank} AND {v} IS NULL)",
                    f"'{name}: ' || {raw_text} || ' 不是有效的{type_zh} (not a valid {column.kind})'",
                )
            )
        if column.kind == FLOAT:
            checks.append(
                ("not_finite", f"(NOT isfinite({v}))", f"'{name}: ' || {raw_text} || ' 不是有限数值 (not finite)'")
            )
        if column.minimum is not None or column.maximum is not None:
            low = column.minimum if column.minimum is not None else float("-inf")
            high = column.maximum if column.maximum is not None else float("inf")
            conds = []
            if column.minimum is not None:
                conds.append(f"{v} < {column.minimum!r}")
            if column.maximum is not None:
                conds.append(f"{v} > {column.maximum!r}")
            span = f"{_fmt(low)}–{_fmt(high)}"
            checks.append(
                (
                    "out_of_range",
                    f"({' OR '.join(conds)})",
                    f"'{name}: ' || {raw_text} || ' 超出物理范围 {span} (out of range {span})'",
                )
            )
        if column.max_length is not None:
            checks.append(
                (
                    "too_long",
                    f"(length({v}) > {column.max_length})",
                    f"'{name}: 长度超过 {column.max_length} (longer than {column.max_length})'",
                )
            )
        if column.choices:
            allowed = ", ".join(_lit(c) for c in column.choices)
            listed = "/".join(column.choices)
            checks.append(
                (
                    "not_allowed",
                    f"({v} NOT IN ({allowed}))",
                    f"'{name}: ' || {raw_text} || ' 不在允许值 {listed} 中 (not one of {listed})'",
                )
            )
        if column.kind == TIMESTAMP:
            checks.append(
                (
                    "future_time",
                    f"({v} > now() + INTERVAL {FUTURE_TOLERANCE_HOURS} HOUR)",
                    f"'{name}: ' || {raw_text} || ' 晚于当前时间 (in the future)'",
                )
            )
            checks.append(
                (
                    "out_of_range",
                    f"({v} < TIMESTAMPTZ '{EARLIEST}')",
                    f"'{name}: ' || {raw_text} || ' 早于 {EARLIEST} (before {EARLIEST})'",
                )
            )
        problems.extend(f"WHEN {cond} THEN [{_lit(code)}, {text}]" for code, cond, text in checks)
    if check_devices:
        device = f"raw_in.{_q('device')}" if "device" in present else "NULL"
        problems.append(
            f"WHEN {device} IS NOT NULL AND CAST({device} AS VARCHAR) NOT IN (SELECT serial FROM known_devices) "  # noqa: S608 — schema names
            f"THEN ['unknown_device', 'device: ' || CAST({device} AS VARCHAR) || ' 不是已登记的设备 (unknown device)']"
        )
    problem = "CASE " + " ".join(problems) + " END" if problems else "NULL"
    return f"SELECT raw_in._row AS _row, {', '.join(values)}, {problem} AS _problem FROM raw_in"  # noqa: S608 — schema names, literals quoted


def fixed_offset_seconds() -> int | None:
    """The time zone's offset when it has no daylight saving (Asia/Shanghai: +08:00), else None."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.TIME_ZONE)
    year = dt.datetime.now(dt.UTC).year
    offsets = {dt.datetime(year, month, 1, tzinfo=zone).utcoffset() for month in (1, 4, 7, 10)}
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return int(offset.total_seconds()) if offset is not None else 0


def _date_expr(col: str) -> str:
    """The local day of a timestamp as YYYY-MM-DD: plain arithmetic for a fixed-offset zone (ICU's
    per-value time-zone conversion is ten times slower), ICU otherwise."""
    offset = fixed_offset_seconds()
    if offset is None:
        return f"strftime(timezone({_lit(settings.TIME_ZONE)}, {col}), '%Y-%m-%d')"
    return f"CAST(CAST(make_timestamp(epoch_us({col}) + {offset * 1_000_000}) AS DATE) AS VARCHAR)"


def _fmt(value: float) -> str:
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "-∞"
    return str(int(value)) if float(value).is_integer() else str(value)


def validate(
    dtype: DataType,
    table: pa.Table,
    *,
    source: str,
    batch: str,
    devices: frozenset[str] | None = None,
    raw: list[bytes] | None = None,
) -> Checked:
    """Check every record of ``table``; ``raw`` (one bytes per row) is what bad records keep."""
    con = connection()
    present = {name for name in table.column_names if name in set(dtype.column_names)}
    raw_in = table.select(sorted(present)) if present else pa.table({"_dummy": pa.nulls(table.num_rows)})
    raw_in = raw_in.append_column("_row", pa.array(np.arange(table.num_rows, dtype="int64")))
    con.register("raw_in", raw_in)
    if devices is not None:
        con.register("known_devices", pa.table({"serial": pa.array(sorted(devices), pa.string())}))
    try:
        texts = {
            name
            for name in present
            if pa.types.is_string(table.schema.field(name).type)
            or pa.types.is_large_string(table.schema.field(name).type)
            or pa.types.is_null(table.schema.field(name).type)
            or pa.types.is_binary(table.schema.field(name).type)
        }
        sql = validation_sql(dtype, present, check_devices=devices is not None, text_columns=texts)
        cols = ", ".join(_q(c) for c in dtype.column_names)
        # one pass: typed values, the problem, the system columns
        checked = con.sql(
            f"SELECT _row, {cols}, _problem, {_lit(source)} AS source, "  # noqa: S608 — literals quoted
            f"{_date_expr(_q(dtype.time_column))} AS date, {_lit(batch)} AS batch FROM ({sql})"
        ).to_arrow_table()
    finally:
        con.unregister("raw_in")
        if devices is not None:
            con.unregister("known_devices")
    problem = checked.column("_problem")
    bad_rows: list[tuple[int, str | None, str, str]] = []
    if problem.null_count < checked.num_rows:
        flagged = checked.filter(pc.is_valid(problem)).select(["_row", "device", "_problem"]).to_pylist()
        bad_rows = [(r["_row"], r["device"], r["_problem"][0], r["_problem"][1]) for r in flagged]
        good = checked.filter(pc.is_null(problem))
    else:
        good = checked
    valid = good.num_rows
    good = _unique(good, dtype.key)
    good = good.drop_columns(["_row", "_problem"])
    good = good.cast(dtype.arrow_schema())
    bad: list[dict[str, Any]] = []
    if bad_rows:
        rows = [row[0] for row in bad_rows]
        raws = [raw[i] for i in rows] if raw is not None else _rows_as_json(table, rows)
        for (row, device, code, text), payload in zip(bad_rows, raws, strict=True):
            bad.append({"row": row, "device": device, "reason_code": code, "reason": text, "raw": payload})
    duplicates = valid - good.num_rows
    return Checked(good=good, bad=bad, in_batch_duplicates=duplicates)


def _unique(table: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """The first record of each key (same device, time and type): a reading sent twice counts once."""
    if table.num_rows < 2:
        return table
    con = connection()
    con.register("valid_in", table)
    try:
        cols = ", ".join(_q(k) for k in key)
        counted = con.execute(f"SELECT count(DISTINCT ({cols})) FROM valid_in").fetchall()  # noqa: S608
        if counted and counted[0][0] == table.num_rows:
            return table
        unique = con.sql(
            f"SELECT * FROM valid_in QUALIFY row_number() OVER (PARTITION BY {cols} ORDER BY _row) = 1 "  # noqa: S608
            "ORDER BY _row"
        ).to_arrow_table()
    finally:
        con.unregister("valid_in")
    return unique.cast(table.schema)


def _rows_as_json(table: pa.Table, rows: list[int]) -> list[bytes]:
    picked = table.take(pa.array(rows, pa.int64())).to_pylist()
    return [json.dumps(record, ensure_ascii=False, default=str).encode("utf-8") for record in picked]
