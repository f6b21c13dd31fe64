"""Forgery signals on the demo city's planted forgeries, found from the database.

    .venv/bin/python bench/bench_concrete_demo_signals.py                     # city scale (30,000 groups), seed 2015
    .venv/bin/python bench/bench_concrete_demo_signals.py --scale tiny --seeds 1,2,3,4,5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_concrete_demo_signals.py

The registry comes from the tiny demo city (sites, their supervision engineers); the labs' year of
records is the ``concrete.labs`` demo step at the scale asked (`HISTORY_GROUPS` in concrete/demo.py):
groups, cubes and press readings written to the database with forgeries planted at six labs and
honest look-alikes at four. Then the nightly job (`forgery_leads_run`: the database's groups out to
Parquet, the six signals in Chinese and English, the leads stored) runs and is scored against the
planted truth, per signal and overall. Baseline for the time, in the same run: the signals alone
on the generator's own Parquet file (one language), i.e. without the database around them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_database

TODAY = dt.date(2026, 11, 25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=("tiny", "city", "province"))
    parser.add_argument("--seeds", default="2015")
    args = parser.parse_args()
    with bench_database("concrete_signals") as database, tempfile.TemporaryDirectory() as lakes:
        from django.conf import settings

        from jianguan.concrete import demo as concrete_demo
        from jianguan.concrete.leads import forgery_leads_run
        from jianguan.concrete.models import (
            BatchVerdict,
            ForgeryLead,
            LabPress,
            PressReading,
            Specimen,
            SpecimenGroup,
        )
        from jianguan.concrete.signals import Signal, find_signals, score
        from jianguan.core.demo_framework import SCALES, DemoContext, collect_steps

        print(f"# forgery signals on the demo city — {platform.node()}, {os.cpu_count()} CPUs, {database}")
        registry = DemoContext(scale=SCALES["tiny"], seed=2015, today=TODAY, out=io.StringIO(), show_progress=False)
        for step in collect_steps():
            if step.name in {"core.city", "registry.city"}:
                step.run(registry)
        totals: dict[str, list[int]] = {signal.value: [0, 0, 0, 0] for signal in Signal}
        for seed in (int(s) for s in args.seeds.split(",") if s):
            for model in (ForgeryLead, PressReading, Specimen, SpecimenGroup, BatchVerdict, LabPress):
                model.objects.all().delete()
            settings.LAKE_URI = str(Path(lakes) / f"lake-{seed}")
            ctx = DemoContext(scale=SCALES[args.scale], seed=seed, today=TODAY, out=io.StringIO(), show_progress=False)
            started = time.perf_counter()
            concrete_demo.build_labs(ctx)
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            run = forgery_leads_run(engine="duckdb")
            job_s = time.perf_counter() - started
            data = concrete_demo.history(ctx)
            with tempfile.TemporaryDirectory() as folder:
                path = data.write_parquet(Path(folder) / "groups.parquet")
                started = time.perf_counter()
                find_signals(path, engine="duckdb", language="zh-hans", press_owners=data.press_owners)
                bare_s = time.perf_counter() - started
            leads = ForgeryLead.objects.filter(active=True).values_list("signal", "labs", "press__serial")
            import pandas as pd

            frame = pd.DataFrame(list(leads), columns=["signal", "lab_id", "press_serial"]).fillna("")
            scores = score(frame, concrete_demo.planted(ctx))
            print(
                f"\nseed {seed}, {args.scale}: {run.groups:,} groups from the database, {len(data.labs)} labs; "
                f"demo step {build_s:.1f} s; job {job_s:.1f} s (export {run.seconds['export']:.1f}, "
                f"signals in 2 languages {run.seconds['signals']:.1f}, store {run.seconds['store']:.1f}); "
                f"signals alone on the generator's Parquet {bare_s:.1f} s (job / that {job_s / bare_s:.1f})"
            )
            print("| signal | planted | leads | found | precision | recall |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            for item in scores:
                print(
                    f"| {item.signal} | {item.planted} | {item.leads} | {item.found} | "
                    f"{item.precision:.2f} | {item.recall:.2f} |"
                )
                for index, value in enumerate((item.planted, item.leads, item.found, item.true_leads)):
                    totals[item.signal][index] += value
            planted = sum(s.planted for s in scores)
            leads_n = sum(s.leads for s in scores)
            print(
                f"| overall | {planted} | {leads_n} | {sum(s.found for s in scores)} | "
                f"{sum(s.true_leads for s in scores) / max(leads_n, 1):.2f} | "
                f"{sum(s.found for s in scores) / max(planted, 1):.2f} |",
                flush=True,
            )
        if len(args.seeds.split(",")) > 1:
            print(f"\nall seeds {args.seeds}: signal planted/leads/found/right")
            for signal, (planted_n, leads_n, found_n, right_n) in totals.items():
                print(f"  {signal}: {planted_n}/{leads_n}/{found_n}/{right_n}")


if __name__ == "__main__":
    main()
