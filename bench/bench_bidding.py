"""Bid-rigging screens over a city's bids, beside a bare group-by of the same file.

    .venv/bin/python bench/bench_bidding.py                       # 1,000,000 bids, 100,000 tenders
    .venv/bin/python bench/bench_bidding.py --bids 20000 --tenders 2000 --repeat 1   # smoke run

Writes a bids CSV (tender_id, bidder, amount, winner) with tenders of 3 to 17 bids, a tenth of them
rigged (tight bids with a cover gap), then measures, in the same run and on the same file:

* ``screen``   — `jianguan bidding screen` in process (read and check the CSV, the Ibis job on the
  engine, write the tenders CSV): the figure the target (< 10 s for 1,000,000 bids) is about;
* ``job``      — the Ibis screens job alone on the engine, reading the CSV itself;
* ``group-by`` — the baseline: the same engine reading the same CSV and grouping by tender
  (count, mean, min, max of the amounts), written to CSV.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from common import timed

TARGET_SECONDS = 10.0


def write_bids(path: Path, *, bids: int, tenders: int, seed: int = 12) -> int:
    """A bids file with exactly ``bids`` rows over ``tenders`` tenders; returns the rigged tenders."""
    rng = np.random.default_rng(seed)
    sizes = np.full(tenders, bids // tenders)
    sizes[: bids - sizes.sum()] += 1
    # vary the sizes (3 … 17 around the mean of 10) without changing the total
    shift = rng.integers(-7, 8, size=tenders // 2)
    half = tenders // 2
    sizes[:half] += shift
    sizes[half : 2 * half] -= shift
    tender = np.repeat(np.arange(tenders), sizes)
    rank = np.concatenate([np.arange(size) for size in sizes])
    control = rng.uniform(1e6, 3e8, size=tenders).round(-3)
    rigged = rng.random(tenders) < 0.1
    spread = np.where(rigged, 0.01, 0.08)[tender]
    amount = control[tender] * (0.9 + spread * rng.standard_normal(len(tender)))
    cover = rigged[tender] & (rank > 0)
    amount = np.where(cover, amount + control[tender] * 0.03, amount).round(2)
    winner = (rank == 0).astype(int)
    frame = pd.DataFrame(
        {
            "tender_id": np.char.add("T", tender.astype(str)),
            "bidder": np.char.add("E", rng.integers(0, 20000, size=len(tender)).astype(str)),
            "amount": amount,
            "winner": winner,
        }
    )
    # bidders unique within a tender (a random draw may repeat one): make the repeats distinct
    repeated = frame.duplicated(["tender_id", "bidder"])
    frame.loc[repeated, "bidder"] = frame.loc[repeated, "bidder"] + "b" + frame.index[repeated].astype(str)
    frame.to_csv(path, index=False)
    return int(rigged.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bids", type=int, default=1_000_000)
    parser.add_argument("--tenders", type=int, default=100_000)
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")
    import django

    django.setup()
    from jianguan.bidding.screens import screen_file, tender_screens
    from jianguan.lake import engines

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bids.csv"
        rigged = write_bids(source, bids=args.bids, tenders=args.tenders)
        size_mb = source.stat().st_size / 1e6

        def bare_group_by() -> None:
            backend = engines.connect(args.engine)
            bids = engines.read_file(backend, source)
            summary = bids.group_by("tender_id").aggregate(
                n=bids.count(), mean=bids.amount.mean(), low=bids.amount.min(), high=bids.amount.max()
            )
            backend.execute(summary).to_csv(Path(folder) / "groupby.csv", index=False)

        def job_only() -> None:
            backend = engines.connect(args.engine)
            bids = engines.read_file(backend, source)
            bids = bids.mutate(tender_id=bids.tender_id.cast("string"), bidder=bids.bidder.cast("string"))
            backend.execute(tender_screens(bids))

        def screen() -> None:
            screen_file(source, Path(folder) / "tenders.csv", engine=args.engine)

        bare_group_by()  # warm-up, untimed: starts Spark's JVM, fills the page cache
        bare = timed(bare_group_by, repeat=args.repeat)
        job = timed(job_only, repeat=args.repeat)
        full = timed(screen, repeat=args.repeat)
        out = pd.read_csv(Path(folder) / "tenders.csv")

    print(
        f"file: {args.bids:,} bids, {args.tenders:,} tenders ({rigged:,} rigged), {size_mb:.0f} MB;"
        f" engine {args.engine}"
    )
    print(f"{'case':34} {'seconds':>8} {'bids/s':>12} {'× group-by':>11}")
    for name, seconds in (
        ("group-by (baseline)", bare),
        ("screens job (engine only)", job),
        ("screen (CLI: read, check, write)", full),
    ):
        print(f"{name:34} {seconds:8.2f} {args.bids / seconds:12,.0f} {seconds / bare:11.1f}")
    if args.bids >= 1_000_000:
        verdict = "met" if full < TARGET_SECONDS else "NOT met"
    else:
        verdict = "not assessed below 1,000,000 bids"
    print(f"target: {TARGET_SECONDS:.0f} s for 1,000,000 bids — {verdict}; {len(out):,} tenders written")


if __name__ == "__main__":
    main()
