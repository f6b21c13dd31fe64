"""Reads for the lake's status page: tables, latest data per source, the quarantine — scoped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jianguan.core.access import scope_queryset
from jianguan.core.models import Device, User
from jianguan.lake.schemas import QUARANTINE
from jianguan.lake.store import TableInfo, table_info, table_names

QUARANTINE_SHOWN = 50


@dataclass
class LakeStatus:
    tables: list[TableInfo]
    latest: list[dict[str, Any]]  # table, label, source, rows, latest ts
    quarantine: list[dict[str, Any]]
    quarantine_by_reason: list[tuple[str, int]]


def _sees_everything(user: User) -> bool:
    return bool(
        user.is_superuser or (user.jurisdiction_id and user.jurisdiction and user.jurisdiction.parent_id is None)
    )


def lake_status(*, user: User) -> LakeStatus:
    from jianguan.lake.query import connect

    tables = [table_info(name) for name in table_names()]
    con = connect()
    latest: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    by_reason: list[tuple[str, int]] = []
    try:
        existing = {t.name: t for t in tables if t.exists}
        for name, info in existing.items():
            if name == QUARANTINE:
                continue
            for source, rows, last in con.sql(
                f"SELECT source, count(*), max(ts) FROM {name} GROUP BY source ORDER BY source"  # noqa: S608 — registered table names
            ).fetchall():
                latest.append({"table": name, "label": info.label, "source": source, "rows": rows, "latest": last})
        if QUARANTINE in existing:
            everything = _sees_everything(user)
            serials = set(scope_queryset(Device.objects.all(), user).values_list("serial", flat=True))
            rows = con.sql(
                "SELECT received_at, data_type, device, source, reason_code, reason, raw FROM quarantine "
                "ORDER BY received_at DESC LIMIT 5000"
            ).fetchall()
            counts: dict[str, int] = {}
            for received_at, data_type, device, source, code, reason, raw in rows:
                if not (everything or (device is not None and device in serials)):
                    continue
                counts[code] = counts.get(code, 0) + 1
                if len(quarantine) < QUARANTINE_SHOWN:
                    quarantine.append(
                        {
                            "received_at": received_at,
                            "data_type": data_type or "",
                            "device": device or "",
                            "source": source,
                            "code": code,
                            "reason": reason,
                            "raw": _preview(raw),
                        }
                    )
            by_reason = sorted(counts.items(), key=lambda item: -item[1])
    finally:
        con.close()
    return LakeStatus(tables, latest, quarantine, by_reason)


def _preview(raw: bytes | None, limit: int = 160) -> str:
    if not raw:
        return ""
    text = raw[:limit].decode("utf-8", errors="backslashreplace")
    printable = "".join(ch if ch.isprintable() else "·" for ch in text)
    return printable + ("…" if len(raw) > limit else "")
