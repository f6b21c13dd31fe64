"""Completing one licensing task with 1,000 open applications, beside a bare load-and-save.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_licensing.py
    .venv/bin/python bench/bench_licensing.py --open 200 --tasks 50      # smoke run (SQLite)

Builds the demo city at tiny scale in a private database (bench/common.py), takes the construction
permit application waiting at "handle" and copies it until ``--open`` applications are open (each
copy has the same JSON workflow state, so every one is a real, resumable SpiffWorkflow instance).
Then, for ``--tasks`` different applications, measures in the same run:

* ``bare load-and-save`` — the baseline: in one transaction, read the application row, write its
  workflow state back unchanged (``save(update_fields=["workflow_state"])``);
* ``deserialize + serialize`` — the same plus turning the JSON into a SpiffWorkflow object and back;
* ``complete task`` — the service a handler's click runs: ``task_complete`` (lock the row, check
  role and separation of duties, load the workflow, run the step and the engine, save, two ledger
  entries).

Reports p50 and p95 in milliseconds; the target is p95 < 100 ms for ``complete task`` on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time
from collections.abc import Callable

from common import bench_database


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=1000, help="open applications in the table")
    parser.add_argument("--tasks", type=int, default=200, help="tasks completed (and baselines run)")
    args = parser.parse_args()

    with bench_database("licensing") as where:
        from django.db import transaction

        from jianguan.core.demo_framework import demo_build
        from jianguan.core.models import User
        from jianguan.licensing import engine, services
        from jianguan.licensing.models import Application

        demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
        template = Application.objects.filter(kind="construction_permit", step="handle").first()
        assert template is not None
        existing = Application.objects.filter(status__in=["in_progress", "correction"]).count()
        copies = []
        for i in range(max(0, args.open - existing)):
            copy = Application.objects.get(pk=template.pk)
            copy.pk = None
            copy.number = f"BENCH{i:08d}"
            copy.client_key = ""
            copies.append(copy)
        Application.objects.bulk_create(copies, batch_size=500)
        open_now = Application.objects.filter(status__in=["in_progress", "correction"]).count()
        handler = User.objects.get(username="approval.handler")
        ids = list(Application.objects.filter(number__startswith="BENCH").values_list("pk", flat=True))
        state_chars = len(template.workflow_state)

        def bare(pk: int) -> None:
            with transaction.atomic():
                application = Application.objects.select_for_update().get(pk=pk)
                application.save(update_fields=["workflow_state"])

        def roundtrip(pk: int) -> None:
            with transaction.atomic():
                application = Application.objects.select_for_update().get(pk=pk)
                application.workflow_state = engine.dumps(engine.loads(application.workflow_state))
                application.save(update_fields=["workflow_state"])

        def complete(pk: int) -> None:
            services.task_complete(
                actor=handler, application=Application.objects.get(pk=pk), step="handle", decision="accept"
            )

        def measure(function: Callable[[int], None], targets: list[int]) -> list[float]:
            samples = []
            for pk in targets:
                started = time.perf_counter()
                function(pk)
                samples.append(time.perf_counter() - started)
            return samples

        tasks = min(args.tasks, len(ids))
        results = {
            "bare load-and-save (baseline)": measure(bare, ids[:tasks]),
            "deserialize + serialize": measure(roundtrip, ids[:tasks]),
            "complete task": measure(complete, ids[:tasks]),
        }
        moved = Application.objects.filter(pk__in=ids[:tasks], step="review").count()
        print(f"{where}: {open_now:,} open applications, workflow state {state_chars:,} characters, {tasks} tasks")
        _base_p50, base_p95 = percentiles(results["bare load-and-save (baseline)"])
        for name, samples in results.items():
            p50, p95 = percentiles(samples)
            print(f"  {name:32s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  ({p95 / base_p95:5.1f}× baseline p95)")
        print(f"  checked: {moved} of {tasks} applications moved from handle to review")


if __name__ == "__main__":
    main()
