"""The registered schema of every data type in the lake: columns, types, physical ranges, the key.

A record is valid when every required column is present and parses, every value lies in its
physical range and every text fits its length. The key (device, time and what was measured) says
when two records are the same reading: it is stored once.

Every table also has the system columns ``source`` (the channel it arrived by: http, file, mqtt,
hj212, demo, ledger), ``date`` (the local day of ``ts``, in settings.TIME_ZONE) and ``batch`` (the
batch it was written in); the tables are partitioned by ``date`` and ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

STRING, FLOAT, INT, TIMESTAMP, BOOL = "string", "float", "int", "timestamp", "bool"

ARROW_TYPES = {
    STRING: pa.string(),
    FLOAT: pa.float64(),
    INT: pa.int64(),
    TIMESTAMP: pa.timestamp("us", tz="UTC"),
    BOOL: pa.bool_(),
}
DUCKDB_TYPES = {STRING: "VARCHAR", FLOAT: "DOUBLE", INT: "BIGINT", TIMESTAMP: "TIMESTAMPTZ", BOOL: "BOOLEAN"}

SYSTEM_COLUMNS = ("source", "date", "batch")
PARTITION_BY = ["date", "source"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class DataType:
    name: str
    label: str  # Chinese, for the status page and messages
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    device_kinds: tuple[str, ...] = ()  # core.Device.Kind values that send this type
    audit: bool = False  # audit tables are never vacuumed: every version stays readable
    time_column: str = "ts"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def arrow_schema(self) -> pa.Schema:
        fields = [pa.field(c.name, ARROW_TYPES[c.kind], nullable=not c.required) for c in self.columns]
        fields += [pa.field(name, pa.string(), nullable=False) for name in SYSTEM_COLUMNS]
        return pa.schema(fields)


def _device() -> Column:
    return Column("device", STRING, required=True, max_length=64, description="device serial (SN/MN)")


def _ts() -> Column:
    return Column("ts", TIMESTAMP, required=True, description="when the reading was taken")


def _site() -> Column:
    return Column("site", STRING, max_length=64, description="site (bid section) code, when the device is bound")


DATA_TYPES: dict[str, DataType] = {
    t.name: t
    for t in [
        DataType(
            "attendance",
            "考勤记录",
            (
                _device(),
                _ts(),
                Column("person", STRING, required=True, max_length=64, description="PIN or ID on the terminal"),
                Column("direction", INT, minimum=0, maximum=5, description="0 in, 1 out, 2–5 as ZKTeco"),
                Column("verify", INT, minimum=0, maximum=255, description="raw verify code"),
                _site(),
            ),
            key=("device", "ts", "person"),
            device_kinds=("attendance_terminal", "handheld"),
            audit=True,
        ),
        DataType(
            "dust_noise",
            "扬尘噪声监测",
            (
                _device(),
                _ts(),
                Column("cn", STRING, required=True, choices=("2011", "2051", "2061"), description="HJ 212 CN"),
                Column("tsp", FLOAT, minimum=0, maximum=50000, description="a34001 TSP µg/m³"),
                Column("pm10", FLOAT, minimum=0, maximum=10000, description="a34002 PM10 µg/m³"),
                Column("pm25", FLOAT, minimum=0, maximum=5000, description="a34004 PM2.5 µg/m³"),
                Column("noise", FLOAT, minimum=20, maximum=140, description="LA dB(A)"),
                Column("temperature", FLOAT, minimum=-50, maximum=70, description="a01001 °C"),
                Column("humidity", FLOAT, minimum=0, maximum=100, description="a01002 %"),
                Column("wind_speed", FLOAT, minimum=0, maximum=75, description="a01007 m/s"),
                Column("wind_direction", FLOAT, minimum=0, maximum=360, description="a01008 °"),
                Column("flags", STRING, max_length=256, description="code=flag pairs, e.g. a34002=N"),
                _site(),
            ),
            key=("device", "ts", "cn"),
            device_kinds=("dust_noise_monitor",),
        ),
        DataType(
            "tower_crane",
            "塔吊监测",
            (
                _device(),
                _ts(),
                Column("load_t", FLOAT, minimum=0, maximum=200, description="lifting load t"),
                Column("safe_load_t", FLOAT, minimum=0, maximum=200, description="safe load t"),
                Column("moment_pct", FLOAT, minimum=0, maximum=300, description="moment %"),
                Column("amplitude_m", FLOAT, minimum=0, maximum=120, description="trolley radius m"),
                Column("rotation_deg", FLOAT, minimum=-3600, maximum=3600, description="slewing angle °"),
                Column("height_m", FLOAT, minimum=-50, maximum=500, description="hook height m"),
                Column("tilt_x", FLOAT, minimum=-90, maximum=90),
                Column("tilt_y", FLOAT, minimum=-90, maximum=90),
                Column("wind_speed", FLOAT, minimum=0, maximum=75),
                Column("warning", INT, minimum=0, maximum=2**31 - 1, description="bit flags"),
                Column("driver", STRING, max_length=64),
                _site(),
            ),
            key=("device", "ts"),
            device_kinds=("crane_monitor",),
        ),
        DataType(
            "hoist",
            "升降机监测",
            (
                _device(),
                _ts(),
                Column("load_kg", FLOAT, minimum=0, maximum=10000),
                Column("rated_load_kg", FLOAT, minimum=0, maximum=10000),
                Column("height_m", FLOAT, minimum=-20, maximum=500),
                Column("speed_m_s", FLOAT, minimum=-10, maximum=10),
                Column("floor", INT, minimum=-10, maximum=200),
                Column("people", INT, minimum=0, maximum=100),
                Column("door_open", BOOL),
                Column("warning", INT, minimum=0, maximum=2**31 - 1),
                Column("driver", STRING, max_length=64),
                _site(),
            ),
            key=("device", "ts"),
            device_kinds=("hoist_monitor",),
        ),
        DataType(
            "concrete_press",
            "压力机读数",
            (
                _device(),
                _ts(),
                Column("specimen", STRING, required=True, max_length=64, description="specimen (RFID) id"),
                Column("load_kn", FLOAT, required=True, minimum=0, maximum=5000),
                Column("strength_mpa", FLOAT, minimum=0, maximum=200),
                Column("size_mm", INT, minimum=50, maximum=300),
                Column("lab", STRING, max_length=64),
            ),
            key=("device", "ts", "specimen"),
            device_kinds=("lab_press",),
            audit=True,
        ),
        DataType(
            "inspection",
            "检查记录",
            (
                _device(),
                _ts(),
                Column("record", STRING, required=True, max_length=64, description="inspection record id"),
                Column("project", STRING, max_length=64),
                Column("inspector", STRING, max_length=64),
                Column("item", STRING, max_length=128),
                Column("result", STRING, max_length=32),
                Column("note", STRING, max_length=2000),
            ),
            key=("device", "record"),
            device_kinds=("handheld", "system"),
            audit=True,
        ),
        DataType(
            "ledger_events",
            "业务事件（台账）",
            (
                Column("device", STRING, required=True, max_length=64, description="always 'ledger'"),
                _ts(),
                Column("seq", INT, required=True, minimum=1),
                Column("actor", STRING, max_length=255),
                Column("action", STRING, required=True, max_length=128),
                Column("object_type", STRING, max_length=128),
                Column("object_id", STRING, max_length=64),
                Column("payload", STRING),
                Column("hash", STRING, max_length=64),
            ),
            key=("seq",),
            audit=True,
        ),
    ]
}

QUARANTINE = "quarantine"
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("received_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("data_type", pa.string()),
        pa.field("device", pa.string()),
        pa.field("reason_code", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.binary()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("date", pa.string(), nullable=False),
        pa.field("batch", pa.string(), nullable=False),
    ]
)
AUDIT_TABLES = frozenset({QUARANTINE, *(t.name for t in DATA_TYPES.values() if t.audit)})

DEVICE_KIND_TYPES: dict[str, str] = {
    "dust_noise_monitor": "dust_noise",
    "crane_monitor": "tower_crane",
    "hoist_monitor": "hoist",
    "lab_press": "concrete_press",
    "attendance_terminal": "attendance",
}


class UnknownDataType(ValueError):
    pass


def data_type(name: str) -> DataType:
    try:
        return DATA_TYPES[name]
    except KeyError:
        raise UnknownDataType(name) from None
