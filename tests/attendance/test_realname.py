"""The push client for the national real-name platform, against a fake platform served over HTTP on
this machine (the real one is outside it): signing, encrypted ID numbers, the asynchronous result,
failures retried by Huey, one push per record."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from jianguan.attendance import realname, services, tasks
from jianguan.attendance.models import CheckIn, PlatformExchange, PlatformPush, PlatformPushItem
from jianguan.core.ledger import LedgerEntry
from tests.attendance import fake_realname
from tests.attendance.conftest import Site
from tests.attendance.fake_realname import FakePlatform

pytestmark = pytest.mark.django_db

ATTLOG = (
    "1\t2026-11-02 07:58:00\t0\t1\n"  # the project manager, in
    "2\t2026-11-02 08:03:00\t0\t15\n"  # the chief engineer, in (face)
    "1\t2026-11-02 17:40:00\t1\t1\n"  # the project manager, out
    "9\t2026-11-02 08:10:00\t0\t1\n"  # a PIN nobody is enrolled under: never pushed
)


@pytest.fixture
def platform(settings: Any) -> Iterator[FakePlatform]:
    fake = FakePlatform()
    with fake_realname.running(fake) as url:
        settings.ATTENDANCE_REALNAME_URL = url
        settings.ATTENDANCE_REALNAME_APPID = fake_realname.APPID
        settings.ATTENDANCE_REALNAME_SECRET = fake_realname.SECRET
        settings.ATTENDANCE_REALNAME_VARIANT = "national"
        yield fake


@pytest.fixture
def linked(site: Site) -> Site:
    realname.realname_link(
        actor="system:test", section=site.s.section, project_code="4205002026110001", team_sys_no="88001"
    )
    services.attlog_ingest(device=site.zk, body=ATTLOG.encode())
    return site


def run_scheduled_retries() -> int:
    """Run the tasks Huey scheduled for retry (immediate mode keeps them in its schedule)."""
    ran = 0
    while True:
        due = HUEY.read_schedule(dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1))
        if not due:
            return ran
        for task in due:
            task.eta = None  # due now: the consumer would wait out the retry delay
            HUEY.execute(task)
            ran += 1
        assert ran < 50


def test_signature_and_id_protection_match_the_platform() -> None:
    client = realname.PlatformClient(
        url="http://127.0.0.1:9/open.api", appid=fake_realname.APPID, secret=fake_realname.SECRET
    )
    form = client.form("WorkerAttendance.Add", '{"projectCode":"X"}')
    assert form["sign"] == fake_realname._expected_sign(form)
    assert len(form["timestamp"]) == 14
    assert form["timestamp"].isdigit()
    assert form["format"] == "json"
    assert form["version"] == "1.0"
    protected = client.protect("420502198805061234")
    assert protected != "420502198805061234"
    assert fake_realname._decrypt(protected) == "420502198805061234"
    assert realname.reveal_aes(protected, fake_realname.SECRET) == "420502198805061234"
    form["data"] = '{"projectCode":"Y"}'  # altered after signing
    assert form["sign"] != fake_realname._expected_sign(form)


def test_check_ins_are_pushed_once_and_the_async_result_followed(platform: FakePlatform, linked: Site) -> None:
    tasks.attendance_realname_push()  # prepare, send, ask for the result once: still processing
    push = PlatformPush.objects.get()
    assert push.status == PlatformPush.Status.ACCEPTED
    assert push.attempts == 1
    assert push.request_serial.startswith("attendance-add-")
    # the three punches of enrolled people, once each; the unknown PIN stays home
    assert PlatformPushItem.objects.count() == 3
    assert not PlatformPushItem.objects.filter(check_in__pin="9").exists()
    manager, chief = linked.s.manager.id_number, linked.s.chief.id_number
    assert set(platform.attendance) == {
        (manager, "2026-11-02 07:58:00"),
        (chief, "2026-11-02 08:03:00"),
        (manager, "2026-11-02 17:40:00"),
    }
    assert platform.attendance[(manager, "2026-11-02 17:40:00")]["direction"] == "02"
    assert platform.attendance[(manager, "2026-11-02 07:58:00")]["direction"] == "01"
    sent = json.loads(push.data)
    assert sent["projectCode"] == "4205002026110001"
    assert sent["teamSysNo"] == "88001"
    assert manager not in push.data  # the ID numbers are kept as they were sent: encrypted

    assert platform.queries == {push.request_serial: 1}
    tasks.attendance_realname_push()  # asks again: done
    push.refresh_from_db()
    assert push.status == PlatformPush.Status.SUCCEEDED
    assert push.result == "成功 3 条"
    methods = list(PlatformExchange.objects.filter(push=push).values_list("method", "http_status"))
    assert methods == [
        ("WorkerAttendance.Add", 200),
        ("AsyncHandleResult.Query", 200),
        ("AsyncHandleResult.Query", 200),
    ]
    assert fake_realname.SECRET not in PlatformExchange.objects.first().request  # type: ignore[union-attr]
    assert LedgerEntry.objects.filter(action="attendance.realname.push.succeeded", object_id=str(push.pk)).exists()

    # nothing new: no new push; a new punch: a push of its own
    tasks.attendance_realname_push()
    assert PlatformPush.objects.count() == 1
    services.attlog_ingest(device=linked.zk, body=b"2\t2026-11-02 17:55:00\t1\t15\n")
    tasks.attendance_realname_push()
    newer = PlatformPush.objects.order_by("-id").first()
    assert newer is not None
    assert newer.pk != push.pk
    assert list(newer.items.values_list("check_in__pin", flat=True)) == ["2"]
    assert len(platform.attendance) == 4
    assert platform.refusals == []


def test_failures_are_recorded_and_retried_by_huey(platform: FakePlatform, linked: Site) -> None:
    platform.fail_next("drop", "http500", "busy", "garbage")
    tasks.attendance_realname_push()
    push = PlatformPush.objects.get()
    assert push.status == PlatformPush.Status.PENDING
    assert push.attempts == 1
    assert "RemoteDisconnected" in push.last_error or "Connection" in push.last_error
    ran = run_scheduled_retries()  # Huey's own retries of the task, as its consumer would run them
    push.refresh_from_db()
    assert ran == 4
    assert push.status == PlatformPush.Status.ACCEPTED
    assert push.attempts == 5
    exchanges = list(PlatformExchange.objects.filter(push=push).order_by("id"))
    assert [e.http_status for e in exchanges] == [None, 500, 200, 200, 200]
    assert exchanges[0].error
    assert exchanges[1].error == "HTTP 500"
    assert json.loads(exchanges[2].response)["code"] == -5
    assert exchanges[3].response.startswith("<html>")
    # every try carried the same data; the platform stored each record once
    assert {json.loads(e.request)["data"] for e in exchanges} == {push.data}
    assert len({json.loads(e.request)["nonce"] for e in exchanges}) == 5
    assert len(platform.attendance) == 3


def test_a_definitive_refusal_fails_the_push_without_retrying(
    platform: FakePlatform, linked: Site, settings: Any
) -> None:
    settings.ATTENDANCE_REALNAME_SECRET = "0" * 32  # not the platform's: the signature does not verify
    tasks.attendance_realname_push()
    push = PlatformPush.objects.get()
    assert push.status == PlatformPush.Status.FAILED
    assert push.last_error.startswith("code -2")
    assert "签名校验错误" in push.result
    assert run_scheduled_retries() == 0
    assert platform.refusals == ["签名校验错误"]
    assert LedgerEntry.objects.filter(action="attendance.realname.push.failed").count() == 1
    # its check-ins stay with the failed push: they are not sent again behind it
    tasks.attendance_realname_push()
    assert PlatformPush.objects.count() == 1


def test_a_failed_async_result_and_giving_up(
    platform: FakePlatform, linked: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform.processing_answers = 0
    platform.outcome = "30"
    tasks.attendance_realname_push()
    push = PlatformPush.objects.get()
    assert push.status == PlatformPush.Status.FAILED
    assert "人员不在项目班组中" in push.result

    monkeypatch.setattr(realname, "MAX_ATTEMPTS", 2)
    services.attlog_ingest(device=linked.zk, body=b"2\t2026-11-03 08:00:00\t0\t15\n")
    platform.fail_next("http500", "http500", "http500")
    tasks.attendance_realname_push()
    run_scheduled_retries()
    last = PlatformPush.objects.order_by("-id").first()
    assert last is not None
    assert last.status == PlatformPush.Status.FAILED
    assert last.attempts == 2
    assert last.result.startswith("gave up after 2 attempts")


def test_two_senders_never_send_one_push_at_once(platform: FakePlatform, linked: Site) -> None:
    ids = realname.pushes_prepare()
    assert len(ids) == 1
    assert realname._claim(ids[0])
    assert realname.push_advance(push_id=ids[0]) == PlatformPush.Status.PENDING  # claimed elsewhere: left alone
    assert platform.requests == []
    assert CheckIn.objects.filter(platform_push_item__isnull=False).count() == 3
