"""ZKTeco conversations as real terminals send them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jianguan.attendance import services
from jianguan.attendance.models import CheckIn, CheckInBatch, DeviceCommand, QuarantinedLine
from jianguan.core.ledger import LedgerEntry
from jianguan.core.services import device_suspend
from tests.attendance.conftest import Site

pytestmark = pytest.mark.django_db


def post(client: Client, sn: str, body: str, table: str = "ATTLOG", stamp: str = "9999") -> tuple[int, str]:
    response = client.post(
        f"/iclock/cdata?SN={sn}&table={table}&Stamp={stamp}", data=body.encode(), content_type="text/plain"
    )
    return response.status_code, response.content.decode()


def test_handshake_answers_the_options_block(client: Client, site: Site) -> None:
    response = client.get(f"/iclock/cdata?SN={site.zk.serial}&options=all&pushver=2.4.1&language=69")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith(f"GET OPTION FROM: {site.zk.serial}\r\n")
    keys = {line.split("=", 1)[0] for line in text.splitlines()[1:]}
    for key in (
        "Stamp",
        "OpStamp",
        "ErrorDelay",
        "Delay",
        "TransTimes",
        "TransInterval",
        "TransFlag",
        "Realtime",
        "TimeZone",
    ):
        assert key in keys
    assert "TimeZone=8" in text


def test_unknown_and_suspended_terminals_are_refused(client: Client, site: Site) -> None:
    assert client.get("/iclock/cdata?SN=NOPE&options=all").status_code == 401
    assert client.get("/iclock/cdata?options=all").status_code == 400
    device_suspend(actor="system:test", device=site.zk, reason="拆除")
    status, text = post(client, site.zk.serial, "1\t2026-11-02 08:01:00\t0\t1\n")
    assert status == 403
    assert "suspended" in text
    assert "已停用" in text
    assert CheckIn.objects.count() == 0


def test_attlog_variants_are_read_and_bad_lines_quarantined(
    client: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    body = (
        "1\t2026-11-02 08:01:00\t0\t1\t0\t0\t0\r\n"  # full line, CRLF
        "2\t2026-11-02 08:02:00\t0\t15\n"  # fewer columns
        "ATTLOG\t1\t2026-11-02 17:30:05\t1\t1\t0\n"  # table prefix
        "77\t2\t2026-11-03 08:00:00\t0\t1\n"  # uid column first
        "2 2026-11-03 17:31:00 1 1\n"  # spaces instead of tabs
        "9\t2026-11-02 09:00:00\t0\t1\t0\t0\t0\t0\t0\t0\t0   \n"  # unknown PIN, many extra columns, trailing blanks
        "1\tnot a time\t0\t1\n"
        "\t2026-11-02 10:00:00\n"
        "garbage\n"
        "\n\n"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        status, text = post(client, site.zk.serial, body)
    assert status == 200
    assert text == "OK: 6\n"
    # answered before the ledger: the batch waits in the outbox until its drain runs on commit
    assert not LedgerEntry.objects.filter(action="attendance.batch.received").exists()
    assert CheckInBatch.objects.get().ledger_seq is None
    for callback in callbacks:
        callback()
    assert CheckIn.objects.count() == 6
    unknown = CheckIn.objects.get(pin="9")
    assert unknown.person is None
    assert "unknown_person" in unknown.flag_list
    first = CheckIn.objects.get(pin="1", punched_at=dt.datetime(2026, 11, 2, 0, 1, tzinfo=dt.UTC))
    assert first.person == site.s.manager
    assert first.bid_section == site.s.section
    assert first.flags == ""
    assert first.verify == "1"
    assert first.status == "0"
    bad = list(QuarantinedLine.objects.order_by("line_number").values_list("line_number", "reason"))
    assert [n for n, _ in bad] == [7, 8, 9]
    assert "bad time" in bad[0][1]
    assert QuarantinedLine.objects.get(line_number=9).raw == "garbage"
    entry = LedgerEntry.objects.filter(action="attendance.batch.received").last()
    assert entry is not None
    assert '"records":6' in entry.payload
    assert '"quarantined":3' in entry.payload
    assert CheckInBatch.objects.get().ledger_seq == entry.seq
    assert set(CheckIn.objects.values_list("batch", flat=True)) == {CheckInBatch.objects.get().pk}


def test_resent_records_never_duplicate(client: Client, site: Site) -> None:
    body = "1\t2026-11-02 08:01:00\t0\t1\n2\t2026-11-02 08:02:00\t0\t1\n"
    assert post(client, site.zk.serial, body)[0] == 200
    assert post(client, site.zk.serial, body + "1\t2026-11-02 18:00:00\t1\t1\n") == (200, "OK: 3\n")
    assert CheckIn.objects.count() == 3


def test_handshake_reports_the_last_stamp(client: Client, site: Site) -> None:
    post(client, site.zk.serial, "1\t2026-11-02 08:01:00\t0\t1\n", stamp="612345")
    post(client, site.zk.serial, "OPLOG 4\t0\t2026-11-02 08:00:00\t0\t0\t0\t0\n", table="OPERLOG", stamp="77")
    text = client.get(f"/iclock/cdata?SN={site.zk.serial}&options=all").content.decode()
    assert "Stamp=612345" in text
    assert "OpStamp=77" in text


def test_other_tables_are_acknowledged(client: Client, site: Site) -> None:
    body = "USER PIN=1\tName=张三\tPri=0\tCard=\nFP PIN=1\tFID=6\tValid=1\tTMP=ocosgoulTUEdNKVRwRQ0TDQ\n"
    assert post(client, site.zk.serial, body, table="OPERLOG") == (200, "OK: 2\n")
    assert CheckIn.objects.count() == 0


def test_database_failure_is_not_acknowledged(client: Client, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import DatabaseError

    def broken(*args: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "_quarantine", broken)
    status, text = post(client, site.zk.serial, "1\t2026-11-02 08:01:00\t0\t1\nbad\n")
    assert status == 503
    assert not text.startswith("OK")
    assert CheckIn.objects.count() == 0


def test_command_polling_and_results(client: Client, site: Site) -> None:
    assert client.get(f"/iclock/getrequest?SN={site.zk.serial}").content == b"OK\n"
    first = services.command_queue(actor="system:test", device=site.zk, command="INFO")
    second = services.command_queue(
        actor="system:test", device=site.zk, command="DATA UPDATE USERINFO PIN=3\tName=李四"
    )
    text = client.get(f"/iclock/getrequest?SN={site.zk.serial}&INFO=Ver 8.0.4,2,0,0,192.168.1.201").content.decode()
    assert text == f"C:{first.pk}:INFO\nC:{second.pk}:DATA UPDATE USERINFO PIN=3\tName=李四\n"
    assert client.get(f"/iclock/getrequest?SN={site.zk.serial}").content == b"OK\n"  # sent, not repeated
    body = f"ID={first.pk}&Return=0&CMD=INFO\nID={second.pk}&Return=-1002&CMD=DATA\nID=999999&Return=0&CMD=X\n"
    response = client.post(f"/iclock/devicecmd?SN={site.zk.serial}", data=body.encode(), content_type="text/plain")
    assert response.content == b"OK\n"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.return_code) == (DeviceCommand.Status.DONE, 0)
    assert (second.status, second.return_code) == (DeviceCommand.Status.FAILED, -1002)
    assert QuarantinedLine.objects.get(table="DEVICECMD").reason == "unknown command ID"


def test_enrolling_on_a_zkteco_terminal_queues_the_user(client: Client, site: Site) -> None:
    from tests.registry.factories import make_person

    person = make_person("王五")
    services.person_enrol(actor="system:test", device=site.zk, pin="5", person=person)
    assert (
        client.get(f"/iclock/getrequest?SN={site.zk.serial}")
        .content.decode()
        .endswith("DATA UPDATE USERINFO PIN=5\tName=王五\n")
    )
