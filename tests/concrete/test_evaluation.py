"""The evaluation job: the same verdicts and words as the domain, on CSV and Parquet, on DuckDB and
Spark; bad input named by row and column."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jianguan.concrete.domain import CubeGroup, evaluate_batch
from jianguan.concrete.evaluation import OUTPUT_COLUMNS, evaluate_file, write_verdicts
from jianguan.concrete.inputs import InputInvalid, InputUnreadable, MissingColumns

GRADES = ["C15", "C20", "C25", "C30", "C35", "C40", "C50", "C55", "C60", "C70", "C80", "C90", "C100"]


def random_batches(seed: int, count: int) -> list[dict[str, Any]]:
    """Rows for ``count`` batches that exercise every rule: sizes, exclusions, σ0 lots, ties, high grades."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for number in range(count):
        grade = rng.choice(GRADES)
        fk = int(grade[1:])
        kind = rng.random()
        n = 3 if kind < 0.25 else rng.randint(1, 9) if kind < 0.6 else rng.randint(10, 40)
        sigma0 = round(rng.uniform(1.5, 6.0), rng.choice([1, 2, 3])) if kind < 0.25 else None
        size = rng.choice([150, 150, 150, 100, 200])
        factor = None
        if fk >= 60 and size != 150:
            factor = round(rng.uniform(0.9, 1.0), 2)
        elif size != 150 and rng.random() < 0.2:
            factor = {100: 0.95, 200: 1.05}[size]
        centre = fk * rng.uniform(0.95, 1.4)
        spread = rng.uniform(0.5, 6.0)
        for group in range(1, n + 1):
            strength = max(3.0, rng.gauss(centre, spread))
            cubes = [strength * (1 + rng.gauss(0, 0.04)) for _ in range(3)]
            if rng.random() < 0.08:
                cubes[rng.randrange(3)] *= rng.choice([0.75, 1.25])
            if rng.random() < 0.03:
                cubes = [strength * 0.7, strength, strength * 1.3]
            digits = rng.choice([1, 1, 1, 2, 3])  # some files carry more decimals than the 0.1 MPa
            cubes = [min(199.0, max(1.0, round(c, digits))) for c in cubes]
            if rng.random() < 0.05:
                cubes[0] = math.floor(cubes[0]) + 0.25  # binary-exact halves (x.25, x.75)
            rows.append(
                {
                    "batch_id": f"B{number:05d}",
                    "grade": grade,
                    "group_id": f"G{group:02d}",
                    "size_mm": size,
                    "f1": cubes[0],
                    "f2": cubes[1],
                    "f3": cubes[2],
                    "sigma0": sigma0,
                    "size_factor": factor,
                }
            )
    return rows


def domain_verdicts(rows: list[dict[str, Any]], language: str) -> dict[str, dict[str, Any]]:
    """What the domain module says about each batch, in the output file's shape."""
    batches: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        batches.setdefault(row["batch_id"], []).append(row)
    out = {}
    for batch_id, members in batches.items():
        verdict = evaluate_batch(
            batch_id,
            grade=members[0]["grade"],
            groups=[
                CubeGroup(r["group_id"], r["f1"], r["f2"], r["f3"], size_mm=r["size_mm"], size_factor=r["size_factor"])
                for r in members
            ],
            sigma0=members[0]["sigma0"],
        )
        stats = verdict.stats
        out[batch_id] = {
            "batch_id": batch_id,
            "n_groups": stats.n,
            "mean": None if stats.mean is None else f"{stats.mean / 10:.1f}",
            "s": None if stats.s is None else f"{stats.s / 100:.2f}",
            "min": None if stats.minimum is None else f"{stats.minimum / 10:.1f}",
            "method": verdict.method.value,
            "passed": verdict.passed,
            "reason": verdict.explain(language),
        }
    return out


@pytest.fixture(scope="module")
def random_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    rows = random_batches(seed=50107, count=1500)
    path = tmp_path_factory.mktemp("concrete") / "groups.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path, rows


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_job_agrees_with_the_domain_on_every_batch(
    random_file: tuple[Path, list[dict[str, Any]]], language: str
) -> None:
    path, rows = random_file
    expected = domain_verdicts(rows, language)
    run = evaluate_file(path, engine="duckdb", language=language)
    got = {row["batch_id"]: {key: row[key] for key in OUTPUT_COLUMNS} for row in run.verdicts.to_pylist()}
    assert set(got) == set(expected)
    mismatches = [batch for batch in expected if got[batch] != expected[batch]]
    assert not mismatches, (got[mismatches[0]], expected[mismatches[0]])
    methods = {row["method"] for row in expected.values()}
    assert methods == {"sigma_known", "statistical", "non_statistical"}
    assert {row["passed"] for row in expected.values()} == {True, False}
    assert run.groups == len(rows)


def test_the_margin_column_is_the_domains_margin(random_file: tuple[Path, list[dict[str, Any]]]) -> None:
    path, rows = random_file
    run = evaluate_file(path, engine="duckdb")
    margins = {row["batch_id"]: row["margin"] for row in run.verdicts.to_pylist()}
    first = [row for row in rows if row["batch_id"] == "B00007"]
    verdict = evaluate_batch(
        "B00007",
        grade=first[0]["grade"],
        groups=[CubeGroup(r["group_id"], r["f1"], r["f2"], r["f3"], r["size_mm"], r["size_factor"]) for r in first],
        sigma0=first[0]["sigma0"],
    )
    assert margins["B00007"] == verdict.margin


def test_csv_and_parquet_give_the_same_verdicts(tmp_path: Path) -> None:
    rows = random_batches(seed=7, count=200)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "g.parquet")
    pd.DataFrame(rows).to_csv(tmp_path / "g.csv", index=False)
    from_parquet = evaluate_file(tmp_path / "g.parquet", engine="duckdb").verdicts
    from_csv = evaluate_file(tmp_path / "g.csv", engine="duckdb").verdicts
    assert from_csv.to_pylist() == from_parquet.to_pylist()


def test_output_file_has_the_contract_columns(tmp_path: Path) -> None:
    rows = random_batches(seed=8, count=30)
    pd.DataFrame(rows).to_csv(tmp_path / "g.csv", index=False)
    run = evaluate_file(tmp_path / "g.csv", engine="duckdb", language="en")
    write_verdicts(run.verdicts, tmp_path / "out" / "verdicts.csv")
    with open(tmp_path / "out" / "verdicts.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == OUTPUT_COLUMNS
        written = list(reader)
    assert len(written) == 30
    assert {row["passed"] for row in written} <= {"true", "false"}
    assert [row["batch_id"] for row in written] == sorted(row["batch_id"] for row in written)
    assert not list((tmp_path / "out").glob(".verdicts.csv.*"))  # no temporary left behind
    assert (tmp_path / "out" / "verdicts.csv").stat().st_mode & 0o044  # readable by others, as files usually are


def _write_csv(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


HEADER = "batch_id,grade,group_id,size_mm,f1,f2,f3"


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "g.csv", "batch_id,grade,group_id,f1,f2\nA,C30,1,30,31")
    with pytest.raises(MissingColumns) as raised:
        evaluate_file(path, engine="duckdb")
    assert raised.value.extra["missing_columns"] == ["size_mm", "f3"]
    assert "size_mm, f3" in raised.value.render("en")


def test_bad_values_are_named_by_row_and_column(tmp_path: Path) -> None:
    good = "\n".join(f"OK,C30,{i},150,35.1,34.9,36.0" for i in range(1, 30))
    path = _write_csv(
        tmp_path / "g.csv",
        f"""{HEADER}
{good}
A,C30,1,150,33.6,abc,33.6
A,C30,2,150,38.1,38.1,38.1
C,C31,1,150,38.1,38.1,38.1
D,C30,1,120,38.1,38.1,38.1
E,C30,1,150,38.1,,38.1
F,C65,1,100,70.1,70.1,70.1
""",
    )
    with pytest.raises(InputInvalid) as raised:
        evaluate_file(path, engine="duckdb")
    problems = {(p.row, p.code, p.column) for p in raised.value.problems}
    # rows as a spreadsheet numbers them: the header is row 1
    assert problems == {
        (31, "not_a_number", "f2"),
        (33, "unknown_grade", "grade"),
        (34, "unknown_size", "size_mm"),
        (35, "empty", "f2"),
        (36, "size_factor_required", "size_factor"),
    }
    text = raised.value.render("en")
    assert "row 31 (batch A, group 1): f2 = 'abc' is not a number" in text
    assert "row 34 (batch D, group 1): size_mm = 120 is not a cube size" in text
    assert raised.value.extra["problems"][0]["row"] == 31


def test_batch_level_problems_are_named(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "g.csv",
        f"""{HEADER},sigma0
A,C30,1,150,33.6,33.6,33.6,
A,C35,2,150,38.1,38.1,38.1,
B,C30,1,150,38.1,38.1,38.1,
B,C30,1,150,38.1,38.1,38.1,
D,C30,1,150,38.1,38.1,38.1,3.0
D,C30,2,150,38.1,38.1,38.1,3.1
""",
    )
    with pytest.raises(InputInvalid) as raised:
        evaluate_file(path, engine="duckdb")
    assert {(p.code, p.batch_id) for p in raised.value.problems} == {
        ("mixed_grades", "A"),
        ("duplicate_group", "B"),
        ("mixed_sigma0", "D"),
    }


def test_bad_parquet_values_are_found_with_their_row(tmp_path: Path) -> None:
    rows = random_batches(seed=9, count=50)
    rows[17]["f3"] = float("nan")
    rows[40]["grade"] = "C33"
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "g.parquet")
    with pytest.raises(InputInvalid) as raised:
        evaluate_file(tmp_path / "g.parquet", engine="duckdb")
    assert [(p.row, p.code) for p in raised.value.problems] == [(18, "strength_range"), (41, "unknown_grade")]


def test_unreadable_inputs_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable, match="no such file"):
        evaluate_file(tmp_path / "missing.csv", engine="duckdb")
    (tmp_path / "g.xlsx").write_bytes(b"PK")
    with pytest.raises(InputUnreadable, match=r"\.csv or \.parquet"):
        evaluate_file(tmp_path / "g.xlsx", engine="duckdb")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(InputUnreadable):
        evaluate_file(tmp_path / "broken.parquet", engine="duckdb")


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_identical_verdicts(random_file: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    path, rows = random_file
    duck = evaluate_file(path, engine="duckdb", language="zh-hans").verdicts
    spark = evaluate_file(path, engine="spark", language="zh-hans").verdicts
    assert spark.to_pylist() == duck.to_pylist()
    # CSV through Spark's reader too (text columns, converted in the job)
    pd.DataFrame(rows[:3000]).to_csv(tmp_path / "g.csv", index=False)
    assert (
        evaluate_file(tmp_path / "g.csv", engine="spark").verdicts.to_pylist()
        == evaluate_file(tmp_path / "g.csv", engine="duckdb").verdicts.to_pylist()
    )


def test_every_kind_of_row_problem_is_named_not_just_flagged(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "g.csv",
        f"""{HEADER},sigma0,size_factor
A,C30,1,150,30.0,30.0,30.0,80,
B,C65,1,100,70.0,70.0,70.0,,1.5
C,C30,1,100,30.0,30.0,30.0,,0.90
D,C30,1,150,nan,30.0,30.0,,
E,C30,1,150,30.0,inf,30.0,,
F,C30,1,150,30.0,30.0,250,,
,C30,1,150,30.0,30.0,30.0,,
G,C30,,150,30.0,30.0,30.0,,
H,C30,1,150,30.0,30.0,30.0,abc,
""",
    )
    with pytest.raises(InputInvalid) as raised:
        evaluate_file(path, engine="duckdb")
    assert [(p.row, p.code, p.column) for p in raised.value.problems] == [
        (2, "sigma0_range", "sigma0"),
        (3, "size_factor_range", "size_factor"),
        (4, "size_factor_fixed", "size_factor"),
        (5, "strength_range", "f1"),
        (6, "strength_range", "f2"),
        (7, "strength_range", "f3"),
        (8, "empty", "batch_id"),
        (9, "empty", "group_id"),
        (10, "sigma0_range", "sigma0"),
    ]
