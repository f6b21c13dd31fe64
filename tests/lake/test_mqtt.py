"""The MQTT subscriber against the local Mosquitto broker (127.0.0.1:1883)."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from deltalake import DeltaTable

from jianguan.lake.mqtt import MqttDevice, Subscriber, sign_message
from jianguan.lake.store import table_uri

CRANE = "JGCRANE-T01"
SECRET = "crane-secret-0001"


def _publisher() -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    try:
        client.connect("127.0.0.1", 1883, keepalive=10)
    except OSError:
        pytest.fail("the MQTT broker at 127.0.0.1:1883 is not running")
    client.loop_start()
    return client


def _crane_record(minute: int, **extra: object) -> dict:
    when = dt.datetime(2026, 11, 20, 9, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return {
        "ts": when.isoformat(),
        "load_t": 2.5,
        "safe_load_t": 6.0,
        "moment_pct": 41.0,
        "amplitude_m": 30.5,
        "height_m": 42.0,
        "wind_speed": 3.2,
        "warning": 0,
        **extra,
    }


def test_signed_crane_data_is_stored_and_bad_messages_are_quarantined(lake: Path) -> None:
    devices = {CRANE: MqttDevice(SECRET, "crane_monitor", True), "JGHOIST-1": MqttDevice("h", "hoist_monitor", True)}
    prefix = f"t{uuid.uuid4().hex[:6]}"
    subscriber = Subscriber(client_id=f"{prefix}-lake", loader=lambda: dict(devices), flush_seconds=0.2)
    subscriber.connect()
    subscriber.run(until=lambda: subscriber.connected, seconds=5)
    topic = f"jianguan/crane_monitor/{CRANE}"
    pub = _publisher()
    try:
        messages = [
            sign_message(topic=topic, secret=SECRET, records=[_crane_record(0), _crane_record(1)]),
            sign_message(topic=topic, secret=SECRET, records=_crane_record(1)),  # a resend: stored once
            sign_message(topic=topic, secret=SECRET, records=_crane_record(2, load_t=900)),  # out of range
            sign_message(topic=topic, secret="wrong", records=_crane_record(3)),  # bad signature
            sign_message(topic="jianguan/crane_monitor/JGNOBODY", secret=SECRET, records=_crane_record(4)),
            sign_message(topic="jianguan/hoist_monitor/" + CRANE, secret=SECRET, records=_crane_record(5)),
            b"\x00not json",
            sign_message(topic=topic, secret=SECRET, records=_crane_record(6), ts=int(time.time()) - 3600),
        ]
        topics = [topic] * 4 + ["jianguan/crane_monitor/JGNOBODY", "jianguan/hoist_monitor/" + CRANE, topic, topic]
        for t, payload in zip(topics, messages, strict=True):
            pub.publish(t, payload, qos=1).wait_for_publish(5)
        subscriber.run(until=lambda: subscriber.stats["messages"] >= len(messages), seconds=15)
        subscriber.flush()
    finally:
        pub.loop_stop()
        pub.disconnect()
        subscriber.stop()
    assert subscriber.stats["messages"] == len(messages)
    rows = DeltaTable(table_uri("tower_crane")).to_pyarrow_table().to_pylist()
    assert sorted(r["ts"].minute for r in rows) == [0, 1]
    assert {r["device"] for r in rows} == {CRANE}
    assert {r["source"] for r in rows} == {"mqtt"}
    quarantine = DeltaTable(table_uri("quarantine")).to_pyarrow_table().to_pylist()
    codes = sorted(r["reason_code"] for r in quarantine)
    assert codes == sorted(["out_of_range", "bad_signature", "unknown_device", "wrong_kind", "bad_envelope", "stale"])
    assert any(r["raw"] == b"\x00not json" for r in quarantine)


def test_unacknowledged_messages_come_back_after_a_crash(lake: Path) -> None:
    """QoS 1, persistent session, ack after commit: a subscriber that dies before writing loses nothing."""
    devices = {CRANE: MqttDevice(SECRET, "crane_monitor", True)}
    client_id = f"t{uuid.uuid4().hex[:6]}-lake"
    first = Subscriber(client_id=client_id, loader=lambda: dict(devices), flush_seconds=3600)
    first.connect()
    first.run(until=lambda: first.connected, seconds=5)
    topic = f"jianguan/crane_monitor/{CRANE}"
    pub = _publisher()
    try:
        pub.publish(topic, sign_message(topic=topic, secret=SECRET, records=_crane_record(10)), qos=1).wait_for_publish(
            5
        )
        first.run(until=lambda: first.stats["messages"] >= 1, seconds=10)
        assert first.stats["messages"] == 1
        first.client.socket().close()  # dies: nothing written, nothing acknowledged
        second = Subscriber(client_id=client_id, loader=lambda: dict(devices), flush_seconds=0.1)
        second.connect()
        second.run(until=lambda: second.stats["written"] >= 1, seconds=15)
        second.stop()
    finally:
        pub.loop_stop()
        pub.disconnect()
        cleanup = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        cleanup.connect("127.0.0.1", 1883)
        cleanup.disconnect()
    rows = DeltaTable(table_uri("tower_crane")).to_pyarrow_table().to_pylist()
    assert [r["ts"].minute for r in rows] == [10]
    assert json.loads(json.dumps(second.stats))["written"] == 1
