"""Realistic device traffic against a running Jianguan, so a person can watch the command centre react
(DESIGN.md, demo contracts: ``jianguan devices simulate [--rate N] [--seconds S]``).

The simulator speaks each device's own protocol over a real connection, as the devices would:

* attendance terminals: ZKTeco PUSH (``GET /iclock/cdata`` handshake, ``POST …&table=ATTLOG``
  tab-separated punches) to the web server;
* dust and noise monitors: HJ 212-2017 minute data (CN 2051, with the monitor's password) over TCP
  to the HJ 212 server;
* tower cranes and hoists: signed envelopes published to ``jianguan/<device-kind>/<serial>`` on the
  MQTT broker (QoS 1).

It takes the devices, their secrets and the enrolled PINs from the database it is configured with
(the demo city's), so it runs on the server's machine: a development and demonstration tool, not a
device. Simulated time runs one minute per tick for monitors and cranes and ends at the present
minute, so the readings are recent and each is distinct (re-running the simulator re-sends the
same minutes, which the server stores once).

Planted anomalies, each of which the server keeps and flags rather than drops:

* one dust monitor reports PM10 far above the limit for the whole run (an exceedance run);
* one crane lifts above its safe load (moment over 100 %, warning bit set);
* the terminal sends a punch for a PIN nobody is enrolled under, and one unreadable line;
* one HJ 212 packet arrives with a corrupted CRC (answered or dropped as the standard says, and
  quarantined).
"""

from __future__ import annotations

import datetime as dt
import random
import socket
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from jianguan.lake import hj212
from jianguan.lake.mqtt import sign_message

UNKNOWN_PIN = "999999"
HJ212_MINUTE = "2051"
PM10, TSP, PM25, NOISE = "a34002", "a34001", "a34004", "LA"


@dataclass(frozen=True)
class Terminal:
    serial: str
    pins: tuple[str, ...]


@dataclass(frozen=True)
class Monitor:
    serial: str
    password: str


@dataclass(frozen=True)
class Mqtt:
    serial: str
    kind: str
    secret: str


@dataclass
class Fleet:
    terminals: list[Terminal] = field(default_factory=list)
    monitors: list[Monitor] = field(default_factory=list)
    mqtt: list[Mqtt] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.terminals) + len(self.monitors) + len(self.mqtt)


def fleet_load(*, limit: int = 50) -> Fleet:
    """The active devices the simulator plays, at most ``limit`` of each kind, by serial."""
    from jianguan.attendance.models import Enrolment
    from jianguan.core.models import Device

    active = Device.objects.filter(status=Device.Status.ACTIVE)
    fleet = Fleet()
    terminals = list(active.filter(protocol=Device.Protocol.ZKTECO_PUSH).order_by("serial")[:limit])
    pins: dict[int, list[str]] = {}
    for device_id, pin in Enrolment.objects.filter(
        device__in=terminals, ended_at__isnull=True, person__isnull=False
    ).values_list("device_id", "pin"):
        pins.setdefault(device_id, []).append(pin)
    fleet.terminals = [Terminal(d.serial, tuple(sorted(pins.get(d.pk, [])))) for d in terminals if pins.get(d.pk)]
    fleet.monitors = [
        Monitor(d.serial, d.secret)
        for d in active.filter(protocol=Device.Protocol.HJ212).order_by("serial")[:limit]
        if d.secret
    ]
    fleet.mqtt = [
        Mqtt(d.serial, d.kind, d.secret)
        for d in active.filter(
            protocol=Device.Protocol.MQTT, kind__in=(Device.Kind.CRANE_MONITOR, Device.Kind.HOIST_MONITOR)
        ).order_by("serial")[:limit]
        if d.secret
    ]
    return fleet


@dataclass
class Targets:
    web: str = "http://127.0.0.1:8000"
    hj212_host: str = "127.0.0.1"
    hj212_port: int = 9212
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883


@dataclass
class Report:
    sent: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    planted: Counter[str] = field(default_factory=Counter)
    last_error: dict[str, str] = field(default_factory=dict)

    def fail(self, channel: str, reason: str) -> None:
        self.errors[channel] += 1
        self.last_error[channel] = reason


class Simulator:
    """One run: ``ticks`` rounds; in each, every monitor and crane sends one minute of readings and
    the terminals send ``punches_per_tick`` punches in one ATTLOG upload each."""

    def __init__(self, fleet: Fleet, targets: Targets, *, seed: int = 2015, now: dt.datetime | None = None) -> None:
        self.fleet = fleet
        self.targets = targets
        self.rng = random.Random(seed)
        self.now = (now or timezone.now()).replace(second=0, microsecond=0)
        self.report = Report()
        self._mqtt: Any = None
        self._hj212: socket.socket | None = None
        self._pending = b""
        self.hot_monitor = fleet.monitors[0].serial if fleet.monitors else None
        cranes = [m for m in fleet.mqtt if m.kind == "crane_monitor"]
        self.overloaded_crane = cranes[0].serial if cranes else None

    # -- connections ----------------------------------------------------------------------------
    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._hj212 is not None:
            self._hj212.close()
        if self._mqtt is not None:
            self._mqtt.loop_stop()
            self._mqtt.disconnect()

    def _mqtt_client(self) -> Any:
        if self._mqtt is None:
            import paho.mqtt.client as mqtt

            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"jianguan-simulate-{time.time_ns()}")
            client.connect(self.targets.mqtt_host, self.targets.mqtt_port, keepalive=30)
            client.loop_start()
            self._mqtt = client
        return self._mqtt

    def _hj212_socket(self) -> socket.socket:
        if self._hj212 is None:
            self._hj212 = socket.create_connection((self.targets.hj212_host, self.targets.hj212_port), timeout=5)
        return self._hj212

    # -- attendance terminals (ZKTeco PUSH) -----------------------------------------------------
    def _http(self, method: str, path: str, body: bytes | None = None) -> str:
        url = self.targets.web.rstrip("/") + path
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {url}")
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "text/plain"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (checked above)
            return str(response.read().decode("utf-8", errors="replace"))

    def handshake(self) -> None:
        for terminal in self.fleet.terminals:
            try:
                self._http("GET", f"/iclock/cdata?SN={terminal.serial}&options=all&pushver=2.4.1")
            except (OSError, urllib.error.URLError) as exc:
                self.report.fail("zkteco", f"{terminal.serial}: {exc}")

    def punches(self, tick: int, minute: dt.datetime, count: int) -> None:
        when = timezone.localtime(minute)
        for index, terminal in enumerate(self.fleet.terminals):
            lines = []
            for i in range(count):
                pin = self.rng.choice(terminal.pins)
                at = when + dt.timedelta(seconds=i % 60)
                lines.append(f"{pin}\t{at:%Y-%m-%d %H:%M:%S}\t0\t15\t0\t0")
            if tick == 0 and index == 0:
                lines.append(f"{UNKNOWN_PIN}\t{when:%Y-%m-%d %H:%M:%S}\t0\t15\t0\t0")
                lines.append("not a punch line")
                self.report.planted["unknown_pin"] += 1
                self.report.planted["unreadable_line"] += 1
            body = ("\n".join(lines) + "\n").encode()
            stamp = int(when.timestamp())
            self.report.sent["zkteco"] += len(lines)
            try:
                answer = self._http("POST", f"/iclock/cdata?SN={terminal.serial}&table=ATTLOG&Stamp={stamp}", body)
            except (OSError, urllib.error.URLError) as exc:
                self.report.fail("zkteco", f"{terminal.serial}: {exc}")
                continue
            if answer.startswith("OK"):
                self.report.acknowledged["zkteco"] += len(lines)
            else:
                self.report.fail("zkteco", f"{terminal.serial}: {answer.strip()}")

    # -- dust and noise monitors (HJ 212) -------------------------------------------------------
    def minute_data(self, tick: int, minute: dt.datetime) -> None:
        when = timezone.localtime(minute)
        for monitor in self.fleet.monitors:
            hot = monitor.serial == self.hot_monitor
            values = {
                TSP: round(self.rng.uniform(80, 160) + (400 if hot else 0), 1),
                PM10: round(self.rng.uniform(40, 110) + (300 if hot else 0), 1),
                PM25: round(self.rng.uniform(20, 60), 1),
                NOISE: round(self.rng.uniform(55, 68), 1),
            }
            packet = hj212.data_packet(
                mn=monitor.serial, pw=monitor.password, cn=HJ212_MINUTE, when=when, values=values, flag=5
            )
            if hot:
                self.report.planted["pm10_exceedance"] += 1
            if tick == 0 and monitor is self.fleet.monitors[-1]:
                packet = packet[:-6] + b"0000\r\n"  # a corrupted CRC
                self.report.planted["bad_crc"] += 1
            self.report.sent["hj212"] += 1
            try:
                self._hj212_socket().sendall(packet)
            except OSError as exc:
                self.report.fail("hj212", str(exc))
                self._hj212 = None
        self._replies()

    def _replies(self, wait: float = 0.0) -> None:
        """Count the server's 9014 replies ("data received", sent when the Flag asks for one) without
        waiting for each packet; ``wait`` seconds at most for the last ones."""
        sock = self._hj212
        if sock is None:
            return
        deadline = time.monotonic() + wait
        while True:
            remaining = deadline - time.monotonic()
            if wait and remaining <= 0:
                return
            sock.settimeout(remaining if wait else 0.0)
            try:
                chunk = sock.recv(65536)
            except (BlockingIOError, TimeoutError):
                return
            except OSError as exc:
                self.report.fail("hj212", str(exc))
                self._hj212 = None
                return
            if not chunk:
                self._hj212 = None
                return
            self._pending += chunk
            *lines, self._pending = self._pending.split(b"\r\n")
            self.report.acknowledged["hj212"] += sum(b"CN=9014" in line for line in lines)
            if wait and self.report.acknowledged["hj212"] >= self.report.sent["hj212"] - self.report.planted["bad_crc"]:
                return

    # -- cranes and hoists (MQTT) ---------------------------------------------------------------
    def telemetry(self, tick: int, minute: dt.datetime) -> None:
        when = minute
        for device in self.fleet.mqtt:
            ts = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if device.kind == "crane_monitor":
                over = device.serial == self.overloaded_crane and tick % 5 == 0
                safe = 8.0
                load = round(self.rng.uniform(1.0, 6.5) if not over else 9.6, 2)
                record: dict[str, Any] = {
                    "ts": ts,
                    "load_t": load,
                    "safe_load_t": safe,
                    "moment_pct": round(100 * load / safe, 1),
                    "amplitude_m": round(self.rng.uniform(5, 55), 1),
                    "rotation_deg": round(self.rng.uniform(-180, 180), 1),
                    "height_m": round(self.rng.uniform(5, 80), 1),
                    "tilt_x": round(self.rng.uniform(-0.3, 0.3), 2),
                    "tilt_y": round(self.rng.uniform(-0.3, 0.3), 2),
                    "wind_speed": round(self.rng.uniform(0, 9), 1),
                    "warning": 1 if over else 0,
                    "driver": "",
                }
                if over:
                    self.report.planted["crane_overload"] += 1
            else:
                record = {
                    "ts": ts,
                    "load_kg": round(self.rng.uniform(100, 1500), 0),
                    "rated_load_kg": 2000.0,
                    "height_m": round(self.rng.uniform(0, 90), 1),
                    "speed_m_s": round(self.rng.uniform(-1, 1), 2),
                    "floor": self.rng.randrange(1, 30),
                    "people": self.rng.randrange(0, 12),
                    "door_open": False,
                    "warning": 0,
                    "driver": "",
                }
            topic = f"jianguan/{device.kind}/{device.serial}"
            payload = sign_message(topic=topic, secret=device.secret, records=[record])
            self.report.sent["mqtt"] += 1
            try:
                info = self._mqtt_client().publish(topic, payload, qos=1)
                info.wait_for_publish(timeout=5)
                if info.is_published():
                    self.report.acknowledged["mqtt"] += 1
                else:
                    self.report.fail("mqtt", f"{topic}: not acknowledged by the broker")
            except (OSError, RuntimeError, ValueError) as exc:
                self.report.fail("mqtt", f"{topic}: {exc}")

    # -- the run --------------------------------------------------------------------------------
    def run(
        self,
        *,
        ticks: int,
        punches_per_tick: int = 5,
        pace: float = 0.0,
        on_tick: Callable[[int], object] | None = None,
    ) -> Report:
        """``ticks`` rounds, ``pace`` seconds apart at most (0: as fast as the servers answer)."""
        self.handshake()
        for tick in range(ticks):
            started = time.monotonic()
            minute = self.now - dt.timedelta(minutes=ticks - tick)  # simulated time ends at the present minute
            if self.fleet.terminals:
                self.punches(tick, minute, punches_per_tick)
            if self.fleet.monitors:
                self.minute_data(tick, minute)
            if self.fleet.mqtt:
                self.telemetry(tick, minute)
            if on_tick:
                on_tick(tick)
            rest = pace - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)
        if self.fleet.monitors:
            self._replies(wait=5.0)
        return self.report
