"""The HJ 212-2017 TCP server for dust and noise monitors (asyncio).

Each connection's bytes are cut into frames; a frame with a bad CRC, a bad length, a truncated
frame, garbage or a segment that does not parse is put in quarantine with the raw bytes and, when
the standard has an answer for it and the packet asks for one, answered with 9011 and the QnRtn
code (3 bad PW, 4 bad MN, 8 bad CN, 9 bad CRC …). Nothing a device sends stops the server.

Data (CN 2011 real-time, 2051 minute, 2061 hourly) from a registered, active monitor whose PW is
its secret is buffered and written to the ``dust_noise`` table every ``flush_seconds`` (or sooner
when ``max_batch`` records are waiting) as one idempotent batch; the 9014 reply a packet asks for
(Flag bit A) is sent only once its batch is committed, so a device that gets no answer resends
and the key (device, time, CN) keeps the resend from being stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from jianguan.lake import hj212
from jianguan.lake.hj212 import Framed, FrameReader, Packet, ProtocolError

log = logging.getLogger("jianguan.lake.hj212")

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 9212
IDLE_TIMEOUT = 600.0
MAX_SPLIT_PARTS = 64


@dataclass
class DeviceEntry:
    secret: str
    active: bool


def load_devices() -> dict[str, DeviceEntry]:
    from django.db import close_old_connections, connection

    from jianguan.core.models import Device

    if not connection.in_atomic_block:  # a server's thread: drop a connection gone stale
        close_old_connections()
    rows = Device.objects.filter(protocol=Device.Protocol.HJ212).values_list("serial", "secret", "status")
    return {serial: DeviceEntry(secret, status == Device.Status.ACTIVE) for serial, secret, status in rows}


class Directory:
    """Registered HJ 212 devices, reloaded every ``refresh`` seconds (and on an unknown MN, at most
    every few seconds) so the server does not query the database per packet."""

    def __init__(self, loader: Callable[[], dict[str, DeviceEntry]] = load_devices, refresh: float = 30.0) -> None:
        self.loader = loader
        self.refresh = refresh
        self.devices: dict[str, DeviceEntry] = {}
        self.loaded_at = 0.0

    async def reload(self) -> None:
        self.devices = await asyncio.to_thread(self.loader)
        self.loaded_at = time.monotonic()

    def cached(self, mn: str) -> DeviceEntry | None:
        """The entry without waiting, when the directory is fresh and knows the MN."""
        if time.monotonic() - self.loaded_at > self.refresh:
            return None
        return self.devices.get(mn)

    async def get(self, mn: str) -> DeviceEntry | None:
        age = time.monotonic() - self.loaded_at
        if age > self.refresh or (mn not in self.devices and age > 5.0):
            await self.reload()
        return self.devices.get(mn)


@dataclass
class Stats:
    packets: int = 0
    records: int = 0
    written: int = 0
    duplicates: int = 0
    quarantined: int = 0
    replies: int = 0
    batches: int = 0
    connections: int = 0
    errors: int = 0
    write_seconds: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass
class _Pending:
    records: list[dict[str, Any]] = field(default_factory=list)
    raws: list[bytes] = field(default_factory=list)
    replies: list[tuple[asyncio.StreamWriter, bytes]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)


class Sink:
    """Buffers records and quarantine rows; one flush at a time writes them as one batch."""

    def __init__(self, stats: Stats, *, flush_seconds: float = 0.5, max_batch: int = 20000) -> None:
        self.stats = stats
        self.flush_seconds = flush_seconds
        self.max_batch = max_batch
        self.pending = _Pending()
        self.server_id = uuid.uuid4().hex[:12]
        self.counter = 0
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()
        self.owed: dict[int, int] = {}  # replies waiting for a commit, per connection
        # one writer thread: its DuckDB connection and imports are made once, at start
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hj212-writer")

    async def warm_up(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.executor, _warm_up)

    def add(self, record: dict[str, Any], raw: bytes, reply: tuple[asyncio.StreamWriter, bytes] | None = None) -> None:
        """Buffer a record; ``reply`` is sent once its batch is committed."""
        self.pending.records.append(record)
        self.pending.raws.append(raw)
        if reply is not None:
            self.pending.replies.append(reply)
        if len(self.pending.records) >= self.max_batch:
            self.wake.set()

    def quarantine(self, raw: bytes, error: ProtocolError, device: str | None = None) -> None:
        self.stats.quarantined += 1
        self.pending.quarantine.append(
            {"device": device, "reason_code": error.code, "reason": error.reason, "raw": raw}
        )

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.flush_seconds)
            self.wake.clear()
            await self.flush()

    async def flush(self) -> None:
        async with self.lock:
            work, self.pending = self.pending, _Pending()
            if not work.records and not work.quarantine:
                return
            self.counter += 1
            batch = f"hj212:{self.server_id}:{self.counter}"
            started = time.perf_counter()
            try:
                result = await asyncio.get_running_loop().run_in_executor(self.executor, _write, work, batch)
            except Exception:  # the lake is unavailable: keep everything for the next flush
                log.exception("HJ 212 batch %s could not be written; retrying", batch)
                self.stats.errors += 1
                work.records += self.pending.records
                work.raws += self.pending.raws
                work.replies += self.pending.replies
                work.quarantine += self.pending.quarantine
                self.pending = work
                await asyncio.sleep(1.0)
                return
            self.stats.batches += 1
            self.stats.write_seconds += time.perf_counter() - started
            self.stats.written += result.written
            self.stats.duplicates += result.duplicates
            self.stats.quarantined += result.quarantined
            self.answer(work.replies)

    def answer(self, replies: list[tuple[asyncio.StreamWriter, bytes]]) -> None:
        """Send the replies owed after a commit: one write per connection."""
        grouped: dict[asyncio.StreamWriter, list[bytes]] = {}
        for writer, data in replies:
            grouped.setdefault(writer, []).append(data)
        for writer, parts in grouped.items():
            self.owed[id(writer)] = self.owed.get(id(writer), len(parts)) - len(parts)
            if not writer.is_closing():
                writer.write(b"".join(parts))
                self.stats.replies += len(parts)


def _warm_up() -> None:
    import pandas  # noqa: F401  (pyarrow's conversions import it: pay for it before the first batch)

    from jianguan.lake.store import ensure_table
    from jianguan.lake.validation import connection

    connection()
    ensure_table("dust_noise")


def _write(work: _Pending, batch: str) -> Any:
    from django.db import close_old_connections, connection

    from jianguan.lake.ingest import ingest_records
    from jianguan.lake.store import BatchResult, quarantine_write

    if not connection.in_atomic_block:  # a server's thread: drop a connection gone stale
        close_old_connections()
    now = dt.datetime.now(dt.UTC)
    if work.quarantine:
        quarantine_write(work.quarantine, data_type="dust_noise", source="hj212", batch=f"{batch}:q", received_at=now)
    if not work.records:
        return BatchResult("dust_noise", batch)
    return ingest_records("dust_noise", work.records, source="hj212", batch=batch, raw=work.raws)


class Hj212Server:
    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        directory: Directory | None = None,
        flush_seconds: float = 0.5,
        max_batch: int = 20000,
    ) -> None:
        self.host, self.port = host, port
        self.directory = directory or Directory()
        self.stats = Stats()
        self.flush_seconds, self.max_batch = flush_seconds, max_batch
        self.sink: Sink | None = None
        self.server: asyncio.Server | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._splits: dict[tuple[str, str], dict[int, str]] = {}

    async def start(self) -> None:
        self.sink = Sink(self.stats, flush_seconds=self.flush_seconds, max_batch=self.max_batch)
        await self.directory.reload()
        await self.sink.warm_up()
        self.server = await asyncio.start_server(self.handle, self.host, self.port, limit=1 << 16)
        self.port = self.server.sockets[0].getsockname()[1]
        self._flusher = asyncio.create_task(self.sink.run())

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        if self.sink is not None:
            await self.sink.flush()
            self.sink.executor.shutdown(wait=True)

    async def serve_forever(self) -> None:
        await self.start()
        assert self.server is not None
        try:
            await self.server.serve_forever()
        finally:
            await self.stop()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        frames = FrameReader()
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(65536), timeout=IDLE_TIMEOUT)
                except (TimeoutError, ConnectionError):
                    break
                if not data:
                    break
                for framed in frames.feed(data):
                    await self._one(framed, writer)
            for framed in frames.close():
                await self._one(framed, writer)
            # wait (a little) for the replies still owed to this device
            deadline = time.monotonic() + 5 * self.flush_seconds + 5
            while self.sink is not None and self.sink.owed.get(id(writer)) and time.monotonic() < deadline:
                await asyncio.sleep(self.flush_seconds / 2)
        except Exception:  # never let one connection take the server down
            log.exception("HJ 212 connection failed")
            self.stats.errors += 1
        finally:
            if self.sink is not None:
                self.sink.owed.pop(id(writer), None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one(self, framed: Framed, writer: asyncio.StreamWriter) -> None:
        assert self.sink is not None
        self.stats.packets += 1
        try:
            answer = await self._process(framed, writer)
        except Exception as exc:  # a bug must not stop the server: quarantine the frame
            log.exception("HJ 212 frame failed")
            self.stats.errors += 1
            self.sink.quarantine(framed.raw, ProtocolError("internal", "内部错误", f"internal error: {exc}"[:200]))
            return
        if answer:
            self._send(writer, answer)

    def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if not writer.is_closing():
            writer.write(data)
            self.stats.replies += 1

    async def _process(self, framed: Framed, writer: asyncio.StreamWriter) -> bytes | None:
        assert self.sink is not None
        if framed.error is not None:
            loose = hj212.loose_packet(framed.segment) if framed.segment else None
            self.sink.quarantine(framed.raw, framed.error, loose.mn if loose else None)
            if loose is not None and loose.wants_reply and framed.error.qn_rtn:
                return hj212.request_reply(loose, framed.error.qn_rtn)
            return None
        assert framed.segment is not None
        try:
            packet = hj212.parse_segment(framed.segment)
        except ProtocolError as error:
            loose = hj212.loose_packet(framed.segment)
            self.sink.quarantine(framed.raw, error, loose.mn if loose else None)
            if loose is not None and loose.wants_reply and error.qn_rtn:
                return hj212.request_reply(loose, error.qn_rtn)
            return None
        device = self.directory.cached(packet.mn) or await self.directory.get(packet.mn)
        if device is None or not device.active:
            why = "未登记的监测设备" if device is None else "设备已停用"
            en = "unknown monitor" if device is None else "monitor suspended"
            self.sink.quarantine(framed.raw, ProtocolError("bad_mn", f"MN {packet.mn}：{why}", f"MN {packet.mn}: {en}"))
            return hj212.request_reply(packet, hj212.QN_BAD_MN) if packet.wants_reply else None
        if packet.pw != device.secret:
            self.sink.quarantine(framed.raw, ProtocolError("bad_pw", "访问密码错误", "wrong password (PW)"), packet.mn)
            return hj212.request_reply(packet, hj212.QN_BAD_PW) if packet.wants_reply else None
        if packet.cn in hj212.DATA_CNS:
            cp = self._assemble(packet)
            if cp is None:  # a part of a split packet: wait for the rest
                return hj212.data_reply(packet) if packet.wants_reply else None
            try:
                record = hj212.record_from(packet, hj212.parse_cp(cp))
            except ProtocolError as error:
                self.sink.quarantine(framed.raw, error, packet.mn)
                return hj212.request_reply(packet, hj212.QN_REJECTED) if packet.wants_reply else None
            self.stats.records += 1
            if packet.wants_reply:
                self.sink.owed[id(writer)] = self.sink.owed.get(id(writer), 0) + 1
                self.sink.add(record, framed.raw, (writer, hj212.data_reply(packet)))
            else:
                self.sink.add(record, framed.raw)
            return None
        if packet.cn in hj212.ACKNOWLEDGED_CNS:
            return hj212.data_reply(packet) if packet.wants_reply and packet.cn != hj212.CN_HEARTBEAT else None
        self.sink.quarantine(
            framed.raw,
            ProtocolError("bad_cn", f"不支持的命令编码 CN={packet.cn}", f"unsupported CN {packet.cn}"),
            packet.mn,
        )
        return hj212.request_reply(packet, hj212.QN_BAD_CN) if packet.wants_reply else None

    def _assemble(self, packet: Packet) -> str | None:
        """The whole CP of a packet; split packets (Flag bit D, PNUM/PNO) are joined when complete."""
        if not packet.is_split or not packet.pnum or packet.pnum <= 1:
            return packet.cp
        key = (packet.mn, packet.qn)
        parts = self._splits.setdefault(key, {})
        if packet.pno is not None and 1 <= packet.pno <= min(packet.pnum, MAX_SPLIT_PARTS):
            parts[packet.pno] = packet.cp
        if len(self._splits) > 10000:  # forget the oldest incomplete packets
            for stale in list(self._splits)[:1000]:
                self._splits.pop(stale, None)
        if len(parts) < packet.pnum:
            return None
        del self._splits[key]
        return ";".join(parts[i] for i in sorted(parts))


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, **options: Any) -> None:
    server = Hj212Server(host=host, port=port, **options)
    asyncio.run(server.serve_forever())
