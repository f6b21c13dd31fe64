"""Forgery signals across a city's labs: every planted forgery found with its evidence, no honest
look-alike named, the same leads on DuckDB and Spark."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pytest

from jianguan.concrete.inputs import MissingColumns
from jianguan.concrete.signals import Signal, SignalsResult, find_signals, score
from jianguan.concrete.synthetic import ForgeryKind, SyntheticLabData, generate


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[SyntheticLabData, Path]:
    data = generate(groups=20_000, seed=11)
    path = data.write_parquet(tmp_path_factory.mktemp("signals") / "groups.parquet")
    return data, path


@pytest.fixture(scope="module")
def with_registry(city: tuple[SyntheticLabData, Path]) -> SignalsResult:
    data, path = city
    return find_signals(path, engine="duckdb", language="en", press_owners=data.press_owners)


def test_every_planted_forgery_is_found_and_nothing_else(
    city: tuple[SyntheticLabData, Path], with_registry: SignalsResult
) -> None:
    data, _ = city
    scores = score(with_registry.leads, data.planted)
    assert {s.signal for s in scores} == {kind.value for kind in ForgeryKind}
    for result in scores:
        assert result.planted >= 1
        assert (result.precision, result.recall) == (1.0, 1.0), result


def test_honest_look_alikes_are_not_named(city: tuple[SyntheticLabData, Path], with_registry: SignalsResult) -> None:
    data, _ = city
    named = set(with_registry.leads["lab_id"])
    for role in ("careful_lab", "weak_supply_lab", "press_seller", "press_buyer"):
        assert data.decoys[role] not in named, role
    assert data.decoys["sold_press"] not in set(with_registry.leads["press_serial"])


def test_each_lead_comes_with_its_evidence(with_registry: SignalsResult) -> None:
    leads, evidence = with_registry.leads, with_registry.evidence
    assert (leads["evidence_rows"] > 0).all()
    assert set(evidence["lead_id"]) == set(leads["lead_id"])
    assert leads["summary"].str.len().gt(20).all()

    early = evidence[evidence["signal"] == Signal.UPLOAD_BEFORE_TEST.value]
    assert (pd.to_datetime(early["uploaded_at"]) < pd.to_datetime(early["tested_at"])).all()
    assert early["detail"].str.contains("h before the test").all()

    near = evidence[evidence["signal"] == Signal.PASS_LINE.value]
    margins = near["detail"].str.extract(r"passes by ([0-9.]+) MPa")[0].astype(float)
    assert margins.between(0, 1).all()

    tight = evidence[evidence["signal"] == Signal.LOW_VARIANCE.value]
    spread = tight[["f1", "f2", "f3"]].max(axis=1) - tight[["f1", "f2", "f3"]].min(axis=1)
    assert (spread <= tight[["f1", "f2", "f3"]].median(axis=1) * 0.0101).all()

    repeated = evidence[evidence["signal"] == Signal.REPEATED_VALUES.value]
    triples = repeated[["lab_id", "f1", "f2", "f3"]].value_counts()
    assert (triples >= 2).all()  # every evidence row has its twin in the evidence

    digits = evidence[evidence["signal"] == Signal.DIGIT_PREFERENCE.value]
    assert len(digits) == 10 * (leads["signal"] == Signal.DIGIT_PREFERENCE.value).sum()


def test_shared_press_evidence_is_the_forgers_tests_on_the_borrowed_press(
    city: tuple[SyntheticLabData, Path], with_registry: SignalsResult
) -> None:
    data, _ = city
    planted = next(p for p in data.planted if p.kind == ForgeryKind.SHARED_PRESS)
    lead = with_registry.leads[with_registry.leads["signal"] == Signal.SHARED_PRESS.value].iloc[0]
    assert (lead["lab_id"], lead["press_serial"]) == (planted.lab_id, planted.press_serial)
    rows = with_registry.evidence[with_registry.evidence["lead_id"] == lead["lead_id"]]
    assert set(rows["lab_id"]) == {planted.lab_id}
    assert set(rows["press_serial"]) == {planted.press_serial}
    owner = data.press_owners[planted.press_serial]
    assert owner in lead["summary"]


def test_without_a_registry_a_shared_press_names_both_labs(city: tuple[SyntheticLabData, Path]) -> None:
    data, path = city
    result = find_signals(path, engine="duckdb", language="en")
    planted = next(p for p in data.planted if p.kind == ForgeryKind.SHARED_PRESS)
    lead = result.leads[result.leads["signal"] == Signal.SHARED_PRESS.value].iloc[0]
    assert planted.lab_id in lead["lab_id"].split("+")
    assert data.press_owners[planted.press_serial] in lead["lab_id"].split("+")
    assert "no registry" in lead["summary"]
    assert all(s.recall == 1.0 and s.precision == 1.0 for s in score(result.leads, data.planted))


def test_planted_rows_are_the_evidence(city: tuple[SyntheticLabData, Path], with_registry: SignalsResult) -> None:
    """Row level: the evidence of a time-stamp lead is exactly the planted rows of that lab."""
    data, _ = city
    table = data.groups
    planted = table.filter(pc.equal(table["planted"], ForgeryKind.UPLOAD_BEFORE_TEST.value)).to_pandas()
    evidence = with_registry.evidence[with_registry.evidence["signal"] == Signal.UPLOAD_BEFORE_TEST.value]
    assert set(zip(evidence["batch_id"], evidence["group_id"], strict=True)) == set(
        zip(planted["batch_id"], planted["group_id"], strict=True)
    )


def test_summaries_in_chinese(city: tuple[SyntheticLabData, Path]) -> None:
    data, path = city
    result = find_signals(path, engine="duckdb", language="zh-hans", press_owners=data.press_owners)
    summary = result.leads[result.leads["signal"] == Signal.UPLOAD_BEFORE_TEST.value]["summary"].iloc[0]
    assert "上传" in summary


def test_signal_columns_are_required(tmp_path: Path) -> None:
    data = generate(groups=200, seed=1)
    path = data.write_parquet(tmp_path / "contract.parquet", contract_only=True)
    with pytest.raises(MissingColumns) as raised:
        find_signals(path, engine="duckdb")
    assert raised.value.extra["missing_columns"] == ["lab_id", "press_serial", "tested_at", "uploaded_at"]


@pytest.mark.spark
@pytest.mark.slow
def test_spark_finds_the_same_leads(city: tuple[SyntheticLabData, Path], with_registry: SignalsResult) -> None:
    data, path = city
    spark = find_signals(path, engine="spark", language="en", press_owners=data.press_owners)
    columns = ["lead_id", "examined", "observed", "evidence_rows", "summary"]
    pd.testing.assert_frame_equal(spark.leads[columns], with_registry.leads[columns])
    pd.testing.assert_frame_equal(spark.evidence, with_registry.evidence, check_dtype=False)
