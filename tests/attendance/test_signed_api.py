"""Hand-held terminals: signed JSON check-ins with GPS, match score and a snapshot photo."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from jianguan.attendance.models import CheckIn, QuarantinedLine
from jianguan.core.signing import sign_request
from tests.attendance.conftest import SITE, Site

pytestmark = pytest.mark.django_db
URL = "/api/v1/attendance/checkins/"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"


def send(client: Client, site: Site, payload: Any, *, nonce: str | None = None, timestamp: int | None = None) -> Any:
    body = json.dumps(payload).encode()
    headers = sign_request(
        serial=site.handheld.serial,
        secret=site.handheld.secret,
        method="POST",
        path=URL,
        body=body,
        nonce=nonce,
        timestamp=timestamp,
    )
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def record(**extra: Any) -> dict[str, Any]:
    return {
        "pin": "1",
        "time": "2026-11-02T08:01:00",
        "latitude": SITE[0],
        "longitude": SITE[1],
        "match_score": 93.5,
    } | extra


def test_a_check_in_with_photo_is_stored_with_its_checksum(client: Client, site: Site) -> None:
    photo = base64.b64encode(JPEG).decode()
    response = send(client, site, {"records": [record(photo=photo)]})
    assert response.status_code == 201, response.content
    assert response.json() == {"received": 1, "flagged": {}, "rejected": {}}
    stored = CheckIn.objects.get()
    assert stored.person == site.s.manager
    assert stored.match_score == 93.5
    assert stored.source == "signed"
    assert stored.photo_sha256 == hashlib.sha256(JPEG).hexdigest()
    with default_storage.open(str(stored.photo.name)) as handle:
        assert handle.read() == JPEG


def test_outside_geofence_low_score_and_unknown_pin_are_kept_and_flagged(client: Client, site: Site) -> None:
    records = [
        record(latitude=30.75, time="2026-11-02T08:00:00"),  # ~5.6 km north
        record(match_score=41.0, time="2026-11-02T08:00:01"),
        record(pin="404", time="2026-11-02T08:00:02"),
        record(time="2026-11-02T08:00:03"),
    ]
    response = send(client, site, {"records": records})
    assert response.status_code == 201
    assert response.json()["flagged"] == {"0": ["outside_geofence"], "1": ["low_score"], "2": ["unknown_person"]}
    assert CheckIn.objects.count() == 4


def test_replay_and_skew_are_refused(client: Client, site: Site) -> None:
    payload = {"records": [record()]}
    assert send(client, site, payload, nonce="nonce-0001").status_code == 201
    replay = send(client, site, payload, nonce="nonce-0001")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "nonce_replayed"
    skew = send(client, site, payload, timestamp=int(time.time()) - 3600)
    assert skew.status_code == 401
    assert skew.json()["error"]["code"] == "timestamp_skew"
    assert CheckIn.objects.count() == 1


def test_bad_signature_is_refused(client: Client, site: Site) -> None:
    body = json.dumps({"records": [record()]}).encode()
    headers = sign_request(serial=site.handheld.serial, secret="wrong", method="POST", path=URL, body=body)
    response = client.post(URL, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_invalid"
    unsigned = client.post(URL, data=body, content_type="application/json")
    assert unsigned.status_code in (401, 403)
    assert CheckIn.objects.count() == 0


def test_resending_never_duplicates(client: Client, site: Site) -> None:
    payload = {"records": [record(), record(pin="2")]}
    assert send(client, site, payload).status_code == 201
    assert send(client, site, payload).json()["received"] == 2
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"time": "yesterday"}, "bad time"),
        ({"latitude": 123}, "latitude out of range"),
        ({"match_score": "high"}, "match_score out of range"),
        ({"photo": base64.b64encode(b"%PDF-1.4 nope").decode()}, "not an accepted type"),
        ({"photo": "***"}, "not Base64"),
        ({"pin": ""}, "bad pin"),
    ],
)
def test_a_bad_record_is_quarantined_and_the_good_ones_kept(
    client: Client, site: Site, bad: dict[str, Any], reason: str
) -> None:
    response = send(client, site, {"records": [record(time="2026-11-02T07:00:00"), record() | bad]})
    assert response.status_code == 201
    body = response.json()
    assert body["received"] == 1
    assert list(body["rejected"]) == ["1"]
    assert "Record 1" in body["rejected"]["1"]
    assert reason in body["rejected"]["1"]
    assert CheckIn.objects.get().punched_at.hour == 23  # 07:00 UTC+8
    kept = QuarantinedLine.objects.get()
    assert kept.table == "SIGNED"
    assert kept.line_number == 1
    assert reason in kept.reason


def test_not_a_list_is_a_clear_error(client: Client, site: Site) -> None:
    response = send(client, site, {"records": "nope"})
    assert response.status_code == 400
    assert send(client, site, [1, 2]).status_code == 400
