"""Press readings to the lake: every reading stored in the database is also written to the lake's
``concrete_press`` Delta table (decision 0009), without losing one and without writing one twice.

The database is the outbox. A reading is stored with an empty ``lake_batch`` in the transaction that
acknowledges it to the press; :func:`readings_to_lake` takes the oldest waiting readings, writes them
as one lake batch and only then records the batch on them. If the lake write fails, nothing is
marked and the next run (after each upload, and every few minutes) tries again. If the process dies
between the lake's commit and the marking, the next run finds the same readings: the batch id (first
and last id, count) is the same and the lake skips the committed batch; if more readings have joined
the chunk meanwhile, the lake drops the keys it already holds (device, time, chip). Either way each
reading is in the table once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from jianguan.concrete.models import PressReading

CHUNK = 5000
logger = logging.getLogger(__name__)


def _table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    def tenths(value: int | None) -> float | None:
        return None if value is None else float(Decimal(value) / 10)

    return pa.table(
        {
            "device": pa.array([r["device__serial"] for r in rows], pa.string()),
            "ts": pa.array([r["tested_at"] for r in rows], pa.timestamp("us", tz="UTC")),
            "specimen": pa.array([r["chip_id"] for r in rows], pa.string()),
            "load_kn": pa.array([float(r["peak_load_kn"]) for r in rows], pa.float64()),
            "strength_mpa": pa.array([tenths(r["specimen__strength_tenths"]) for r in rows], pa.float64()),
            "size_mm": pa.array([r["specimen__group__size_mm"] for r in rows], pa.int64()),
            "lab": pa.array([r["specimen__group__lab__uscc"] for r in rows], pa.string()),
        }
    )


def readings_to_lake(*, source: str = "http", chunk: int = CHUNK) -> int:
    """Write every waiting reading to the lake; returns how many were sent (raises if the lake
    cannot be written: those readings stay waiting)."""
    from jianguan.lake.schemas import data_type
    from jianguan.lake.store import write_batch

    dtype = data_type("concrete_press")
    sent = 0
    while True:
        rows = list(
            PressReading.objects.filter(lake_batch="")
            .order_by("pk")
            .values(
                "pk",
                "device__serial",
                "tested_at",
                "chip_id",
                "peak_load_kn",
                "specimen__strength_tenths",
                "specimen__group__size_mm",
                "specimen__group__lab__uscc",
            )[:chunk]
        )
        if not rows:
            return sent
        batch = f"concrete_press:db:{rows[0]['pk']}-{rows[-1]['pk']}:{len(rows)}"
        write_batch(dtype, _table(rows), source=source, batch=batch)
        PressReading.objects.filter(pk__in=[r["pk"] for r in rows], lake_batch="").update(lake_batch=batch)
        sent += len(rows)


def readings_to_lake_logged() -> int:
    """As the tasks run it: a lake that cannot be written is logged, and the readings wait."""
    try:
        return readings_to_lake()
    except Exception:
        logger.exception("press readings could not be written to the lake; they stay in the outbox")
        return 0


def waiting() -> int:
    return PressReading.objects.filter(lake_batch="").count()
