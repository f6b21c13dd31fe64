"""Read-only SQL over the lake (``jianguan lake query``): every table is a view in an in-memory
DuckDB; only SELECT statements run, and the connection cannot touch files or change its settings."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from django.conf import settings

from jianguan.lake.store import open_table, table_names


class QueryRefused(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en})")
        self.zh, self.en = zh, en


ALLOWED = {duckdb.StatementType.SELECT}


def check_read_only(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"SQL 无法解析：{exc}", f"cannot parse the SQL: {exc}") from None
    if not statements:
        raise QueryRefused("没有 SQL 语句", "no SQL statement")
    for statement in statements:
        if statement.type not in ALLOWED:
            kind = statement.type.name
            raise QueryRefused(f"只允许查询（SELECT），拒绝 {kind} 语句", f"read-only: {kind} statements are refused")


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every existing lake table registered, then locked down."""
    con = duckdb.connect(config={"threads": 2})
    con.execute(f"SET TimeZone = '{settings.TIME_ZONE}'")
    for name in table_names():
        table = open_table(name)
        if table is not None:
            con.register(name, table.to_pyarrow_dataset())
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_query(sql: str, *, limit: int | None = 1000) -> pa.Table:
    check_read_only(sql)
    con = connect()
    try:
        relation = con.sql(sql)
        if relation is None:
            raise QueryRefused("语句没有返回结果", "the statement returns no rows")
        if limit is not None:
            relation = relation.limit(limit)
        return relation.to_arrow_table()
    except duckdb.Error as exc:
        raise QueryRefused(f"查询失败：{exc}", f"query failed: {exc}") from None
    finally:
        con.close()
