"""The MQTT subscriber: device data from the broker into the lake.

Topics are ``jianguan/<device-kind>/<device-id>`` (``crane_monitor``, ``hoist_monitor``,
``dust_noise_monitor``, ``lab_press``, ``attendance_terminal``). A message is a signed envelope::

    {"ts": 1764057600, "nonce": "9f1c…", "data": "<JSON text: one record or a list of records>",
     "sig": hex(HMAC-SHA256(secret, topic "\\n" ts "\\n" nonce "\\n" hex(SHA-256(data))))}

with the device's own secret (``core.Device``), the same scheme as signed HTTP. The device of every
record is the topic's device: a device can only send its own data. Messages are buffered and
written per data type every ``flush_seconds`` as one idempotent batch; with QoS 1 and a persistent
session the broker's acknowledgement is sent only after the batch is committed, so a crash before
then makes the broker deliver the message again (and the key keeps it from being stored twice).
Bad messages (unknown topic or device, bad signature, stale timestamp, bad JSON) go to quarantine
with the raw payload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from jianguan.lake.schemas import DATA_TYPES, DEVICE_KIND_TYPES

log = logging.getLogger("jianguan.lake.mqtt")

TOPIC_FILTER = "jianguan/+/+"
SKEW_SECONDS = 300


def _message(topic: str, ts: str, nonce: str, data: str) -> bytes:
    digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
    return "\n".join([topic, ts, nonce, digest]).encode("utf-8")


def sign_message(*, topic: str, secret: str, records: Any, ts: int | None = None, nonce: str | None = None) -> bytes:
    """A signed envelope (devices, simulator, tests)."""
    data = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    stamp = str(int(time.time()) if ts is None else ts)
    once = nonce or secrets.token_hex(8)
    sig = hmac.new(secret.encode(), _message(topic, stamp, once, data), hashlib.sha256).hexdigest()
    return json.dumps({"ts": int(stamp), "nonce": once, "data": data, "sig": sig}, ensure_ascii=False).encode("utf-8")


@dataclass
class MqttDevice:
    secret: str
    kind: str
    active: bool


def load_devices() -> dict[str, MqttDevice]:
    from django.db import close_old_connections, connection

    from jianguan.core.models import Device

    if not connection.in_atomic_block:  # a server's thread: drop a connection gone stale
        close_old_connections()
    return {
        serial: MqttDevice(secret, kind, status == Device.Status.ACTIVE)
        for serial, secret, kind, status in Device.objects.values_list("serial", "secret", "kind", "status")
    }


class Rejected(ValueError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en})")
        self.code, self.reason = code, f"{zh} ({en})"


@dataclass
class _Buffer:
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    raws: dict[str, list[bytes]] = field(default_factory=dict)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    acks: list[tuple[int, int]] = field(default_factory=list)

    def empty(self) -> bool:
        return not self.records and not self.quarantine and not self.acks


class Subscriber:
    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        client_id: str | None = None,
        loader: Callable[[], dict[str, MqttDevice]] = load_devices,
        flush_seconds: float = 1.0,
        max_batch: int = 20000,
    ) -> None:
        import paho.mqtt.client as mqtt

        self.host: str = host or str(getattr(settings, "MQTT_HOST", "127.0.0.1"))
        self.port = port or int(getattr(settings, "MQTT_PORT", 1883))
        self.client_id = client_id or f"jianguan-lake-{socket.gethostname()}"
        self.loader = loader
        self.devices: dict[str, MqttDevice] = {}
        self.loaded_at = 0.0
        self.flush_seconds = flush_seconds
        self.max_batch = max_batch
        self.buffer = _Buffer()
        self.run_id = uuid.uuid4().hex[:12]
        self.counter = 0
        self.last_flush = time.monotonic()
        self.stats = {"messages": 0, "records": 0, "written": 0, "duplicates": 0, "quarantined": 0, "batches": 0}
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            manual_ack=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.connected = False  # subscribed: messages published from now on reach us

    # --- connection ----------------------------------------------------------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any = None) -> None:
        client.subscribe(TOPIC_FILTER, qos=1)

    def _on_subscribe(self, client: Any, userdata: Any, mid: Any, reasons: Any, properties: Any = None) -> None:
        self.connected = True

    def connect(self) -> None:
        self.reload()
        self.client.connect(self.host, self.port, keepalive=30)

    def reload(self) -> None:
        self.devices = self.loader()
        self.loaded_at = time.monotonic()

    def stop(self) -> None:
        self.flush()
        self.client.disconnect()

    def run(self, *, seconds: float | None = None, until: Callable[[], bool] | None = None) -> None:
        if not self.connected:
            self.connect()
        started = time.monotonic()
        while True:
            self.client.loop(timeout=0.05)
            if time.monotonic() - self.last_flush >= self.flush_seconds:
                self.flush()
            if seconds is not None and time.monotonic() - started >= seconds:
                return
            if until is not None and until():
                return

    # --- messages ------------------------------------------------------------------------------
    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.stats["messages"] += 1
        self.buffer.acks.append((message.mid, message.qos))
        try:
            name, records = self.decode(message.topic, message.payload)
        except Rejected as exc:
            parts = message.topic.split("/")
            self.buffer.quarantine.append(
                {
                    "device": parts[2] if len(parts) == 3 else None,
                    "reason_code": exc.code,
                    "reason": f"{message.topic}: {exc.reason}"[:1000],
                    "raw": bytes(message.payload),
                }
            )
            self.stats["quarantined"] += 1
            return
        for record in records:
            self.buffer.records.setdefault(name, []).append(record)
            self.buffer.raws.setdefault(name, []).append(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        self.stats["records"] += len(records)
        if sum(len(v) for v in self.buffer.records.values()) >= self.max_batch:
            self.flush()

    def decode(self, topic: str, payload: bytes) -> tuple[str, list[dict[str, Any]]]:
        parts = topic.split("/")
        if len(parts) != 3 or parts[0] != "jianguan":
            raise Rejected("bad_topic", "主题应为 jianguan/<设备类型>/<设备编号>", "topic must be jianguan/<kind>/<id>")
        kind, serial = parts[1], parts[2]
        name = DEVICE_KIND_TYPES.get(kind) or (kind if kind in DATA_TYPES else None)
        if name is None:
            raise Rejected("bad_topic", f"未知的设备类型 {kind}", f"unknown device kind {kind}")
        device = self.devices.get(serial)
        if device is None and time.monotonic() - self.loaded_at > 5:
            self.reload()
            device = self.devices.get(serial)
        if device is None or not device.active:
            raise Rejected("unknown_device", f"设备 {serial} 未登记或已停用", f"device {serial} unknown or suspended")
        if DEVICE_KIND_TYPES.get(device.kind) != name:
            raise Rejected("wrong_kind", f"设备 {serial} 不是 {kind}", f"device {serial} is not a {kind}")
        try:
            envelope = json.loads(payload)
            stamp, nonce, data, sig = (
                str(int(envelope["ts"])),
                str(envelope["nonce"]),
                envelope["data"],
                envelope["sig"],
            )
            if not isinstance(data, str) or not isinstance(sig, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise Rejected("bad_envelope", "消息不是有效的签名信封", "not a valid signed envelope") from None
        expected = hmac.new(device.secret.encode(), _message(topic, stamp, nonce, data), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig.lower()):
            raise Rejected("bad_signature", "签名不正确", "bad signature")
        if abs(time.time() - int(stamp)) > SKEW_SECONDS:
            raise Rejected("stale", "消息时间与服务器相差过大", "timestamp too far from the server's clock")
        try:
            body = json.loads(data)
        except ValueError:
            raise Rejected("bad_json", "数据不是有效的 JSON", "data is not valid JSON") from None
        records = body if isinstance(body, list) else [body]
        if not all(isinstance(r, dict) for r in records):
            raise Rejected("bad_json", "每条记录应为 JSON 对象", "each record must be a JSON object")
        return name, [{**r, "device": serial} for r in records]

    # --- writing -------------------------------------------------------------------------------
    def flush(self) -> None:
        from jianguan.lake.ingest import ingest_records
        from jianguan.lake.store import quarantine_write

        self.last_flush = time.monotonic()
        work, self.buffer = self.buffer, _Buffer()
        if work.empty():
            return
        self.counter += 1
        batch = f"mqtt:{self.client_id}:{self.run_id}:{self.counter}"
        try:
            if work.quarantine:
                quarantine_write(
                    work.quarantine,
                    data_type=None,
                    source="mqtt",
                    batch=f"{batch}:q",
                    received_at=dt.datetime.now(dt.UTC),
                )
            for name, records in work.records.items():
                result = ingest_records(name, records, source="mqtt", batch=f"{batch}:{name}", raw=work.raws[name])
                self.stats["written"] += result.written
                self.stats["duplicates"] += result.duplicates
                self.stats["quarantined"] += result.quarantined
            self.stats["batches"] += 1
        except Exception:  # the lake is unavailable: keep the messages unacknowledged and retry
            log.exception("MQTT batch %s could not be written; retrying", batch)
            for name, records in work.records.items():
                self.buffer.records.setdefault(name, [])[:0] = records
                self.buffer.raws.setdefault(name, [])[:0] = work.raws[name]
            self.buffer.quarantine[:0] = work.quarantine
            self.buffer.acks[:0] = work.acks
            return
        for mid, qos in work.acks:
            if qos > 0:
                self.client.ack(mid, qos)
