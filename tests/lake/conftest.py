from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jianguan.lake.hj212_server import DeviceEntry, Directory, Hj212Server

MN = "JGTEST0000000000000001"
PW = "123456"


@pytest.fixture
def lake(settings: Any, tmp_path: Path) -> Path:
    """A private lake for the test."""
    settings.LAKE_URI = str(tmp_path / "lake")
    return tmp_path / "lake"


class RunningServer:
    def __init__(self, server: Hj212Server, loop: asyncio.AbstractEventLoop) -> None:
        self.server, self.loop = server, loop

    @property
    def port(self) -> int:
        return self.server.port

    def flush(self) -> None:
        assert self.server.sink is not None
        asyncio.run_coroutine_threadsafe(self.server.sink.flush(), self.loop).result(30)


@pytest.fixture
def hj212_server(lake: Path) -> Iterator[RunningServer]:
    """The HJ 212 server on a free port, in a thread of its own, knowing one monitor (MN, PW) and a
    suspended one."""
    devices = {MN: DeviceEntry(PW, True), "JGTEST_SUSPENDED": DeviceEntry(PW, False)}
    directory = Directory(loader=lambda: dict(devices), refresh=3600)
    server = Hj212Server(host="127.0.0.1", port=0, directory=directory, flush_seconds=0.1)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="hj212-test", daemon=True)
    thread.start()
    assert started.wait(30)
    try:
        yield RunningServer(server, loop)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
