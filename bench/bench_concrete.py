"""GB/T 50107-2010 evaluation at city scale, beside a bare DuckDB scan-and-group-by and pandas.

    .venv/bin/python bench/bench_concrete.py                       # 1M and 10M groups, Spark on 100k, signals on 1M
    .venv/bin/python bench/bench_concrete.py --sizes 20000 --spark-groups 0 --signals-groups 20000 --repeat 1

For each size, in one run on the same Parquet file (the contract's columns, synthetic city data):
- ours: ``evaluate_file`` + ``write_verdicts`` on DuckDB — read, check every row, group values,
  batch statistics, verdicts with their explanation (Chinese), the CSV written;
- bare: ``SELECT batch_id, count(*), avg, min … GROUP BY batch_id`` over the same file on DuckDB,
  fetched as Arrow — the least any engine must do to touch every value once;
- pandas: a straightforward vectorised pandas/NumPy implementation of the same rules (no reason
  text), whose verdicts are compared with ours.
Then Spark's verdicts on ``--spark-groups`` are compared with DuckDB's, and the forgery signals are
scored against the planted forgeries. Data files are cached in ``var/bench/concrete``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from jianguan.concrete.domain import HALF_UP  # noqa: E402
from jianguan.concrete.evaluation import (  # noqa: E402
    batch_statistics,
    batch_verdicts,
    evaluate_file,
    group_values,
    write_verdicts,
)
from jianguan.concrete.inputs import connect, open_input, typed  # noqa: E402
from jianguan.concrete.signals import find_signals, score  # noqa: E402
from jianguan.concrete.synthetic import generate  # noqa: E402

CACHE = ROOT / "var" / "bench" / "concrete"


def data_file(groups: int, seed: int, *, full: bool, cache: Path = CACHE) -> tuple[Path, object | None]:
    """The synthetic city's groups as Parquet (cached); the generated data when it was just made."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"groups-{groups}-{seed}{'-full' if full else ''}.parquet"
    if path.exists() and not full:
        return path, None
    started = time.perf_counter()
    data = generate(groups=groups, seed=seed)
    data.write_parquet(path, contract_only=not full)
    print(f"  generated {groups:,} groups in {time.perf_counter() - started:.1f} s → {path.name}", flush=True)
    return path, data


def timed(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def ours(path: Path, out: Path) -> object:
    run = evaluate_file(path, engine="duckdb", language="zh-hans")
    write_verdicts(run.verdicts, out)
    return run


def cli(path: Path, out: Path) -> float:
    """The console script end to end, interpreter start-up included."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "jianguan", "concrete", "-v0", "evaluate", str(path), "--out", str(out)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return time.perf_counter() - started


def numbers_only(path: Path) -> object:
    """Our job without the explanation, the duplicate check and the CSV: checks and verdict numbers only."""
    backend = connect("duckdb")
    table = typed(open_input(backend, path))
    return backend.to_pyarrow(batch_verdicts(batch_statistics(group_values(table)), explain=False))


def bare(path: Path) -> object:
    con = duckdb.connect()
    query = (
        "SELECT batch_id, count(*) AS n, avg((f1 + f2 + f3) / 3) AS mean, min(least(f1, f2, f3)) AS low "
        "FROM read_parquet(?) GROUP BY batch_id"
    )
    return con.sql(query, params=[str(path)]).to_arrow_table()


def pandas_evaluate(path: Path) -> pd.DataFrame:
    """The rules as a careful engineer would write them in pandas: vectorised, floats, a small epsilon."""
    frame = pd.read_parquet(path)
    cubes = np.floor(frame[["f1", "f2", "f3"]].to_numpy() * 10 + HALF_UP)
    low, high, total = cubes.min(axis=1), cubes.max(axis=1), cubes.sum(axis=1)
    middle = total - low - high
    low_off, high_off = 100 * (middle - low) > 15 * middle, 100 * (high - middle) > 15 * middle
    raw = np.where(low_off & high_off, np.nan, np.where(low_off | high_off, middle, np.floor((2 * total + 3) / 6)))
    factor = frame["size_mm"].map({100: 95, 150: 100, 200: 105}).to_numpy()
    frame["value"] = np.floor((raw * factor + 50) / 100) / 10
    batches = frame.groupby("batch_id", sort=True).agg(
        n=("value", "count"),
        n_total=("value", "size"),
        mean=("value", "mean"),
        s=("value", "std"),
        low=("value", "min"),
        sigma0=("sigma0", "first"),
        grade=("grade", "first"),
    )
    fk = batches["grade"].str[1:].astype(int)
    mean = np.floor(batches["mean"] * 10 + HALF_UP) / 10
    s = np.floor(batches["s"] * 100 + HALF_UP) / 100
    n = batches["n"]
    known = batches["sigma0"].notna() & (n == 3) & (batches["n_total"] == 3)
    method = np.select([known, n >= 10], ["sigma_known", "statistical"], "non_statistical")
    eps = 1e-9
    sigma0 = np.maximum(batches["sigma0"].fillna(0), 2.5)
    s_used = np.maximum(s.fillna(0), 2.5)
    l1 = np.select([n <= 14, n <= 19], [1.15, 1.05], 0.95)
    l2 = np.where(n <= 14, 0.90, 0.85)
    l3 = np.where(fk < 60, 1.15, 1.10)
    passed_known = (
        (mean >= fk + 0.7 * sigma0 - eps)
        & (batches["low"] >= fk - 0.7 * sigma0 - eps)
        & (batches["low"] >= np.where(fk <= 20, 0.85, 0.90) * fk - eps)
    )
    passed_statistical = (mean >= fk + l1 * s_used - eps) & (batches["low"] >= l2 * fk - eps)
    passed_other = (mean >= l3 * fk - eps) & (batches["low"] >= 0.95 * fk - eps)
    passed = np.select([known, n >= 10], [passed_known, passed_statistical], passed_other) & (n > 0)
    return pd.DataFrame(
        {"batch_id": batches.index.to_numpy(), "n_groups": n.to_numpy(), "method": method, "passed": np.asarray(passed)}
    )


def compare_with_pandas(run: object, frame: pd.DataFrame) -> int:
    verdicts = run.verdicts.select(["batch_id", "n_groups", "method", "passed"]).to_pandas()  # type: ignore[attr-defined]
    merged = verdicts.merge(frame, on="batch_id", suffixes=("", "_pandas"))
    return int(
        (
            (merged["passed"] != merged["passed_pandas"])
            | (merged["method"] != merged["method_pandas"])
            | (merged["n_groups"] != merged["n_groups_pandas"])
        ).sum()
        + abs(len(verdicts) - len(merged))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000", help="groups per run, comma-separated")
    parser.add_argument("--spark-groups", type=int, default=100_000, help="0 skips the Spark comparison")
    parser.add_argument("--signals-groups", type=int, default=1_000_000, help="0 skips the forgery signals")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median); 10M runs once")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where generated data files are kept")
    args = parser.parse_args()
    cache = args.cache

    print(f"# concrete evaluation — {platform.node()}, {os.cpu_count()} CPUs, DuckDB {duckdb.__version__}")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "verdicts.csv"
        for groups in (int(size) for size in args.sizes.split(",") if size):
            path, _ = data_file(groups, args.seed, full=False, cache=cache)
            repeat = 1 if groups >= 5_000_000 else args.repeat
            ours_s, run = timed(lambda path=path: ours(path, out), repeat)
            bare_s, _ = timed(lambda path=path: bare(path), repeat)
            numbers_s, _ = timed(lambda path=path: numbers_only(path), repeat)
            pandas_s, frame = timed(lambda path=path: pandas_evaluate(path), repeat)
            mismatches = compare_with_pandas(run, frame)  # type: ignore[arg-type]
            batches = run.batches  # type: ignore[attr-defined]
            cli_s = cli(path, out)
            rows.append((groups, batches, ours_s, bare_s, pandas_s, mismatches))
            print(
                f"{groups:>12,} groups {batches:>10,} batches | ours {ours_s:6.2f} s (CLI end to end {cli_s:5.1f} s, "
                f"numbers only {numbers_s:5.2f} s) "
                f"| bare DuckDB {bare_s:6.2f} s (ours/bare {ours_s / bare_s:4.1f}) | pandas {pandas_s:6.2f} s "
                f"(ours/pandas {ours_s / pandas_s:4.1f}) | verdicts differing from pandas: {mismatches}",
                flush=True,
            )

        if args.spark_groups:
            path, _ = data_file(args.spark_groups, args.seed, full=False, cache=cache)
            started = time.perf_counter()
            duck = evaluate_file(path, engine="duckdb", language="zh-hans").verdicts
            duck_s = time.perf_counter() - started
            started = time.perf_counter()
            spark = evaluate_file(path, engine="spark", language="zh-hans").verdicts
            spark_s = time.perf_counter() - started
            same = spark.equals(duck)
            print(
                f"Spark local[*] on {args.spark_groups:,} groups: {spark.num_rows:,} verdicts, identical to DuckDB: "
                f"{same} (every column, reason text included) | Spark {spark_s:.1f} s, DuckDB {duck_s:.1f} s",
                flush=True,
            )
            if not same:
                raise SystemExit("Spark and DuckDB disagree")

        if args.signals_groups:
            path, data = data_file(args.signals_groups, args.seed, full=True, cache=cache)
            assert data is not None
            started = time.perf_counter()
            owners = data.press_owners  # type: ignore[attr-defined]
            result = find_signals(path, engine="duckdb", language="en", press_owners=owners)
            signals_s = time.perf_counter() - started
            print(
                f"forgery signals on {args.signals_groups:,} groups: {len(result.leads)} leads, "
                f"{len(result.evidence):,} evidence rows in {signals_s:.1f} s"
            )
            print("| signal | planted | leads | found | precision | recall |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            for item in score(result.leads, data.planted):
                print(
                    f"| {item.signal} | {item.planted} | {item.leads} | {item.found} | "
                    f"{item.precision:.2f} | {item.recall:.2f} |"
                )
            unregistered = find_signals(path, engine="duckdb", language="en")
            planted = data.planted  # type: ignore[attr-defined]
            shared = next(s for s in score(unregistered.leads, planted) if s.signal == "shared_press")
            print(
                f"without a press registry: shared_press precision {shared.precision:.2f}, recall {shared.recall:.2f}"
            )
    targets = {1_000_000: 5.0, 10_000_000: 60.0}
    missed = [groups for groups, _, ours_s, *_ in rows if ours_s > targets.get(groups, float("inf"))]
    if missed:
        print(f"TARGET MISSED for {missed} groups (see above)")


if __name__ == "__main__":
    main()
