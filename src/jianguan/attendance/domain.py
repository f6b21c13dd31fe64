"""Plain functions for attendance: reading ZKTeco ATTLOG lines, distances, duty arithmetic."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

ATTLOG_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S")
_PIN = re.compile(r"^[0-9A-Za-z_-]{1,24}$")
_TIME_LIKE = re.compile(r"^\d{4}[-/]?\d{2}[-/]?\d{2}[ T]?\d{2}:?\d{2}(:?\d{2})?$")


@dataclass(frozen=True)
class Punch:
    line_number: int
    pin: str
    at: dt.datetime  # naive, in the device's local time
    status: str
    verify: str
    workcode: str
    raw: str


@dataclass(frozen=True)
class BadLine:
    line_number: int
    raw: str
    reason: str


def _parse_time(text: str) -> dt.datetime | None:
    text = text.strip().replace("T", " ")
    for fmt in ATTLOG_TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - device local time, zone added by the caller
        except ValueError:
            continue
    return None


def split_lines(body: str) -> list[tuple[int, str]]:
    """Numbered non-blank lines, whatever the line ends (CRLF, LF, CR) and trailing blanks."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [(number, line) for number, line in enumerate(lines, 1) if line.strip()]


def parse_attlog(body: str) -> tuple[list[Punch], list[BadLine]]:
    """Read an ATTLOG upload: ``PIN\\tYYYY-MM-DD HH:MM:SS\\tstatus\\tverify\\tworkcode\\treserved…``.

    Tolerated variants: a leading ``ATTLOG`` field, a uid column before the PIN (when the second
    field is not a time but the third is), fields separated by several tabs or by spaces, missing
    trailing columns, extra trailing columns. Anything else is a bad line with its reason.
    """
    good: list[Punch] = []
    bad: list[BadLine] = []
    for number, raw in split_lines(body):
        line = raw.rstrip()
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) == 1:  # some firmware separates by spaces: PIN DATE TIME status verify
            parts = line.split()
            fields = [parts[0], " ".join(parts[1:3]), *parts[3:]] if len(parts) >= 3 else parts
        if fields and fields[0].upper() == "ATTLOG":
            fields = fields[1:]
        if len(fields) >= 3 and not _TIME_LIKE.match(fields[1]) and _TIME_LIKE.match(fields[2]):
            fields = fields[1:]  # uid column first
        if len(fields) < 2:
            bad.append(BadLine(number, raw, "missing time field"))
            continue
        pin = fields[0]
        if not _PIN.match(pin):
            bad.append(BadLine(number, raw, f"bad PIN {pin[:30]!r}"))
            continue
        at = _parse_time(fields[1])
        if at is None:
            bad.append(BadLine(number, raw, f"bad time {fields[1][:30]!r}"))
            continue
        rest = [*fields[2:], "", "", ""]
        good.append(Punch(number, pin, at, rest[0][:8], rest[1][:8], rest[2][:16], line[:255]))
    return good, bad


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def speed_kmh(distance: float, seconds: float) -> float:
    """Speed needed to cover ``distance`` metres in ``seconds`` (infinite when no time passed)."""
    if seconds <= 0:
        return math.inf if distance > 0 else 0.0
    return distance / seconds * 3.6


def parse_devicecmd(body: str) -> list[dict[str, str]]:
    """``ID=12&Return=0&CMD=DATA`` lines → dictionaries (unknown keys kept)."""
    results = []
    for _number, line in split_lines(body):
        entry: dict[str, str] = {}
        for part in line.strip().split("&"):
            key, _sep, value = part.partition("=")
            if key:
                entry[key.strip()] = value.strip()
        if entry:
            results.append(entry)
    return results
