"""Check-ins copied to the lake's ``attendance`` table (history), from the batch outbox.

Each run takes the batches not yet copied, writes their check-ins as one lake batch whose id names
them (``attendance:<first>-<last>:<count>``), then marks them copied. The lake skips a batch id it
has committed and drops records whose key (device, time, PIN) it already holds, so a run
interrupted between the lake's commit and the marking writes nothing twice when it is repeated,
and a lake that is down loses nothing: the batches wait in the database until the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
from django.db import transaction

from jianguan.attendance.models import CheckIn, CheckInBatch

LAKE_SOURCE = "http"  # the channel, as the lake names channels: both terminals' protocols are HTTP
MAX_BATCHES_PER_RUN = 2000


@dataclass(frozen=True)
class LakeCopy:
    batches: int
    written: int
    duplicates: int
    lake_batch: str = ""


def _small_int(value: str, high: int) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and int(value) <= high else None


def checkins_table(batch_ids: list[int]) -> pa.Table:
    """The check-ins these batches stored, in the lake's ``attendance`` schema."""
    devices: list[str] = []
    times: list[dt.datetime] = []
    people: list[str] = []
    directions: list[int | None] = []
    verifies: list[int | None] = []
    sites: list[str | None] = []
    for start in range(0, len(batch_ids), 500):
        rows = (
            CheckIn.objects.filter(batch_id__in=batch_ids[start : start + 500])
            .order_by("id")
            .values_list("device__serial", "punched_at", "pin", "status", "verify", "bid_section__code")
        )
        for serial, punched_at, pin, status, verify, site in rows.iterator(chunk_size=5000):
            devices.append(serial)
            times.append(punched_at)
            people.append(pin)
            directions.append(_small_int(status, 5))
            verifies.append(_small_int(verify, 255))
            sites.append(site)
    return pa.table(
        {
            "device": pa.array(devices, pa.string()),
            "ts": pa.array(times, pa.timestamp("us", tz="UTC")),
            "person": pa.array(people, pa.string()),
            "direction": pa.array(directions, pa.int64()),
            "verify": pa.array(verifies, pa.int64()),
            "site": pa.array(sites, pa.string()),
        }
    )


def checkins_to_lake(*, max_batches: int = MAX_BATCHES_PER_RUN) -> LakeCopy:
    """Copy the check-ins of the batches not yet in the lake; idempotent (see the module doc)."""
    from jianguan.lake.schemas import data_type
    from jianguan.lake.store import write_batch

    pending = list(CheckInBatch.objects.filter(lake_batch="").order_by("id").values_list("id", flat=True)[:max_batches])
    if not pending:
        return LakeCopy(0, 0, 0)
    lake_batch = f"attendance:{pending[0]}-{pending[-1]}:{len(pending)}"
    table = checkins_table(pending)
    result = write_batch(data_type("attendance"), table, source=LAKE_SOURCE, batch=lake_batch)
    with transaction.atomic():
        for start in range(0, len(pending), 500):
            CheckInBatch.objects.filter(pk__in=pending[start : start + 500]).update(lake_batch=lake_batch)
    return LakeCopy(len(pending), result.written, result.duplicates, lake_batch)


def checkins_to_lake_all() -> list[LakeCopy]:
    """Run until every stored batch is in the lake."""
    runs: list[LakeCopy] = []
    while True:
        copy = checkins_to_lake()
        if not copy.batches:
            return runs
        runs.append(copy)
