"""The synthetic lab data: reproducible, realistic where the signals and the evaluation look, and
carrying the planted forgeries it claims."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest

from jianguan.concrete.evaluation import evaluate_file
from jianguan.concrete.synthetic import CONTRACT_COLUMNS, ForgeryKind, generate


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate(groups=30_000, seed=3).groups.to_pandas()


def test_same_seed_same_data_and_exact_size() -> None:
    first, second = generate(groups=5_000, seed=9), generate(groups=5_000, seed=9)
    assert first.groups.equals(second.groups)
    assert first.groups.num_rows == 5_000
    assert not first.groups.equals(generate(groups=5_000, seed=10).groups)


def test_grades_sizes_and_batches_look_like_a_city(frame: pd.DataFrame) -> None:
    assert set(frame["grade"]) == {"C20", "C25", "C30", "C35", "C40", "C45", "C50", "C55", "C60"}
    assert frame["grade"].value_counts().idxmax() == "C30"
    sizes = frame["size_mm"].value_counts(normalize=True)
    assert sizes[150] > 0.85
    assert 0 < sizes[100] < 0.15
    assert set(frame.loc[frame["grade"] == "C60", "size_mm"]) == {150}
    per_batch = frame.groupby("batch_id").size()
    assert per_batch.between(1, 60).all()
    lots = frame.groupby("batch_id")["sigma0"].first().notna()
    assert (per_batch[lots] == 3).all()
    sigma0 = frame.groupby("batch_id")["sigma0"].first().dropna()
    assert sigma0.between(2.5, 6.0).mean() > 0.95


def test_honest_labs_have_plant_like_spread_and_uniform_digits(frame: pd.DataFrame) -> None:
    honest = frame[frame["planted"].isna()]
    values = honest[["f1", "f2", "f3"]]
    centre = values.mean(axis=1)
    within_cv = (values.std(axis=1) / centre).median()
    assert 0.015 < within_cv < 0.05  # testing spread within a group
    batch_sd = honest.assign(centre=centre).groupby("batch_id")["centre"].std().dropna()
    big = honest.groupby("batch_id").size() >= 10
    assert 2.5 < batch_sd[big[big].index].median() < 6.0  # σ of ready-mix plants
    digits = np.round(values.to_numpy().ravel() * 10).astype(int) % 10
    shares = np.bincount(digits, minlength=10) / digits.size
    assert np.abs(shares - 0.1).max() < 0.01
    delay = (honest["uploaded_at"] - honest["tested_at"]).dt.total_seconds()
    assert (delay > -200).all()  # a press clock up to 2.5 minutes fast, never more


def test_strengths_follow_from_the_press_loads(frame: pd.DataFrame) -> None:
    area = frame["size_mm"].astype(float) ** 2
    recomputed = frame["load1_kn"] * 1000 / area
    assert (recomputed - frame["f1"]).abs().max() < 0.06


def test_every_kind_of_forgery_is_planted(frame: pd.DataFrame) -> None:
    data = generate(groups=30_000, seed=3)
    kinds = {p.kind for p in data.planted}
    assert kinds == set(ForgeryKind)
    for forgery in data.planted:
        marked = frame[(frame["lab_id"] == forgery.lab_id) & (frame["planted"] == forgery.kind.value)]
        assert len(marked) == forgery.groups > 0
    early = frame[frame["planted"] == ForgeryKind.UPLOAD_BEFORE_TEST.value]
    assert (early["uploaded_at"] < early["tested_at"]).all()
    shared = next(p for p in data.planted if p.kind == ForgeryKind.SHARED_PRESS)
    assert data.press_owners[shared.press_serial] != shared.lab_id


def test_evaluation_runs_on_the_contract_columns(tmp_path: Path) -> None:
    data = generate(groups=3_000, seed=4)
    assert data.evaluation_input().column_names == list(CONTRACT_COLUMNS)
    run = evaluate_file(data.write_parquet(tmp_path / "g.parquet", contract_only=True), engine="duckdb")
    assert run.groups == 3_000
    pass_rate = run.passed / run.batches
    assert 0.85 < pass_rate < 0.995
    assert set(pc.unique(run.verdicts["method"]).to_pylist()) == {"sigma_known", "statistical", "non_statistical"}
    csv = data.write_csv(tmp_path / "g.csv")
    assert evaluate_file(csv, engine="duckdb").verdicts.equals(run.verdicts)


def test_too_few_labs_for_the_forgeries_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 12 labs"):
        generate(groups=1_000, labs=8)
