"""`jianguan lake …`: the data lake from the command line.

jianguan lake ingest PATH… [--type T] [--source S] [--chunk-rows N] [--no-device-check]
jianguan lake tables
jianguan lake query "SELECT …" [--limit N] [--out FILE.csv]
jianguan lake run JOB [--engine duckdb|spark] [--out FILE.csv]
    JOB: exceedance, silent, attendance, maintain, ledger-export
jianguan lake hj212 serve [--host H] [--port P]
jianguan lake mqtt [--host H] [--port P] [--seconds S]
jianguan lake watch DIR [--once] [--interval S]
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jianguan.lake.engines import ENGINES
from jianguan.lake.schemas import DATA_TYPES


def _updater(bar: Any) -> Any:
    def update(n: int) -> None:
        bar.update(n)

    return update


class Command(BaseCommand):
    help = "The data lake: ingest files, list tables, read-only SQL, run jobs, device servers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="validate and write CSV, JSON lines or Parquet files")
        ingest.add_argument("paths", nargs="+", help="files (the data type from the name or folder, or --type)")
        ingest.add_argument("--type", choices=sorted(DATA_TYPES), default=None)
        ingest.add_argument("--source", default="file", help="the source partition (default: file)")
        ingest.add_argument("--chunk-rows", type=int, default=250_000, help="rows per batch (default 250000)")
        ingest.add_argument(
            "--no-device-check", action="store_true", help="do not require devices to be registered and active"
        )
        sub.add_parser("tables", help="the lake's tables with versions, rows and files")
        query = sub.add_parser("query", help="read-only SQL (SELECT) over the lake's tables")
        query.add_argument("sql")
        query.add_argument("--limit", type=int, default=1000)
        query.add_argument("--out", default=None, help="write the result as CSV")
        run = sub.add_parser("run", help="run a job now")
        from jianguan.lake.jobs import JOBS

        run.add_argument("job", choices=sorted(JOBS))
        run.add_argument("--engine", choices=ENGINES, default=None, help="default: settings.ANALYTICS_ENGINE")
        run.add_argument("--out", default=None, help="write the job's rows as CSV")
        hj = sub.add_parser("hj212", help="the HJ 212-2017 TCP server")
        hj.add_argument("hj_action", choices=["serve"])
        hj.add_argument("--host", default="127.0.0.1")
        hj.add_argument("--port", type=int, default=9212)
        hj.add_argument("--flush-seconds", type=float, default=0.5)
        sub.add_parser("serve-hj212", help="same as: hj212 serve").add_argument("--port", type=int, default=9212)
        mqtt = sub.add_parser("mqtt", help="subscribe to jianguan/<device-kind>/<device-id> on the MQTT broker")
        mqtt.add_argument("--host", default=None)
        mqtt.add_argument("--port", type=int, default=None)
        mqtt.add_argument("--seconds", type=float, default=None, help="stop after this long (default: run)")
        watch = sub.add_parser("watch", help="ingest files dropped into a folder")
        watch.add_argument("folder")
        watch.add_argument("--once", action="store_true", help="one pass, then stop")
        watch.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        getattr(self, "_" + action.replace("-", "_"))(options)

    # --- ingest -------------------------------------------------------------------------------
    def _ingest(self, options: dict[str, Any]) -> None:
        from jianguan.lake.ingest import IngestError, ingest_file, known_devices, rows_in

        devices = None if options["no_device_check"] else known_devices()
        dtype = DATA_TYPES[options["type"]] if options["type"] else None
        failed = False
        for name in options["paths"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"没有这个文件 (no such file): {path}")
            total = rows_in(path)
            bar = tqdm(total=total, unit="rec", unit_scale=True, desc=path.name, file=sys.stderr, leave=False)
            try:
                summary = ingest_file(
                    path,
                    dtype=dtype,
                    source=options["source"],
                    devices=devices,
                    chunk_rows=options["chunk_rows"],
                    progress=_updater(bar),
                )
            except IngestError as exc:
                raise CommandError(str(exc)) from None
            finally:
                bar.close()
            data = summary.as_dict()
            self.stdout.write(
                f"{path.name}: {data['data_type']} 收到 {data['received']} · 写入 {data['written']} · "
                f"重复 {data['duplicates']} · 隔离 {data['quarantined']} · 已提交批次 {data['already_committed']} "
                f"(received, written, duplicates, quarantined, batches already committed)"
            )
            for problem in data["problems"][:10]:
                where = f"记录 {problem['row']} " if problem["row"] else ""
                self.stdout.write(f"  {where}{problem['device'] or ''} {problem['code']}: {problem['reason']}")
            failed = failed or data["quarantined"] > 0
        if failed:
            self.stderr.write(
                '部分记录已隔离，见 `jianguan lake query "SELECT * FROM quarantine"` (some records were quarantined)'
            )

    # --- tables ---------------------------------------------------------------------------------
    def _tables(self, options: dict[str, Any]) -> None:
        from jianguan.lake.store import lake_uri, table_info, table_names

        self.stdout.write(f"LAKE_URI = {lake_uri()}")
        self.stdout.write(f"{'table':<16}{'label':<14}{'version':>8}{'rows':>12}{'files':>7}  audit")
        for name in table_names():
            info = table_info(name)
            version = "-" if info.version is None else str(info.version)
            self.stdout.write(
                f"{name:<16}{info.label:<14}{version:>8}{info.rows:>12}{info.files:>7}  {'yes' if info.audit else ''}"
            )

    # --- query ----------------------------------------------------------------------------------
    def _query(self, options: dict[str, Any]) -> None:
        from jianguan.lake.query import QueryRefused, run_query

        try:
            result = run_query(options["sql"], limit=options["limit"])
        except QueryRefused as exc:
            raise CommandError(str(exc)) from None
        frame = result.to_pandas()
        if options["out"]:
            frame.to_csv(options["out"], index=False)
            self.stdout.write(f"{len(frame)} rows → {options['out']}")
        else:
            self.stdout.write(frame.to_string(index=False, max_colwidth=80))
            self.stdout.write(f"({len(frame)} rows)")

    # --- jobs -------------------------------------------------------------------------------------
    def _run(self, options: dict[str, Any]) -> None:
        from jianguan.lake.jobs import JOBS

        with tqdm(total=1, desc=options["job"], file=sys.stderr, leave=False, bar_format="{desc}: {elapsed}") as bar:
            result = JOBS[options["job"]](options["engine"])
            bar.update(1)
        if options["out"]:
            result.frame.to_csv(options["out"], index=False)
        self.stdout.write(
            json.dumps({"job": result.job, "found": result.found, "recorded": result.recorded}, ensure_ascii=False)
        )

    # --- servers ----------------------------------------------------------------------------------
    def _hj212(self, options: dict[str, Any]) -> None:
        from jianguan.lake.hj212_server import serve

        self.stdout.write(f"HJ 212-2017 server on {options['host']}:{options['port']} (Ctrl-C to stop)")
        self.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            serve(options["host"], options["port"], flush_seconds=options["flush_seconds"])

    def _serve_hj212(self, options: dict[str, Any]) -> None:
        self._hj212({"host": "127.0.0.1", "port": options["port"], "flush_seconds": 0.5})

    def _mqtt(self, options: dict[str, Any]) -> None:
        from jianguan.lake.mqtt import Subscriber

        subscriber = Subscriber(host=options["host"], port=options["port"])
        self.stdout.write(f"MQTT: {subscriber.host}:{subscriber.port} jianguan/+/+ (Ctrl-C to stop)")
        self.stdout.flush()
        try:
            subscriber.run(seconds=options["seconds"])
        except KeyboardInterrupt:
            pass
        finally:
            subscriber.stop()
        self.stdout.write(json.dumps(subscriber.stats, ensure_ascii=False))

    def _watch(self, options: dict[str, Any]) -> None:
        from jianguan.lake.dropfolder import watch

        for path, summary in watch(Path(options["folder"]), once=options["once"], interval=options["interval"]):
            self.stdout.write(f"{path.name}: {json.dumps(summary, ensure_ascii=False)}")
