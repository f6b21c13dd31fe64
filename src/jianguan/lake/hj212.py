"""HJ 212-2017: frames, CRC, data segments, replies — plain functions, no I/O.

Frame: ``##`` + 4-digit decimal length of the data segment + data segment + CRC (4 upper-case hex
digits) + CR LF. The CRC is computed over the data segment as the 2017 standard defines it (not the
Modbus CRC some devices use): register 0xFFFF; for each byte, shift the register right by 8 and XOR
the byte into it, then 8 rounds of shift right with the reflected polynomial 0xA001 when the bit
shifted out is 1. The standard's example segment gives 1C80.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAX_SEGMENT = 1024  # the standard's upper bound on the data segment
MAX_CP = 950

# CN (command numbers)
CN_REALTIME, CN_MINUTE, CN_HOURLY = "2011", "2051", "2061"
DATA_CNS = {CN_REALTIME, CN_MINUTE, CN_HOURLY}
CN_REQUEST_REPLY, CN_EXECUTION_RESULT, CN_NOTICE_REPLY, CN_DATA_REPLY, CN_HEARTBEAT = (
    "9011",
    "9012",
    "9013",
    "9014",
    "9015",
)
# Uploads the platform accepts but does not store in the dust/noise table (status, daily, run times…)
ACKNOWLEDGED_CNS = {"2021", "2031", "2041", "2081", "1011", "1013", "1061", "1063", "9012", "9013", "9014", "9015"}

# QnRtn (request reply)
QN_READY, QN_REJECTED, QN_BAD_PW, QN_BAD_MN, QN_BAD_ST, QN_BAD_FLAG, QN_BAD_QN, QN_BAD_CN, QN_BAD_CRC = (
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
)

DATA_FLAGS = {
    "N": "正常 normal",
    "F": "停运 stopped",
    "M": "维护 maintenance",
    "S": "手工输入 manual",
    "D": "故障 fault",
    "C": "校准 calibration",
    "T": "超测上限 over range",
    "B": "通讯异常 communication fault",
}

CODES = {
    "a34001": "tsp",
    "a34002": "pm10",
    "a34004": "pm25",
    "LA": "noise",
    "a01001": "temperature",
    "a01002": "humidity",
    "a01007": "wind_speed",
    "a01008": "wind_direction",
}
VALUE_SUFFIX = {CN_REALTIME: "Rtd", CN_MINUTE: "Avg", CN_HOURLY: "Avg"}


def crc16_reference(data: bytes) -> int:
    """CRC16 of HJ 212-2017, bit by bit exactly as the standard describes it."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ byte
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= 0xA001
    return crc


def _table() -> list[int]:
    # Eight reflected rounds act on the low byte only (the high byte just shifts down 8 places),
    # so they are a table lookup: rounds(c) = (c >> 8) ^ TABLE[c & 0xFF].
    out = []
    for low in range(256):
        crc = low
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        out.append(crc)
    return out


_TABLE = _table()
# After ``c = (crc >> 8) ^ byte`` the register is at most 0xFF, so the next register is TABLE[c]:
# only its high byte carries forward. An 8-bit state machine, h' = HIGH[h ^ byte], ends with
# crc = TABLE[h ^ last byte]; two bytes at a time, h'' = PAIR[(b0 ^ h) | b1 << 8].
_HIGH = [t >> 8 for t in _TABLE]
_PAIR = [_HIGH[_HIGH[i & 0xFF] ^ (i >> 8)] for i in range(65536)]


def crc16(data: bytes) -> int:
    """CRC16 of HJ 212-2017 (check value over ``123456789``: 0x2F80); equal to
    :func:`crc16_reference`, two bytes per step."""
    n = len(data)
    if n == 0:
        return 0xFFFF
    h = 0xFF
    body = n - 1
    if body & 1:
        h = _HIGH[h ^ data[0]]
        start = 1
    else:
        start = 0
    if body - start:
        pair = _PAIR
        for word in memoryview(data)[start:body].cast("H"):
            h = pair[word ^ h]
    return _TABLE[h ^ data[body]]


def crc16_modbus(data: bytes) -> int:
    """The Modbus CRC16 some devices use by mistake (0x4B37 over ``123456789``): recognised, refused."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= 0xA001
    return crc


def frame(segment: str) -> bytes:
    body = segment.encode("ascii")
    return b"##" + f"{len(body):04d}".encode() + body + f"{crc16(body):04X}".encode() + b"\r\n"


class ProtocolError(ValueError):
    def __init__(self, code: str, zh: str, en: str, *, qn_rtn: int | None = None) -> None:
        super().__init__(f"{zh} ({en})")
        self.code, self.zh, self.en, self.qn_rtn = code, zh, en, qn_rtn

    @property
    def reason(self) -> str:
        return f"{self.zh} ({self.en})"


@dataclass
class Framed:
    """One frame cut from the stream: its segment, or the problem that made it unusable."""

    raw: bytes
    segment: bytes | None = None
    error: ProtocolError | None = None


class FrameReader:
    """Cuts frames out of a TCP byte stream; resynchronises on ``##`` after garbage or a bad frame."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> list[Framed]:
        buf = self.buffer + data if self.buffer else bytes(data)
        pos = 0
        out: list[Framed] = []
        size = len(buf)
        while True:
            start = buf.find(b"##", pos)
            if start < 0:
                # keep a lone trailing '#', it may start the next header
                keep = 1 if buf.endswith(b"#") else 0
                junk = buf[pos : size - keep]
                if junk.strip():
                    out.append(Framed(junk, error=_garbage()))
                self.buffer = buf[size - keep :]
                return out
            if start > pos:
                junk = buf[pos:start]
                if junk.strip():
                    out.append(Framed(junk, error=_garbage()))
                pos = start
            if size - pos < 6:
                break
            digits = buf[pos + 2 : pos + 6]
            if not digits.isdigit() or int(digits) > MAX_SEGMENT:
                out.append(
                    Framed(
                        buf[pos : pos + 6],
                        error=ProtocolError(
                            "bad_length", f"数据段长度 {digits!r} 无效", f"invalid segment length {digits!r}"
                        ),
                    )
                )
                pos += 2  # skip this '##' and look for the next
                continue
            length = int(digits)
            total = 6 + length + 4 + 2
            if size - pos < total:
                # a frame in progress; but if another header follows the CRLF of a shorter frame,
                # the length was a lie: resync on the next header
                nxt = buf.find(b"\r\n##", pos + 6)
                if nxt >= 0:
                    out.append(Framed(buf[pos : nxt + 2], error=_truncated()))
                    pos = nxt + 2
                    continue
                break
            end = pos + total
            if buf[end - 2 : end] != b"\r\n":
                crlf = buf.find(b"\r\n", pos + 6)
                cut = crlf + 2 if crlf >= 0 else end
                out.append(
                    Framed(
                        buf[pos:cut],
                        error=ProtocolError("bad_frame", "包长度与内容不符", "length does not match the frame"),
                    )
                )
                pos = cut
                continue
            raw = buf[pos:end]
            pos = end
            segment = raw[6 : 6 + length]
            given = raw[6 + length : 6 + length + 4]
            expected = crc16(segment)
            try:
                given_crc = int(given, 16)
            except ValueError:
                given_crc = -1
            if given_crc != expected or not given.isalnum():
                text = given.decode("ascii", "replace")
                modbus = " (Modbus CRC)" if given_crc == crc16_modbus(segment) else ""
                out.append(
                    Framed(
                        raw,
                        segment=segment,
                        error=ProtocolError(
                            "bad_crc",
                            f"CRC 校验错误：收到 {text}，应为 {expected:04X}{modbus}",
                            f"bad CRC: got {text}, expected {expected:04X}{modbus}",
                            qn_rtn=QN_BAD_CRC,
                        ),
                    )
                )
                continue
            out.append(Framed(raw, segment=segment))
        self.buffer = buf[pos:]
        return out

    def close(self) -> list[Framed]:
        """The connection ended: whatever is left is a truncated frame (or garbage)."""
        rest = self.buffer
        self.buffer = b""
        if not rest.strip():
            return []
        return [Framed(rest, error=_truncated())]


def _garbage() -> ProtocolError:
    return ProtocolError("garbage", "无法识别的数据", "garbage on the socket")


def _truncated() -> ProtocolError:
    return ProtocolError("truncated", "数据包不完整", "truncated frame")


@dataclass
class Packet:
    qn: str
    st: str
    cn: str
    pw: str
    mn: str
    flag: int
    pnum: int | None
    pno: int | None
    cp: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def wants_reply(self) -> bool:
        return bool(self.flag & 1)

    @property
    def is_split(self) -> bool:
        return bool(self.flag & 2)

    @property
    def version(self) -> int:
        return self.flag >> 2


def parse_segment(segment: bytes) -> Packet:
    try:
        text = segment.decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("not_ascii", "数据段含非 ASCII 字符", "segment is not ASCII") from None
    marker = text.find("CP=&&")
    if marker < 0 or not text.endswith("&&") or len(text) < marker + 7:
        raise ProtocolError("no_cp", "缺少 CP=&&…&& 数据区", "missing CP=&&…&&", qn_rtn=QN_REJECTED)
    head, cp = text[:marker], text[marker + 5 : -2]
    if len(cp) > MAX_CP:
        raise ProtocolError("cp_too_long", "CP 数据区超过 950 字符", "CP longer than 950 characters")
    fields: dict[str, str] = {}
    for part in head.split(";"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise ProtocolError("bad_field", f"字段 {part!r} 无效", f"invalid field {part!r}", qn_rtn=QN_REJECTED)
        fields[key] = value
    qn = fields.get("QN", "")
    if qn and not (len(qn) == 17 and qn.isdigit()):
        raise ProtocolError("bad_qn", f"QN {qn!r} 无效", f"invalid QN {qn!r}", qn_rtn=QN_BAD_QN)
    for name, code in (("ST", QN_BAD_ST), ("CN", QN_BAD_CN), ("MN", QN_BAD_MN), ("Flag", QN_BAD_FLAG)):
        if not fields.get(name):
            raise ProtocolError("missing_" + name.lower(), f"缺少 {name}", f"missing {name}", qn_rtn=code)
    if len(fields["MN"]) > 24:
        raise ProtocolError("bad_mn", "MN 超过 24 个字符", "MN longer than 24 characters", qn_rtn=QN_BAD_MN)
    if not fields["Flag"].isdigit():
        raise ProtocolError(
            "bad_flag", f"Flag {fields['Flag']!r} 无效", f"invalid Flag {fields['Flag']!r}", qn_rtn=QN_BAD_FLAG
        )
    if not fields["CN"].isdigit() or len(fields["CN"]) != 4:
        raise ProtocolError("bad_cn", f"CN {fields['CN']!r} 无效", f"invalid CN {fields['CN']!r}", qn_rtn=QN_BAD_CN)

    def _int(name: str) -> int | None:
        value = fields.get(name)
        if value is None:
            return None
        if not value.isdigit():
            raise ProtocolError("bad_" + name.lower(), f"{name} 无效", f"invalid {name}", qn_rtn=QN_REJECTED)
        return int(value)

    return Packet(
        qn=qn,
        st=fields["ST"],
        cn=fields["CN"],
        pw=fields.get("PW", ""),
        mn=fields["MN"],
        flag=int(fields["Flag"]),
        pnum=_int("PNUM"),
        pno=_int("PNO"),
        cp=cp,
        fields=fields,
    )


def parse_cp(cp: str) -> dict[str, str]:
    """``DataTime=…;a34004-Rtd=41.0,a34004-Flag=N;…`` as a flat dict of every key."""
    values: dict[str, str] = {}
    for sub in cp.replace(",", ";").split(";"):
        if not sub:
            continue
        key, sep, value = sub.partition("=")
        if not sep or not key:
            raise ProtocolError("bad_cp", f"CP 数据项 {sub!r} 无效", f"invalid CP item {sub!r}")
        values[key] = value
    return values


def record_from(packet: Packet, values: dict[str, str]) -> dict[str, str | None]:
    """The dust/noise record of a data packet (values stay text; the lake's validation types them)."""
    stamp = values.get("DataTime")
    if not stamp:
        raise ProtocolError("no_datatime", "缺少 DataTime", "missing DataTime")
    if len(stamp) != 14 or not stamp.isdigit():
        raise ProtocolError("bad_datatime", f"DataTime {stamp!r} 无效", f"invalid DataTime {stamp!r}")
    # the device's local time, as written; the lake's validation checks it is a real moment
    local = f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[8:10]}:{stamp[10:12]}:{stamp[12:14]}"
    suffix = VALUE_SUFFIX[packet.cn]
    record: dict[str, str | None] = {"device": packet.mn, "ts": local, "cn": packet.cn}
    flags: list[str] = []
    found = False
    for code, column in CODES.items():
        value = values.get(f"{code}-{suffix}")
        if value is None and suffix == "Avg":
            value = values.get(f"{code}-Rtd")
        flag = values.get(f"{code}-Flag")
        if flag is not None:
            if flag not in DATA_FLAGS:
                raise ProtocolError(
                    "bad_data_flag", f"{code} 的数据标记 {flag!r} 无效", f"invalid data flag {flag!r} for {code}"
                )
            flags.append(f"{code}={flag}")
        if value is not None:
            found = True
            record[column] = value
    if not found:
        raise ProtocolError("no_values", "数据包中没有可识别的监测因子", "no known pollutant code in the packet")
    record["flags"] = ";".join(flags) or None
    return record


def reply(packet: Packet, cn: str, cp: str = "") -> bytes:
    qn = packet.qn or dt.datetime.now(dt.UTC).astimezone().strftime("%Y%m%d%H%M%S%f")[:17]
    return frame(f"QN={qn};ST=91;CN={cn};PW={packet.pw};MN={packet.mn};Flag=4;CP=&&{cp}&&")


def request_reply(packet: Packet, qn_rtn: int) -> bytes:
    """9011: the answer to a request, ``QnRtn`` 1 ready … 9 bad CRC."""
    return reply(packet, CN_REQUEST_REPLY, f"QnRtn={qn_rtn}")


def data_reply(packet: Packet) -> bytes:
    """9014: data received."""
    return reply(packet, CN_DATA_REPLY)


def loose_packet(segment: bytes) -> Packet | None:
    """Best-effort header of a segment whose CRC failed, only to answer it (QN, PW, MN)."""
    try:
        fields = dict(
            part.split("=", 1) for part in segment.decode("ascii", "replace").split("CP=")[0].split(";") if "=" in part
        )
    except ValueError:
        return None
    if "QN" not in fields or "MN" not in fields:
        return None
    return Packet(
        qn=fields["QN"],
        st=fields.get("ST", ""),
        cn=fields.get("CN", ""),
        pw=fields.get("PW", ""),
        mn=fields["MN"][:24],
        flag=int(fields["Flag"]) if fields.get("Flag", "").isdigit() else 0,
        pnum=None,
        pno=None,
        cp="",
    )


def data_packet(
    *,
    mn: str,
    pw: str,
    cn: str,
    when: dt.datetime,
    values: dict[str, float],
    flag: int = 5,
    st: str = "22",
    qn: str | None = None,
    data_flag: str = "N",
) -> bytes:
    """A device's data upload (tests, simulator, benchmark)."""
    suffix = VALUE_SUFFIX[cn]
    items = [f"DataTime={when.strftime('%Y%m%d%H%M%S')}"]
    for code, value in values.items():
        items.append(f"{code}-{suffix}={value},{code}-Flag={data_flag}")
    quick = qn or when.strftime("%Y%m%d%H%M%S") + "000"
    return frame(f"QN={quick};ST={st};CN={cn};PW={pw};MN={mn};Flag={flag};CP=&&{';'.join(items)}&&")
