"""The watched drop folder: systems copy files into it; each is ingested and moved aside.

A file in the folder (``dust_noise-….csv``) or in a sub-folder named after its data type
(``attendance/….parquet``) is ingested, then moved to ``done/<day>/``; a file that cannot be read at
all goes to ``failed/`` with a ``.reason.txt`` beside it. Files still being written must be named
``*.part`` or ``*.tmp`` (or start with a dot) and renamed when complete. A crash in the middle
leaves the file where it was; the next pass ingests it again, and batches already committed are
skipped.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jianguan.lake.ingest import IngestError, format_of, ingest_file, known_devices

IGNORED_SUFFIXES = {".part", ".tmp"}
RESERVED = {"done", "failed"}


def pending_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or relative.parts[0] in RESERVED or any(p.startswith(".") for p in relative.parts):
            continue
        if path.suffix.lower() in IGNORED_SUFFIXES:
            continue
        found.append(path)
    return found


def _move(path: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.stem}-{int(time.time() * 1000)}{path.suffix}"
    shutil.move(str(path), target)
    return target


def ingest_pending(folder: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    devices = known_devices()
    for path in pending_files(folder):
        try:
            format_of(path)
            summary = ingest_file(path, source="file", devices=devices).as_dict()
        except IngestError as exc:
            moved = _move(path, folder / "failed")
            moved.with_name(moved.name + ".reason.txt").write_text(f"{exc.zh}\n{exc.en}\n", encoding="utf-8")
            yield path, {"failed": exc.code, "reason": str(exc)}
            continue
        _move(path, folder / "done" / dt.datetime.now(dt.UTC).date().isoformat())
        yield path, summary


def watch(folder: Path, *, once: bool = False, interval: float = 5.0) -> Iterator[tuple[Path, dict[str, Any]]]:
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        yield from ingest_pending(folder)
        if once:
            return
        time.sleep(interval)
