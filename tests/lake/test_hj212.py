"""HJ 212-2017: CRC, frames, parsing, and the TCP server against real sockets."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time

import pytest
from deltalake import DeltaTable
from hypothesis import given
from hypothesis import strategies as st

from jianguan.lake import hj212
from jianguan.lake.store import table_uri
from tests.lake.conftest import MN, PW, RunningServer

BEIJING = dt.timezone(dt.timedelta(hours=8))
EXAMPLE = b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"


def test_crc_of_the_standards_example_is_1c80() -> None:
    assert f"{hj212.crc16(EXAMPLE):04X}" == "1C80"
    assert hj212.frame(EXAMPLE.decode()) == b"##0101" + EXAMPLE + b"1C80\r\n"


def test_crc_check_values_tell_the_2017_crc_from_modbus() -> None:
    assert hj212.crc16(b"123456789") == 0x2F80
    assert hj212.crc16_modbus(b"123456789") == 0x4B37


@given(st.binary(max_size=400))
def test_table_driven_crc_equals_the_standards_bitwise_definition(data: bytes) -> None:
    assert hj212.crc16(data) == hj212.crc16_reference(data)


def _packet(
    when: dt.datetime, *, cn: str = "2051", flag: int = 5, pm10: float = 80.0, mn: str = MN, pw: str = PW
) -> bytes:
    return hj212.data_packet(
        mn=mn,
        pw=pw,
        cn=cn,
        when=when,
        flag=flag,
        values={
            "a34001": 150.0,
            "a34002": pm10,
            "a34004": 40.5,
            "LA": 62.3,
            "a01001": 18.2,
            "a01002": 55.0,
            "a01007": 2.1,
            "a01008": 270.0,
        },
    )


def test_a_data_packet_becomes_a_record() -> None:
    raw = _packet(dt.datetime(2026, 11, 20, 8, 5, tzinfo=BEIJING))
    framed = hj212.FrameReader().feed(raw)
    assert len(framed) == 1
    assert framed[0].error is None
    packet = hj212.parse_segment(framed[0].segment or b"")
    assert (packet.cn, packet.mn, packet.wants_reply, packet.version) == ("2051", MN, True, 1)
    record = hj212.record_from(packet, hj212.parse_cp(packet.cp))
    assert record["ts"] == "2026-11-20 08:05:00"
    assert record["pm10"] == "80.0"
    assert record["noise"] == "62.3"
    assert record["wind_direction"] == "270.0"
    assert "a34002=N" in (record["flags"] or "")


def test_frame_reader_cuts_frames_across_reads_and_resyncs_after_garbage() -> None:
    one = _packet(dt.datetime(2026, 11, 20, 8, 5, tzinfo=BEIJING))
    two = _packet(dt.datetime(2026, 11, 20, 8, 6, tzinfo=BEIJING))
    stream = b"\x00\xffjunk" + one + b"##12xx" + two
    reader = hj212.FrameReader()
    out = []
    for i in range(0, len(stream), 7):
        out += reader.feed(stream[i : i + 7])
    good = [f for f in out if f.error is None]
    bad = [f.error.code for f in out if f.error is not None]
    assert [f.raw for f in good] == [one, two]
    assert "garbage" in bad
    assert "bad_length" in bad


def test_bad_crc_is_named_and_modbus_crc_is_recognised() -> None:
    segment = EXAMPLE
    modbus = b"##0101" + segment + f"{hj212.crc16_modbus(segment):04X}".encode() + b"\r\n"
    (framed,) = hj212.FrameReader().feed(modbus)
    assert framed.error is not None
    assert framed.error.code == "bad_crc"
    assert "Modbus" in framed.error.en
    assert framed.error.qn_rtn == hj212.QN_BAD_CRC


def test_replies_follow_the_standard() -> None:
    packet = hj212.parse_segment(EXAMPLE)
    reply = hj212.data_reply(packet)
    assert reply.startswith(b"##")
    assert reply.endswith(b"\r\n")
    segment = reply[6:-6]
    assert segment == b"QN=20160801085857223;ST=91;CN=9014;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&"
    assert reply[-6:-2] == f"{hj212.crc16(segment):04X}".encode()
    assert b"CN=9011" in hj212.request_reply(packet, 3)
    assert b"QnRtn=3" in hj212.request_reply(packet, 3)


# --- the server, over real TCP sockets -------------------------------------------------------------


def _connect(server: RunningServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def _read_replies(sock: socket.socket, count: int) -> list[bytes]:
    data = b""
    deadline = time.monotonic() + 10
    while data.count(b"\r\n") < count and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return [line + b"\r\n" for line in data.split(b"\r\n") if line]


def _rows(lake_table: str) -> list[dict]:
    return DeltaTable(table_uri(lake_table)).to_pyarrow_table().to_pylist()


def test_server_stores_data_and_answers_9014_once_written(hj212_server: RunningServer) -> None:
    when = dt.datetime(2026, 11, 20, 8, 0, tzinfo=BEIJING)
    with _connect(hj212_server) as sock:
        sock.sendall(b"".join(_packet(when + dt.timedelta(minutes=i)) for i in range(5)))
        replies = _read_replies(sock, 5)
    assert len(replies) == 5
    assert all(b"CN=9014" in r and b"ST=91" in r for r in replies)
    rows = _rows("dust_noise")
    assert len(rows) == 5
    assert {r["device"] for r in rows} == {MN}
    assert {r["source"] for r in rows} == {"hj212"}
    assert rows[0]["pm10"] == 80.0
    assert rows[0]["date"] == "2026-11-20"
    # 08:00 in Beijing is 00:00 UTC
    assert min(r["ts"] for r in rows) == dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.UTC)


def test_a_resent_packet_is_stored_once(hj212_server: RunningServer) -> None:
    packet = _packet(dt.datetime(2026, 11, 20, 9, 0, tzinfo=BEIJING))
    for _ in range(3):
        with _connect(hj212_server) as sock:
            sock.sendall(packet)
            assert len(_read_replies(sock, 1)) == 1
    assert len(_rows("dust_noise")) == 1
    assert hj212_server.server.stats.duplicates == 2


def test_no_reply_when_flag_does_not_ask(hj212_server: RunningServer) -> None:
    with _connect(hj212_server) as sock:
        sock.sendall(_packet(dt.datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING), flag=4))
        sock.sendall(_packet(dt.datetime(2026, 11, 20, 10, 1, tzinfo=BEIJING), flag=5))
        replies = _read_replies(sock, 1)
    assert len(replies) == 1
    assert b"QN=20261120100100000" in replies[0]
    assert len(_rows("dust_noise")) == 2


def test_bad_input_never_stops_the_server_and_is_quarantined_or_answered(hj212_server: RunningServer) -> None:
    when = dt.datetime(2026, 11, 20, 11, 0, tzinfo=BEIJING)
    good = _packet(when)
    bad_crc = good[:-6] + b"0000\r\n"
    bad_pw = _packet(when, pw="wrong")
    unknown = _packet(when, mn="JGNOBODY")
    suspended = _packet(when, mn="JGTEST_SUSPENDED")
    out_of_range = _packet(when + dt.timedelta(minutes=1), pm10=99999.0)
    unsupported = hj212.frame(f"QN=20261120110000000;ST=22;CN=3999;PW={PW};MN={MN};Flag=5;CP=&&&&")
    no_cp = hj212.frame(f"QN=20261120110000000;ST=22;CN=2051;PW={PW};MN={MN};Flag=5")
    bad_flag = hj212.frame(
        f"QN=20261120110000000;ST=22;CN=2051;PW={PW};MN={MN};Flag=5;CP=&&DataTime=20261120110200;a34002-Avg=1,a34002-Flag=Q&&"
    )
    with _connect(hj212_server) as sock:
        sock.sendall(os.urandom(300).replace(b"#", b"") + b"\r\n")
        sock.sendall(bad_crc + bad_pw + unknown + suspended + out_of_range + unsupported + no_cp + bad_flag)
        replies = _read_replies(sock, 8)
    text = b"".join(replies)
    assert b"QnRtn=9" in text  # bad CRC
    assert b"QnRtn=3" in text  # bad PW
    assert text.count(b"QnRtn=4") == 2  # unknown and suspended MN
    assert b"QnRtn=8" in text  # unsupported CN
    assert b"QnRtn=2" in text  # no CP, bad data flag
    # a truncated frame, then the connection drops
    with _connect(hj212_server) as sock:
        sock.sendall(good[:30])
    time.sleep(0.3)
    # the server still works
    with _connect(hj212_server) as sock:
        sock.sendall(good)
        assert b"CN=9014" in _read_replies(sock, 1)[0]
    hj212_server.flush()
    codes = sorted(r["reason_code"] for r in _rows("quarantine"))
    for code in (
        "garbage",
        "bad_crc",
        "bad_pw",
        "bad_mn",
        "out_of_range",
        "bad_cn",
        "no_cp",
        "bad_data_flag",
        "truncated",
    ):
        assert code in codes, code
    assert all(r["raw"] for r in _rows("quarantine"))
    stored = _rows("dust_noise")
    assert [r["pm10"] for r in stored] == [80.0]


def test_split_packets_are_joined(hj212_server: RunningServer) -> None:
    head = f"QN=20261120120000000;ST=22;CN=2051;PW={PW};MN={MN};Flag=7;PNUM=2;PNO="
    one = hj212.frame(head + "1;CP=&&DataTime=20261120120000;a34002-Avg=70,a34002-Flag=N&&")
    two = hj212.frame(head + "2;CP=&&DataTime=20261120120000;LA-Avg=66.5,LA-Flag=N&&")
    with _connect(hj212_server) as sock:
        sock.sendall(one + two)
        _read_replies(sock, 2)
    hj212_server.flush()
    (row,) = _rows("dust_noise")
    assert row["pm10"] == 70.0
    assert row["noise"] == 66.5


@pytest.mark.django_db
def test_directory_reads_registered_hj212_monitors() -> None:
    from jianguan.core.models import Device
    from jianguan.lake.hj212_server import load_devices
    from tests.factories import DeviceFactory, JurisdictionFactory

    place = JurisdictionFactory(code="420500", name="宜昌市")
    DeviceFactory(
        serial=MN, kind=Device.Kind.DUST_NOISE_MONITOR, protocol=Device.Protocol.HJ212, secret=PW, jurisdiction=place
    )
    DeviceFactory(serial="JGOTHER", jurisdiction=place)
    devices = load_devices()
    assert list(devices) == [MN]
    assert devices[MN].secret == PW
    assert devices[MN].active
