"""Batch upload over HTTP (signed devices, system tokens) and the status page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from deltalake import DeltaTable
from django.test import Client
from rest_framework.authtoken.models import Token

from jianguan.core.models import Device, Jurisdiction, User
from jianguan.core.signing import sign_request
from jianguan.lake.store import table_uri
from tests.factories import DeviceFactory, JurisdictionFactory, UserFactory, department

URL = "/api/v1/lake/batches/{}/"


@pytest.fixture
def city(db: None) -> Jurisdiction:
    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    return city


@pytest.fixture
def crane(city: Jurisdiction) -> Device:
    return DeviceFactory(
        serial="JGCRANE01", kind=Device.Kind.CRANE_MONITOR, protocol=Device.Protocol.SIGNED_HTTP, jurisdiction=city
    )


def _signed(client: Client, device: Device, path: str, body: bytes, content_type: str, **headers: str):
    signed = sign_request(serial=device.serial, secret=device.secret, method="POST", path=path, body=body)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in {**signed, **headers}.items()}
    return client.post(path, data=body, content_type=content_type, **extra)


def _crane_lines(*minutes: int, device: str = "someone-else", load: float = 2.0) -> bytes:
    return b"\n".join(
        json.dumps({"device": device, "ts": f"2026-11-20 09:{m:02d}:00", "load_t": load, "moment_pct": 40}).encode()
        for m in minutes
    )


def test_a_signed_device_uploads_its_own_data(lake: Path, crane: Device) -> None:
    client = Client()
    body = _crane_lines(0, 1, 2) + b"\n{oops\n" + _crane_lines(3, load=999)
    response = _signed(client, crane, URL.format("tower_crane"), body, "application/x-ndjson", **{"X-Batch-Id": "b-1"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["received"], data["written"], data["quarantined"]) == (5, 3, 2)
    assert {p["code"] for p in data["problems"]} == {"unparseable_record", "out_of_range"}
    rows = DeltaTable(table_uri("tower_crane")).to_pandas()
    assert set(rows.device) == {"JGCRANE01"}  # the signing device, whatever the body says
    # a retry of the same batch (new signature, same X-Batch-Id) writes nothing more
    again = _signed(client, crane, URL.format("tower_crane"), body, "application/x-ndjson", **{"X-Batch-Id": "b-1"})
    assert again.json()["already_committed"] == 1
    assert again.json()["written"] == 0
    assert len(DeltaTable(table_uri("tower_crane")).to_pandas()) == 3


def test_refusals_are_clear_and_never_500(lake: Path, crane: Device) -> None:
    client = Client()
    body = _crane_lines(0)
    assert client.post(URL.format("tower_crane"), data=body, content_type="application/x-ndjson").status_code == 401
    wrong_type = _signed(client, crane, URL.format("hoist"), body, "application/x-ndjson")
    assert wrong_type.status_code == 403
    assert wrong_type.json()["error"]["code"] == "wrong_data_type"
    unknown = _signed(client, crane, URL.format("nothing"), body, "application/x-ndjson")
    assert unknown.status_code == 404
    fmt = _signed(client, crane, URL.format("tower_crane"), body, "application/xml")
    assert fmt.status_code == 400
    assert fmt.json()["error"]["code"] == "format_unknown"
    assert "text/csv" in fmt.json()["error"]["messages"]["en"]
    bad_parquet = _signed(client, crane, URL.format("tower_crane"), b"PAR1garbage", "application/vnd.apache.parquet")
    assert bad_parquet.status_code == 400
    assert bad_parquet.json()["error"]["code"] == "parquet_unreadable"
    empty = _signed(client, crane, URL.format("tower_crane"), b"  ", "text/csv")
    assert empty.status_code == 400


def test_a_system_uploads_parquet_with_a_token(lake: Path, city: Jurisdiction, crane: Device) -> None:
    system = UserFactory(username="sys.lake", jurisdiction=city, department=department("sysadmin"), roles=["sysadmin"])
    token = Token.objects.create(user=system)
    frame = pd.DataFrame(
        {"device": ["JGCRANE01", "JGUNKNOWN"], "ts": ["2026-11-20 10:00:00"] * 2, "load_t": [1.0, 1.0]}
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    client = Client()
    response = client.post(
        URL.format("tower_crane"),
        data=buffer.getvalue(),
        content_type="application/vnd.apache.parquet",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["written"], response.json()["quarantined"]) == (1, 1)
    assert response.json()["problems"][0]["code"] == "unknown_device"
    nobody = UserFactory(
        username="quality.x", jurisdiction=city, department=department("quality"), roles=["quality_inspector"]
    )
    other = Token.objects.create(user=nobody)
    denied = client.post(
        URL.format("tower_crane"),
        data=buffer.getvalue(),
        content_type="application/vnd.apache.parquet",
        HTTP_AUTHORIZATION=f"Token {other.key}",
    )
    assert denied.status_code == 403


def test_status_page_lists_tables_sources_and_quarantine(lake: Path, city: Jurisdiction, crane: Device) -> None:
    client = Client()
    _signed(
        client,
        crane,
        URL.format("tower_crane"),
        _crane_lines(0, 1) + b"\n" + _crane_lines(2, load=999),
        "application/x-ndjson",
    )
    user: User = UserFactory(
        username="cmd.op", jurisdiction=city, department=department("command"), roles=["command_operator"]
    )
    client.force_login(user)
    page = client.get("/lake/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "数据湖" in text
    assert "塔吊监测" in text
    assert "隔离区" in text
    assert "load_t: 999" in text
    assert "JGCRANE01" in text
    api = client.get("/api/v1/lake/tables/")
    assert api.status_code == 200
    assert {t["name"] for t in api.json()} >= {"tower_crane", "quarantine"}
    inspector = UserFactory(
        username="q.x", jurisdiction=city, department=department("quality"), roles=["quality_inspector"]
    )
    client.force_login(inspector)
    assert client.get("/lake/").status_code == 403


def test_a_pretty_printed_json_array_is_one_batch(lake: Path, crane: Device) -> None:
    records = [{"ts": f"2026-11-20 09:0{m}:00", "load_t": 1.5} for m in range(3)] + ["not an object"]
    body = json.dumps(records, indent=2).encode()
    response = _signed(Client(), crane, URL.format("tower_crane"), body, "application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["written"], response.json()["quarantined"]) == (3, 1)
