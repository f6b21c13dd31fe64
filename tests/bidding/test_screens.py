"""The screens as one Ibis job: the numbers of the one-tender reference, on DuckDB and on Spark."""

from __future__ import annotations

import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from jianguan.bidding.domain import one_bid_per_bidder, screen_bids
from jianguan.bidding.evaluation import DATA_SETS, read_data_set
from jianguan.bidding.screens import SCREEN_COLUMNS, conflicting_bids, run_screens
from jianguan.lake import engines

# Two-pass moments summed in another order than pandas: agreement to ~1e-13 relative is the floor.
RTOL, ATOL = 1e-9, 1e-12


def _reference(bids: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for tender, group in bids.groupby("tender_id", sort=True):
        screens = screen_bids(one_bid_per_bidder(zip(group.bidder, group.amount, strict=True)))
        rows.append({"tender_id": tender, **screens.__dict__})
    return pd.DataFrame(rows).astype(dict.fromkeys(SCREEN_COLUMNS, "float64"))


def _assert_same(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    result = engines.same_result_columns(result, ["tender_id"])
    expected = engines.same_result_columns(expected, ["tender_id"])
    assert result.tender_id.tolist() == expected.tender_id.tolist()
    assert result.n_bids.astype(int).tolist() == expected.n_bids.astype(int).tolist()
    for column in SCREEN_COLUMNS:
        ours, theirs = result[column].to_numpy(float), expected[column].to_numpy(float)
        assert (np.isnan(ours) == np.isnan(theirs)).all(), column
        defined = ~np.isnan(theirs)
        np.testing.assert_allclose(ours[defined], theirs[defined], rtol=RTOL, atol=ATOL, err_msg=column)


def edge_cases() -> pd.DataFrame:
    """Tenders at every boundary of the definitions."""
    tenders = {
        "one": [100.0],
        "two": [100.0, 120.0],
        "three": [100.0, 101.0, 105.0],
        "identical": [0.1, 0.1, 0.1, 0.1],
        "losers-identical": [90.0, 100.0, 100.0, 100.0],
        "lowest-tied": [100.0, 100.0, 103.0, 107.0, 111.0],
        "large": [912_345_678.91, 912_345_699.12, 912_346_001.5, 912_350_000.0, 913_000_000.0],
        "integer-yen": [4_850_000, 4_900_000, 4_920_000, 4_930_000, 4_930_000, 4_945_000],
    }
    rows = [(tender, f"B{i}", amount) for tender, amounts in tenders.items() for i, amount in enumerate(amounts)]
    rows += [("three", "B0", 100.0), ("lowest-tied", "B1", 100.0)]  # a bidder listed twice, same amount
    return pd.DataFrame(rows, columns=["tender_id", "bidder", "amount"])


def random_tenders(count: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for tender in range(count):
        n = int(rng.integers(1, 16))
        control = float(rng.uniform(1e5, 5e8))
        amounts = control * (0.9 + rng.choice([0.005, 0.05, 0.1]) * rng.standard_normal(n))
        if rng.random() < 0.2:
            amounts = amounts.round(-3)  # ties are common in round numbers
        rows += [(f"T{tender:04d}", f"E{i}", round(float(a), 2)) for i, a in enumerate(amounts)]
    return pd.DataFrame(rows, columns=["tender_id", "bidder", "amount"])


def test_job_equals_the_reference_at_the_edges() -> None:
    bids = edge_cases()
    result = run_screens(bids, engine="duckdb")
    _assert_same(result, _reference(bids))
    by_tender = result.set_index("tender_id")
    assert by_tender.loc["three", "n_bids"] == 3  # the repeated listing counted once
    assert by_tender.loc[["one", "two"], list(SCREEN_COLUMNS)].isna().all().all()


def test_job_equals_the_reference_on_random_tenders() -> None:
    bids = random_tenders()
    _assert_same(run_screens(bids, engine="duckdb"), _reference(bids))


@pytest.mark.parametrize("name", sorted(DATA_SETS))
def test_job_equals_the_reference_on_the_labelled_data(name: str) -> None:
    bids = read_data_set(name)[["tender_id", "bidder", "amount"]]
    _assert_same(run_screens(bids, engine="duckdb"), _reference(bids))


def test_job_reads_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "bids.parquet"
    bids = edge_cases()
    bids.to_parquet(path)
    backend = engines.connect("duckdb")
    _assert_same(run_screens(engines.read_file(backend, path)), _reference(bids))


def test_conflicting_bids_are_listed() -> None:
    bids = pd.DataFrame(
        {"tender_id": ["T1", "T1", "T1", "T2"], "bidder": ["A", "A", "B", "A"], "amount": [1.0, 2.0, 3.0, 4.0]}
    )
    backend = engines.connect("duckdb")
    found = backend.execute(conflicting_bids(ibis.memtable(bids)))
    assert found[["tender_id", "bidder"]].values.tolist() == [["T1", "A"]]


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_screens_as_duckdb() -> None:
    bids = pd.concat(
        [edge_cases(), random_tenders(count=150, seed=11), read_data_set("ticino")[["tender_id", "bidder", "amount"]]]
    )
    duck = run_screens(bids, engine="duckdb")
    spark = run_screens(bids, engine="spark")
    _assert_same(spark, duck)
    assert not math.isnan(spark.risk.max())
