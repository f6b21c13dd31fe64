"""Uploads go through the batch outbox: stored and answered without the ledger's lock, then chained
into the ledger and copied to the lake, each exactly once, with nothing lost when the lake fails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable

from jianguan.attendance import history, services
from jianguan.attendance.models import CheckIn, CheckInBatch
from jianguan.core.ledger import LedgerEntry, ledger_verify
from tests.attendance.conftest import Site

pytestmark = pytest.mark.django_db

DAY1 = "1\t2026-11-02 07:58:00\t0\t1\n2\t2026-11-02 08:03:00\t0\t15\n9\t2026-11-02 08:10:00\t0\t1\n"
DAY2 = "1\t2026-11-03 07:50:00\t0\t1\n1\t2026-11-03 17:31:00\t1\t1\n"


def lake_rows(settings: Any) -> list[dict[str, Any]]:
    table = DeltaTable(str(Path(settings.LAKE_URI) / "attendance"))
    return sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: (r["ts"], r["person"]))


def test_batches_are_chained_into_the_ledger_once_in_order(site: Site) -> None:
    services.attlog_ingest(device=site.zk, body=DAY1.encode())
    services.attlog_ingest(device=site.zk, body=DAY1.encode())  # re-sent: a batch, no new rows
    services.signed_checkins_record(
        device=site.handheld, records=[{"pin": "1", "time": "2026-11-02T09:00:00"}], body=b"{}"
    )
    assert CheckInBatch.objects.filter(ledger_seq__isnull=True).count() == 3
    before = LedgerEntry.objects.count()
    assert services.batches_ledger() == 3
    assert services.batches_ledger() == 0  # never twice
    entries = list(LedgerEntry.objects.filter(action="attendance.batch.received").order_by("seq"))
    assert len(entries) == 3
    assert LedgerEntry.objects.count() == before + 3
    batches = list(CheckInBatch.objects.order_by("id"))
    assert [b.ledger_seq for b in batches] == [e.seq for e in entries]
    assert [e.actor_label for e in entries] == [f"device:{site.zk.serial}"] * 2 + [f"device:{site.handheld.serial}"]
    assert f'"batch":{batches[0].pk}' in entries[0].payload
    assert '"records":3' in entries[1].payload  # what was sent, re-sends included
    # the first upload stored the three punches; the re-send stored none
    assert CheckIn.objects.filter(batch=batches[0]).count() == 3
    assert CheckIn.objects.filter(batch=batches[1]).count() == 0
    assert ledger_verify().ok


def test_check_ins_reach_the_lake_once(site: Site, settings: Any) -> None:
    services.attlog_ingest(device=site.zk, body=DAY1.encode())
    copy = history.checkins_to_lake()
    assert (copy.batches, copy.written) == (1, 3)
    services.attlog_ingest(device=site.zk, body=(DAY1 + DAY2).encode())  # two new, three re-sent
    copy = history.checkins_to_lake()
    assert (copy.batches, copy.written) == (1, 2)
    assert history.checkins_to_lake().batches == 0
    rows = lake_rows(settings)
    assert len(rows) == 5
    first = rows[0]
    assert first["device"] == site.zk.serial
    assert first["person"] == "1"
    assert first["ts"] == dt.datetime(2026, 11, 1, 23, 58, tzinfo=dt.UTC)
    assert first["direction"] == 0
    assert first["verify"] == 1
    assert first["site"] == site.s.section.code
    assert first["date"] == "2026-11-02"
    assert first["source"] == "http"
    assert [r["direction"] for r in rows if r["ts"].hour == 9] == [1]  # 17:31 local, out


def test_a_lake_failure_loses_nothing_and_a_repeated_run_writes_nothing_twice(
    site: Site, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jianguan.lake import store

    services.attlog_ingest(device=site.zk, body=DAY1.encode())

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("object store unreachable")

    monkeypatch.setattr(store, "write_batch", broken)
    with pytest.raises(OSError, match="unreachable"):
        history.checkins_to_lake()
    assert CheckInBatch.objects.get().lake_batch == ""  # still waiting in the outbox
    monkeypatch.undo()

    # the lake commits, then the marking is lost (the process dies): the next run repeats the batch
    written = history.checkins_to_lake()
    assert written.written == 3
    CheckInBatch.objects.update(lake_batch="")  # as if the marking had never committed
    again = history.checkins_to_lake()
    assert again.batches == 1
    assert again.written == 0
    assert len(lake_rows(settings)) == 3


def test_the_sweep_chains_and_copies_what_the_on_commit_drain_missed(site: Site, settings: Any) -> None:
    from jianguan.attendance import tasks

    services.attlog_ingest(device=site.zk, body=DAY2.encode())  # on-commit callbacks do not run here
    assert CheckInBatch.objects.get().ledger_seq is None
    tasks.attendance_batches_sweep()
    batch = CheckInBatch.objects.get()
    assert batch.ledger_seq is not None
    assert batch.lake_batch.startswith("attendance:")
    assert len(lake_rows(settings)) == 2
