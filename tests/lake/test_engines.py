"""The engine layer: one Ibis expression, the same answer on DuckDB and on Spark."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest
from deltalake import write_deltalake

from jianguan.lake import engines

FRAME = pd.DataFrame(
    {
        "day": ["2026-01-01", "2026-01-01", "2026-01-02", "2026-01-02"],
        "source": ["a", "b", "a", "a"],
        "value": [1.5, 2.0, 3.0, 4.25],
    }
)


def _summary(table: ibis.Table) -> ibis.Table:
    return table.group_by(["day", "source"]).aggregate(total=table.value.sum(), n=table.count())


def _run(engine: str, reader: str, path: Path) -> pd.DataFrame:
    backend = engines.connect(engine)
    table = engines.read_delta(backend, path) if reader == "delta" else engines.read_file(backend, path)
    return engines.same_result_columns(backend.execute(_summary(table)), ["day", "source"])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    FRAME.to_parquet(tmp_path / "data.parquet")
    FRAME.to_csv(tmp_path / "data.csv", index=False)
    write_deltalake(str(tmp_path / "delta"), FRAME, partition_by=["day", "source"])
    write_deltalake(
        str(tmp_path / "delta"), FRAME.assign(value=FRAME.value * 10), partition_by=["day", "source"], mode="append"
    )
    return {"parquet": tmp_path / "data.parquet", "csv": tmp_path / "data.csv", "delta": tmp_path / "delta"}


@pytest.mark.parametrize("reader", ["parquet", "csv", "delta"])
def test_duckdb_reads_every_format(files: dict[str, Path], reader: str) -> None:
    result = _run("duckdb", reader, files[reader])
    factor = 11 if reader == "delta" else 1  # the Delta table holds the rows twice, once times ten
    assert result["total"].tolist() == pytest.approx([v * factor for v in [1.5, 2.0, 7.25]])
    assert [str(day)[:10] for day in result["day"]] == ["2026-01-01", "2026-01-01", "2026-01-02"]


def test_delta_reads_a_past_version(files: dict[str, Path]) -> None:
    backend = engines.connect("duckdb")
    first = backend.execute(engines.read_delta(backend, files["delta"], version=0).count())
    latest = backend.execute(engines.read_delta(backend, files["delta"]).count())
    assert (first, latest) == (4, 8)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(engines.UnknownEngine, match="duckdb, spark"):
        engines.connect("oracle")


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("reader", ["parquet", "csv", "delta"])
def test_spark_gives_the_same_answer(files: dict[str, Path], reader: str) -> None:
    pd.testing.assert_frame_equal(
        _run("spark", reader, files[reader]), _run("duckdb", reader, files[reader]), check_dtype=False
    )
