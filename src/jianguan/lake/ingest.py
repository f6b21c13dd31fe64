"""Batches into the lake: files (CSV, JSON lines, Parquet), uploaded bodies, records from MQTT and
HJ 212.

A file is read in chunks of a fixed number of rows; chunk ``i`` of a file whose content hashes to
``h`` is batch ``<type>:<h>:<i>``, so a rerun after a crash skips the chunks already committed and
writes the rest — nothing lost, nothing twice. An uploaded body is one batch, its id given by the
sender (``X-Batch-Id``) or the hash of the body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jianguan.lake.schemas import DATA_TYPES, DataType, data_type
from jianguan.lake.store import BatchResult, quarantine_write, write_batch

DEFAULT_CHUNK_ROWS = 250_000
FORMATS = ("csv", "jsonl", "parquet")


class IngestError(ValueError):
    """A whole input cannot be read (not one bad record: those are quarantined)."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en})")
        self.code, self.zh, self.en = code, zh, en


def known_devices(kinds: Iterable[str] | None = None) -> frozenset[str]:
    """Serials of the active devices (of the given kinds), for the device check."""
    from jianguan.core.models import Device

    qs = Device.objects.filter(status=Device.Status.ACTIVE)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return frozenset(qs.values_list("serial", flat=True))


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".csv", ".txt"}:
        return "csv"
    raise IngestError(
        "format_unknown",
        f"无法识别文件 {Path(path).name} 的格式，应为 .csv、.jsonl 或 .parquet",
        f"cannot tell the format of {Path(path).name}: expected .csv, .jsonl or .parquet",
    )


def type_of(path: str | Path) -> DataType:
    """The data type named by the file (``dust_noise-….csv``) or its folder (``dust_noise/….csv``)."""
    p = Path(path)
    for candidate in (p.stem, p.parent.name):
        for name in sorted(DATA_TYPES, key=len, reverse=True):
            if candidate == name or candidate.startswith((name + "-", name + "_", name + ".")):
                return DATA_TYPES[name]
    raise IngestError(
        "type_unknown",
        f"无法从文件名 {p.name} 判断数据类型，请用 --type 指定（{'、'.join(DATA_TYPES)}）",
        f"cannot tell the data type from {p.name}; give --type ({', '.join(DATA_TYPES)})",
    )


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:32]


@dataclass
class Chunk:
    table: pa.Table
    raw: list[bytes] | None = None
    bad: list[dict[str, Any]] = field(default_factory=list)  # records that could not even be read


def _rechunk(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            pending = rest.to_batches()
            count = rest.num_rows
    if count:
        yield pa.Table.from_batches(pending)


def _csv_chunks(source: Path | io.BytesIO, rows: int) -> Iterator[Chunk]:
    if isinstance(source, io.BytesIO):
        head = source.getvalue().split(b"\n", 1)[0]
    else:
        with open(source, "rb") as handle:
            head = handle.readline()
    if not head.strip():
        return
    names = [n.strip().strip('"') for n in head.decode("utf-8-sig", errors="replace").strip().split(",")]
    malformed: list[dict[str, Any]] = []

    def keep_malformed(row: Any) -> str:
        malformed.append(
            {
                "device": None,
                "reason_code": "malformed_row",
                "reason": f"CSV 行有 {row.actual_columns} 列，应为 {row.expected_columns} 列 "
                f"(a CSV row has {row.actual_columns} columns, expected {row.expected_columns})",
                "raw": (row.text or "").encode("utf-8"),
            }
        )
        return "skip"

    try:
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=8 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=keep_malformed),
        )
        for table in _rechunk(reader, rows):
            bad = list(malformed)
            malformed.clear()
            yield Chunk(table, bad=bad)
        if malformed:
            yield Chunk(pa.table({name: pa.array([], pa.string()) for name in names}), bad=list(malformed))
    except pa.ArrowInvalid as exc:
        raise IngestError("csv_unreadable", f"CSV 无法读取：{exc}", f"unreadable CSV: {exc}") from None


def _parquet_chunks(path: Path | io.BytesIO, rows: int) -> Iterator[Chunk]:
    try:
        reader = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError("parquet_unreadable", f"Parquet 文件无法读取：{exc}", f"unreadable Parquet: {exc}") from None
    for batch in reader.iter_batches(batch_size=rows):
        yield Chunk(pa.Table.from_batches([batch]))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def records_table(records: list[dict[str, Any]], dtype: DataType) -> pa.Table:
    """Dicts (from JSON, MQTT, HJ 212) as an all-text table in the type's columns."""
    columns = {}
    for name in dtype.column_names:
        values = [r.get(name) for r in records]
        try:
            columns[name] = pa.array(values, pa.string())  # text already (HJ 212, most JSON fields)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[name] = pa.array([_as_text(v) for v in values], pa.string())
    return pa.table(columns)


def _json_lines(lines: Iterable[bytes], dtype: DataType, rows: int) -> Iterator[Chunk]:
    records: list[dict[str, Any]] = []
    raws: list[bytes] = []
    bad: list[dict[str, Any]] = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        try:
            record = json.loads(text)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            bad.append(
                {
                    "device": None,
                    "reason_code": "unparseable_record",
                    "reason": f"不是有效的 JSON 对象 (not a JSON object): {exc}"[:500],
                    "raw": bytes(text),
                }
            )
            continue
        records.append(record)
        raws.append(bytes(text))
        if len(records) >= rows:
            yield Chunk(records_table(records, dtype), raws, bad)
            records, raws, bad = [], [], []
    if records or bad:
        yield Chunk(records_table(records, dtype), raws, bad)


def chunks(fmt: str, source: Path | bytes, dtype: DataType, rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[Chunk]:
    if fmt == "parquet":
        return _parquet_chunks(io.BytesIO(source) if isinstance(source, bytes) else source, rows)
    if fmt == "csv":
        return _csv_chunks(io.BytesIO(source) if isinstance(source, bytes) else source, rows)
    if fmt == "jsonl":
        if isinstance(source, bytes):
            return _json_lines(_json_body_lines(source), dtype, rows)
        return _json_lines(open(source, "rb"), dtype, rows)
    raise IngestError("format_unknown", f"不支持的格式 {fmt}", f"unsupported format {fmt}")


def _json_body_lines(body: bytes) -> Iterable[bytes]:
    """A body of JSON lines, or one JSON document: an array of records, ``{"records": [...]}`` or
    one record."""
    stripped = body.strip()
    if stripped[:1] in (b"[", b"{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return body.splitlines()  # JSON lines (or broken JSON: each bad line is quarantined)
        if isinstance(data, dict) and isinstance(data.get("records"), list):
            data = data["records"]
        if isinstance(data, dict):
            data = [data]
        if isinstance(data, list):
            return [json.dumps(item, ensure_ascii=False).encode("utf-8") for item in data]
    return body.splitlines()


@dataclass
class IngestSummary:
    data_type: str
    batches: list[BatchResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(b, name) for b in self.batches)

    def as_dict(self) -> dict[str, Any]:
        return {
            "data_type": self.data_type,
            "batches": len(self.batches),
            "received": self.total("received"),
            "written": self.total("written"),
            "duplicates": self.total("duplicates"),
            "quarantined": self.total("quarantined"),
            "already_committed": sum(1 for b in self.batches if b.skipped),
            "problems": [p for b in self.batches for p in b.problems][:20],
        }


def ingest_chunks(
    dtype: DataType,
    parts: Iterable[Chunk],
    *,
    batch_prefix: str,
    source: str,
    devices: frozenset[str] | None,
    force_device: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    summary = IngestSummary(dtype.name)
    offset = 0
    for index, chunk in enumerate(parts):
        batch = f"{batch_prefix}:{index}"
        table = chunk.table
        if force_device is not None:
            # A device may only send its own data: the signing device is the record's device.
            col = pa.array([force_device] * table.num_rows, pa.string())
            table = (
                table.set_column(table.schema.get_field_index("device"), "device", col)
                if ("device" in table.column_names)
                else table.append_column("device", col)
            )
        moment = dt.datetime.now(dt.UTC)
        if chunk.bad:
            quarantine_write(
                chunk.bad, data_type=dtype.name, source=source, batch=f"{batch}:unreadable", received_at=moment
            )
        result = write_batch(
            dtype, table, source=source, batch=batch, devices=devices, raw=chunk.raw, received_at=moment
        )
        result.received += len(chunk.bad)
        if not result.skipped:
            result.quarantined += len(chunk.bad)
        for bad in chunk.bad[:5] if not result.skipped else []:
            result.problems.append({"row": None, "device": None, "code": bad["reason_code"], "reason": bad["reason"]})
        for problem in result.problems:
            if problem["row"] is not None:
                problem["row"] += offset
        offset += table.num_rows
        summary.batches.append(result)
        if progress is not None:
            progress(table.num_rows + len(chunk.bad))
    return summary


def ingest_file(
    path: str | Path,
    *,
    dtype: DataType | None = None,
    source: str = "file",
    devices: frozenset[str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    p = Path(path)
    fmt = format_of(p)
    kind = dtype or type_of(p)
    prefix = f"{kind.name}:{file_digest(p)}:{chunk_rows}"
    return ingest_chunks(
        kind, chunks(fmt, p, kind, chunk_rows), batch_prefix=prefix, source=source, devices=devices, progress=progress
    )


def ingest_body(
    body: bytes,
    *,
    fmt: str,
    dtype: DataType,
    source: str,
    batch: str | None,
    devices: frozenset[str] | None,
    force_device: str | None = None,
) -> IngestSummary:
    """One uploaded body (HTTP) as one batch per chunk; ``batch`` from the sender, or the body's hash."""
    digest = batch or hashlib.sha256(body).hexdigest()[:32]
    prefix = f"{dtype.name}:{source}:{force_device or '-'}:{digest}"
    return ingest_chunks(
        dtype,
        chunks(fmt, body, dtype),
        batch_prefix=prefix,
        source=source,
        devices=devices,
        force_device=force_device,
    )


def ingest_records(
    name: str,
    records: list[dict[str, Any]],
    *,
    source: str,
    batch: str,
    devices: frozenset[str] | None = None,
    raw: list[bytes] | None = None,
) -> BatchResult:
    """Records already parsed (MQTT, HJ 212): one batch."""
    dtype = data_type(name)
    return write_batch(dtype, records_table(records, dtype), source=source, batch=batch, devices=devices, raw=raw)


def rows_in(path: str | Path) -> int | None:
    """How many rows a file holds, when cheap to know (Parquet metadata); for progress bars."""
    p = Path(path)
    if format_of(p) == "parquet":
        return int(pq.ParquetFile(p).metadata.num_rows)
    return None
