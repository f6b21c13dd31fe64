"""`jianguan concrete …`: evaluate specimen groups per GB/T 50107-2010, find forgery signals, generate data.

    jianguan concrete evaluate INPUT --out OUT.csv [--engine duckdb|spark] [--lang zh-hans|en]
    jianguan concrete signals INPUT --out LEADS.csv --evidence EVIDENCE.csv [--engine duckdb|spark]
    jianguan concrete generate OUT.parquet|OUT.csv --groups N [--seed S] [--contract-only]

The ``evaluate`` contract (columns in and out) is documented in docs/api.md; other tools rely on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jianguan.core.errors import ApplicationError
from jianguan.lake.engines import ENGINES

LANGUAGES = ("zh-hans", "en")


class Heartbeat:
    """Progress on stderr: each stage as it starts, and every few seconds that a long one is still going."""

    def __init__(self, stream: Any, *, enabled: bool, interval: float = 10.0) -> None:
        self.stream = stream
        self.enabled = enabled
        self.interval = interval
        self.started = time.perf_counter()
        self.stage = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, stage: str) -> None:
        self.stage = stage
        self._write(f"{stage} …")

    def _write(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"[{time.perf_counter() - self.started:7.1f}s] {text}\n")
            self.stream.flush()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            if self.stage:
                self._write(f"still {self.stage}")

    @contextmanager
    def running(self) -> Iterator[Heartbeat]:
        if self.enabled:
            self._thread = threading.Thread(target=self._beat, name="concrete-progress", daemon=True)
            self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            if self._thread is not None:
                self._thread.join()


class Command(BaseCommand):
    help = "Concrete strength per GB/T 50107-2010: evaluate batches, find forgery signals, generate test data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("evaluate", help="one verdict per batch, with its explanation, as CSV")
        evaluate.add_argument("input", help="CSV or Parquet: batch_id, grade, group_id, size_mm, f1, f2, f3 [, sigma0]")
        evaluate.add_argument("--out", required=True, help="the CSV to write (replaced atomically)")
        evaluate.add_argument("--engine", choices=ENGINES, default=None, help="default: settings.ANALYTICS_ENGINE")
        evaluate.add_argument("--lang", choices=LANGUAGES, default="zh-hans", help="language of the reason column")

        signals = sub.add_parser("signals", help="forgery signals across the city's labs, with their evidence")
        signals.add_argument("input", help="Parquet or CSV of groups with lab_id, press_serial, tested_at, uploaded_at")
        signals.add_argument("--out", required=True, help="the leads, as CSV")
        signals.add_argument("--evidence", required=True, help="the evidence rows of every lead, as CSV")
        signals.add_argument("--engine", choices=ENGINES, default=None)
        signals.add_argument("--lang", choices=LANGUAGES, default="zh-hans")

        generate = sub.add_parser("generate", help="synthetic lab data with planted forgeries (tests, benchmarks)")
        generate.add_argument("out", help="a .parquet or .csv file to write")
        generate.add_argument("--groups", type=int, required=True)
        generate.add_argument("--seed", type=int, default=2015)
        generate.add_argument(
            "--contract-only", action="store_true", help="only the columns of `concrete evaluate` (CSV: always)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = Heartbeat(self.stderr, enabled=options["verbosity"] > 0)
        action: Callable[..., None] = getattr(self, f"_{options['action']}")
        try:
            with progress.running():
                action(progress=progress, **options)
        except ApplicationError as exc:
            raise CommandError(exc.render(options.get("lang") or "en")) from exc

    def _evaluate(self, *, progress: Heartbeat, **options: Any) -> None:
        from jianguan.concrete.evaluation import evaluate_file, write_verdicts

        run = evaluate_file(options["input"], engine=options["engine"], language=options["lang"], progress=progress)
        progress(f"writing {run.batches:,} verdicts to {options['out']}")
        write_verdicts(run.verdicts, options["out"])
        failed = run.batches - run.passed
        self.stdout.write(
            f"{run.groups:,} groups in {run.batches:,} batches on {run.engine}: {run.passed:,} passed, "
            f"{failed:,} failed → {options['out']} ({time.perf_counter() - progress.started:.1f} s)"
        )

    def _signals(self, *, progress: Heartbeat, **options: Any) -> None:
        from jianguan.concrete.signals import find_signals, write_signals

        result = find_signals(options["input"], engine=options["engine"], language=options["lang"], progress=progress)
        progress(f"writing {len(result.leads):,} leads and {len(result.evidence):,} evidence rows")
        write_signals(result, leads=options["out"], evidence=options["evidence"])
        self.stdout.write(
            f"{len(result.leads):,} leads with {len(result.evidence):,} evidence rows → {options['out']}, "
            f"{options['evidence']} ({time.perf_counter() - progress.started:.1f} s)"
        )

    def _generate(self, *, progress: Heartbeat, **options: Any) -> None:
        from jianguan.concrete.synthetic import generate

        out = Path(options["out"])
        if out.suffix.lower() not in {".parquet", ".csv"}:
            raise CommandError("the output must be a .parquet or .csv file")
        progress(f"generating {options['groups']:,} groups")
        data = generate(groups=options["groups"], seed=options["seed"])
        progress(f"writing {out}")
        if out.suffix.lower() == ".csv":
            data.write_csv(out)
        else:
            data.write_parquet(out, contract_only=options["contract_only"])
        self.stdout.write(f"{data.groups.num_rows:,} groups from {len(data.labs)} labs → {out}")
        for forgery in data.planted:
            serial = f" press {forgery.press_serial}" if forgery.press_serial else ""
            self.stdout.write(f"  planted {forgery.kind} at {forgery.lab_id}{serial}: {forgery.groups} groups")
