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
import pyarrow as pa
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


def validation_sql(dtype: DataType, present: set[str], *, check_devices: bool) -> str:
    """The query: ``raw_in`` (with ``_row``) → one row per record with typed values and a problem."""
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
        is_blank = f"({source_col} IS NULL OR CAST({source_col} AS VARCHAR) = '')"
        if column.required:
            checks.append(("missing", is_blank, f"'{name}: 缺少必填值 (missing required value)'"))
        if column.kind != STRING:
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
    raw_in = raw_in.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    con.register("raw_in", raw_in)
    if devices is not None:
        con.register("known_devices", pa.table({"serial": pa.array(sorted(devices), pa.string())}))
    try:
        sql = validation_sql(dtype, present, check_devices=devices is not None)
        con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS {sql}")
        bad_rows = con.execute(
            "SELECT _row, CAST(device AS VARCHAR), _problem[1], _problem[2] FROM checked "
            "WHERE _problem IS NOT NULL ORDER BY _row"
        ).fetchall()
        key = ", ".join(_q(k) for k in dtype.key)
        cols = ", ".join(_q(c) for c in dtype.column_names)
        tz = settings.TIME_ZONE
        good_sql = (
            f"SELECT {cols}, {_lit(source)} AS source, "  # noqa: S608 — literals quoted
            f"strftime(timezone({_lit(tz)}, {_q(dtype.time_column)}), '%Y-%m-%d') AS date, "
            f"{_lit(batch)} AS batch FROM checked WHERE _problem IS NULL "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _row) = 1 ORDER BY _row"
        )
        good = con.sql(good_sql).to_arrow_table()
        valid_count = con.execute("SELECT count(*) FROM checked WHERE _problem IS NULL").fetchone()
        con.execute("DROP TABLE checked")
    finally:
        con.unregister("raw_in")
        if devices is not None:
            con.unregister("known_devices")
    good = good.cast(dtype.arrow_schema())
    bad: list[dict[str, Any]] = []
    if bad_rows:
        rows = [row[0] for row in bad_rows]
        raws = [raw[i] for i in rows] if raw is not None else _rows_as_json(table, rows)
        for (row, device, code, text), payload in zip(bad_rows, raws, strict=True):
            bad.append({"row": row, "device": device, "reason_code": code, "reason": text, "raw": payload})
    duplicates = int(valid_count[0] if valid_count else 0) - good.num_rows
    return Checked(good=good, bad=bad, in_batch_duplicates=duplicates)


def _rows_as_json(table: pa.Table, rows: list[int]) -> list[bytes]:
    picked = table.take(pa.array(rows, pa.int64())).to_pylist()
    return [json.dumps(record, ensure_ascii=False, default=str).encode("utf-8") for record in picked]
