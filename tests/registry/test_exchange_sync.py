from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from jianguan.core.models import Jurisdiction, LedgerEntry
from jianguan.registry.exchange import sync
from jianguan.registry.exchange.sync import FORMAT, SyncFailed, sync_pull
from jianguan.registry.models import (
    Enterprise,
    Person,
    Qualification,
    Registration,
    SafetyLicence,
    SyncCursor,
    SyncRun,
)
from tests.registry.factories import id_number, make_enterprise, make_person, register, uscc

pytestmark = pytest.mark.django_db


def _bad(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def _enterprise(code: str, name: str, **extra: Any) -> dict[str, Any]:
    data = {
        "uscc": code,
        "name": name,
        "kind": "construction",
        "legal_representative": "省甲",
        "jurisdiction": "420502",
    }
    return {"entity": "enterprise", "data": {**data, **extra}}


def _qualification(code: str, klass: str, number: str, until: str = "2030-06-30", **extra: Any) -> dict[str, Any]:
    data = {
        "enterprise": code,
        "category": "general",
        "klass": klass,
        "grade": "甲",
        "number": number,
        "issuer": "湖北省住房和城乡建设厅",
        "valid_until": until,
    }
    return {"entity": "qualification", "data": {**data, **extra}}


def _registration(ident: str, code: str, number: str, **extra: Any) -> dict[str, Any]:
    data = {
        "id_number": ident,
        "enterprise": code,
        "kind": "constructor_1",
        "specialty": "建筑工程",
        "number": number,
        "issuer": "住房和城乡建设部",
        "valid_until": "2031-12-31",
    }
    return {"entity": "registration", "data": {**data, **extra}}


@pytest.fixture
def feed(city: Jurisdiction, tmp_path: Path) -> dict[str, Any]:
    """A feed with valid, invalid and conflicting records against a registry with local data."""
    local = make_enterprise(name="本地名称建设有限公司")  # created locally
    Qualification.objects.create(
        enterprise=local,
        category="general",
        klass="building",
        grade="乙",
        number="D-LOCAL-1",
        issuer="本地录入",
        valid_until="2027-01-01",
    )
    old_employer = make_enterprise(name="原单位建设有限公司")
    mover = make_person("省调人")
    register(mover, old_employer, "constructor_2", number="鄂LOCAL0001")
    new_code = uscc(7001)
    person_id = id_number(7002)
    return {
        "local": local,
        "old_employer": old_employer,
        "mover": mover,
        "new_code": new_code,
        "person_id": person_id,
        "doc": {
            "format": FORMAT,
            "source": "hubei-dc",
            "cursor": "c2",
            "has_more": False,
            "batches": [
                {
                    "cursor": "c1",
                    "records": [
                        # registrations come before their people in the feed: the batch orders them
                        _registration(person_id, new_code, "鄂142000000001"),
                        {
                            "entity": "person",
                            "data": {"id_number": person_id, "name": "省新人", "phone": "13700000000"},
                        },
                        _enterprise(new_code, "省新建设有限公司"),
                        _qualification(new_code, "building", "D242000001"),
                        _enterprise(_bad(uscc(7003)), "坏代码有限公司"),  # invalid credit code
                        {"entity": "person", "data": {"id_number": _bad(id_number(7004)), "name": "坏身份证"}},
                        _qualification(new_code, "moon_base", "D242000002"),  # unknown class
                        {"entity": "bridge_pier", "data": {}},  # unknown record type
                        # conflicting with local data
                        _enterprise(local.uscc, "省里的名称建设有限公司"),
                        _qualification(local.uscc, "building", "D242000003", until="2029-12-31"),
                    ],
                },
                {
                    "cursor": "c2",
                    "records": [
                        # the province registers the mover with the new enterprise (人证合一)
                        _registration(mover.id_number, new_code, "鄂142000000002"),
                        {
                            "entity": "safety_licence",
                            "data": {
                                "enterprise": new_code,
                                "number": "(鄂)JZ安许证字[2025]000123",
                                "issuer": "湖北省住房和城乡建设厅",
                                "valid_until": "2028-03-31",
                            },
                        },
                    ],
                },
            ],
        },
        "path": tmp_path / "feed.json",
    }


def _write(feed: dict[str, Any]) -> str:
    feed["path"].write_text(json.dumps(feed["doc"], ensure_ascii=False), encoding="utf-8")
    return str(feed["path"])


def test_feed_with_valid_invalid_and_conflicting_records(feed: dict[str, Any]) -> None:
    location = _write(feed)
    run = sync_pull(location)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.from_cursor, run.to_cursor) == ("", "c2")
    assert SyncCursor.objects.get(source="hubei-dc").cursor == "c2"
    # valid records applied, in the province's name
    new = Enterprise.objects.get(uscc=feed["new_code"])
    assert new.source == "provincial"
    assert Person.objects.get(id_number=feed["person_id"]).enterprise == new
    assert SafetyLicence.objects.get(enterprise=new).valid_until.isoformat() == "2028-03-31"
    # invalid records rejected with reasons, nothing of them written
    reasons = {(r["entity"], r["field"]): r for r in run.rejected}
    assert set(reasons) == {
        ("enterprise", "uscc"),
        ("person", "id_number"),
        ("qualification", "klass"),
        ("bridge_pier", ""),
    }
    assert "check character" in reasons[("enterprise", "uscc")]["en"]
    assert reasons[("enterprise", "uscc")]["zh"] != reasons[("enterprise", "uscc")]["en"]
    assert "moon_base" in reasons[("qualification", "klass")]["en"]
    assert run.counts["rejected"] == 4
    assert not Enterprise.objects.filter(name="坏代码有限公司").exists()
    # conflicts: the enterprise keeps its local name; the province wins the qualification and the registration
    local = Enterprise.objects.get(pk=feed["local"].pk)
    assert local.name == "本地名称建设有限公司"
    conflicts = {(c["entity"], c["field"]): c for c in run.conflicts}
    assert conflicts[("enterprise", "name")]["resolution"] == "local_kept"
    assert conflicts[("enterprise", "name")]["provincial"] == "省里的名称建设有限公司"
    assert conflicts[("qualification", "number")]["local"] == "D-LOCAL-1"
    assert conflicts[("qualification", "number")]["resolution"] == "provincial_applied"
    qualification = Qualification.objects.get(enterprise=local)
    assert (qualification.number, qualification.grade, qualification.source) == ("D242000003", "甲", "provincial")
    update = LedgerEntry.objects.filter(action="registry.qualification.updated", object_id=str(qualification.pk)).get()
    assert update.data["changes"]["number"] == ["D-LOCAL-1", "D242000003"]  # the local value stays in the ledger
    assert conflicts[("registration", "enterprise")]["resolution"] == "local_registration_cancelled"
    old = Registration.objects.get(number="鄂LOCAL0001")
    assert old.status == Registration.Status.REVOKED
    assert Person.objects.get(pk=feed["mover"].pk).enterprise == new


def test_the_same_feed_twice_changes_nothing(feed: dict[str, Any]) -> None:
    location = _write(feed)
    sync_pull(location)
    before = LedgerEntry.objects.count()
    SyncCursor.objects.update(cursor="")  # even replayed from the start
    again = sync_pull(location)
    assert LedgerEntry.objects.count() == before
    assert again.counts.get("created", 0) == 0
    assert again.counts.get("updated", 0) == 0
    assert again.counts["unchanged"] > 0
    third = sync_pull(location)  # with the cursor at the end, every batch is skipped
    assert third.counts["batches_skipped"] == 2
    assert third.counts.get("batches", 0) == 0


def test_a_failing_batch_rolls_back_whole_and_keeps_the_cursor(
    feed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    location = _write(feed)
    real = sync.apply_record

    def flaky(entity: str, clean: dict[str, Any], **kw: Any) -> str:
        if entity == "safety_licence":
            raise RuntimeError("database went away")
        return real(entity, clean, **kw)

    monkeypatch.setattr(sync, "apply_record", flaky)
    ledger_before = LedgerEntry.objects.count()
    with pytest.raises(SyncFailed) as caught:
        sync_pull(location)
    assert "c2" in caught.value.render("en")
    assert SyncCursor.objects.get(source="hubei-dc").cursor == "c1"  # batch 1 committed, batch 2 not
    assert Registration.objects.get(number="鄂LOCAL0001").status == Registration.Status.VALID  # not half-applied
    assert not Registration.objects.filter(number="鄂142000000002").exists()
    assert Enterprise.objects.filter(uscc=feed["new_code"]).exists()
    failed = SyncRun.objects.get()
    assert failed.status == SyncRun.Status.FAILED
    assert "database went away" in failed.error
    batch1_entries = LedgerEntry.objects.count() - ledger_before
    monkeypatch.setattr(sync, "apply_record", real)
    run = sync_pull(location)  # resumes after c1
    assert run.counts["batches_skipped"] == 1
    assert run.counts["batches"] == 1
    assert Registration.objects.get(number="鄂LOCAL0001").status == Registration.Status.REVOKED
    assert batch1_entries > 0


class _Feed(http.server.BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}
    asked: list[str] = []

    def do_GET(self) -> None:
        since = parse_qs(urlsplit(self.path).query).get("since", [""])[0]
        type(self).asked.append(since)
        body = type(self).pages.get(since)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body or b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/registry/feed"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_source_is_paged_by_cursor(feed: dict[str, Any], server: str) -> None:
    doc = feed["doc"]
    first = {**doc, "batches": doc["batches"][:1], "cursor": "c1", "has_more": True}
    second = {**doc, "batches": doc["batches"][1:], "cursor": "c2", "has_more": False}
    _Feed.pages = {"": json.dumps(first).encode(), "c1": json.dumps(second).encode()}
    _Feed.asked = []
    out = __import__("io").StringIO()
    call_command("sync", "pull", "--source", server, stdout=out, verbosity=0)
    assert _Feed.asked == ["", "c1"]
    assert "c2" in out.getvalue()
    assert Registration.objects.filter(number="鄂142000000002").exists()
    _Feed.asked = []
    with pytest.raises(Exception, match=r"404|cannot be read"):
        call_command("sync", "pull", "--source", server, stdout=out, verbosity=0)
    assert _Feed.asked == ["c2"]  # asks from the stored cursor


def test_unreadable_and_foreign_feeds_are_refused(city: Jurisdiction, tmp_path: Path) -> None:
    with pytest.raises(SyncFailed, match="cannot be read"):
        sync_pull(str(tmp_path / "missing.json"))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something/else", "batches": []}))
    with pytest.raises(SyncFailed, match="not a registry exchange feed"):
        sync_pull(str(other))
    assert SyncRun.objects.filter(status="failed").count() == 2
