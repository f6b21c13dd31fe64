"""`jianguan concrete …`: the evaluate contract (columns in, columns out), errors, progress, and the
signals and generate commands."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]

WORKED_EXAMPLES = """batch_id,grade,group_id,size_mm,f1,f2,f3
FAIL,C30,1,150,33.6,33.6,33.6
FAIL,C30,2,150,38.1,38.1,38.1
FAIL,C30,3,150,28.9,28.9,28.9
FAIL,C30,4,150,30.6,30.6,30.6
FAIL,C30,5,150,35.3,35.3,35.3
FAIL,C30,6,150,36.1,36.1,36.1
FAIL,C30,7,150,34.2,34.2,34.2
FAIL,C30,8,150,33.3,33.3,33.3
FAIL,C30,9,150,31.7,31.7,31.7
FAIL,C30,10,150,29.8,29.8,29.8
PASS,C30,1,150,38.9,38.9,38.9
PASS,C30,2,150,40.3,40.3,40.3
PASS,C30,3,150,35.2,35.2,35.2
PASS,C30,4,150,38.4,38.4,38.4
PASS,C30,5,150,43.1,43.1,43.1
PASS,C30,6,150,38.2,38.2,38.2
PASS,C30,7,150,36.9,36.9,36.9
PASS,C30,8,150,39.3,39.3,39.3
PASS,C30,9,150,37.4,37.4,37.4
PASS,C30,10,150,36.6,36.6,36.6
GROUPS,C30,a,150,42.3,47.6,54.9
GROUPS,C30,b,150,21.3,35.2,29.4
GROUPS,C30,c,200,42.5,45.8,52.8
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_evaluate_writes_one_row_per_batch_with_the_contract_columns(tmp_path: Path) -> None:
    source = tmp_path / "groups.csv"
    source.write_text(WORKED_EXAMPLES, encoding="utf-8")
    out = tmp_path / "verdicts.csv"
    stdout = io.StringIO()
    call_command("concrete", "evaluate", str(source), "--out", str(out), "--lang", "en", stdout=stdout, verbosity=0)
    assert "23 groups in 3 batches on duckdb: 2 passed, 1 failed" in stdout.getvalue()
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == '"batch_id","n_groups","mean","s","min","method","passed","reason"'
    rows = {row["batch_id"]: row for row in _rows(out)}
    fail, passing, groups = rows["FAIL"], rows["PASS"], rows["GROUPS"]
    assert (fail["n_groups"], fail["mean"], fail["s"], fail["min"]) == ("10", "33.2", "2.93", "28.9")
    assert (fail["method"], fail["passed"]) == ("statistical", "false")
    assert "33.2 < fcu,k + λ1·S = 30 + 1.15 × 2.93 = 33.3695" in fail["reason"]
    assert (passing["mean"], passing["s"], passing["passed"]) == ("38.4", "2.20", "true")
    assert "taken as 2.50" in passing["reason"]
    # 42.3/47.6/54.9 → 47.6; 21.3/35.2/29.4 → excluded; 200 mm 42.5/45.8/52.8 → 48.1
    assert (groups["n_groups"], groups["min"], groups["mean"]) == ("2", "47.6", "47.9")
    assert groups["method"] == "non_statistical"
    assert "1 of 3 groups excluded" in groups["reason"]


def test_reason_is_chinese_by_default(tmp_path: Path) -> None:
    source = tmp_path / "groups.csv"
    source.write_text(WORKED_EXAMPLES, encoding="utf-8")
    call_command("concrete", "evaluate", str(source), "--out", str(tmp_path / "v.csv"), verbosity=0)
    reasons = {row["batch_id"]: row["reason"] for row in _rows(tmp_path / "v.csv")}
    assert reasons["FAIL"].endswith("不合格")
    assert "平均值" in reasons["FAIL"]


def test_bad_input_is_an_error_naming_row_and_column(tmp_path: Path) -> None:
    source = tmp_path / "groups.csv"
    source.write_text(WORKED_EXAMPLES.replace("FAIL,C30,3,150,28.9,28.9,28.9", "FAIL,C30,3,150,28.9,x,28.9"))
    out = tmp_path / "verdicts.csv"
    with pytest.raises(CommandError) as raised:
        call_command("concrete", "evaluate", str(source), "--out", str(out), "--lang", "en", verbosity=0)
    assert "row 4 (batch FAIL, group 3): f2 = 'x' is not a number" in str(raised.value)
    assert not out.exists()  # nothing half-written


def test_missing_columns_and_unknown_engine(tmp_path: Path) -> None:
    source = tmp_path / "groups.csv"
    source.write_text("batch_id,grade,f1\nA,C30,30\n")
    with pytest.raises(CommandError, match="group_id, size_mm, f2, f3"):
        call_command("concrete", "evaluate", str(source), "--out", str(tmp_path / "o.csv"), "--lang", "en")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("concrete", "evaluate", str(source), "--out", str(tmp_path / "o.csv"), "--engine", "oracle")


def test_generate_then_signals(tmp_path: Path) -> None:
    data = tmp_path / "city.parquet"
    stdout = io.StringIO()
    call_command("concrete", "generate", str(data), "--groups", "20000", "--seed", "11", stdout=stdout, verbosity=0)
    assert "20,000 groups from" in stdout.getvalue()
    assert "planted shared_press" in stdout.getvalue()
    leads, evidence = tmp_path / "leads.csv", tmp_path / "evidence.csv"
    call_command(
        "concrete", "signals", str(data), "--out", str(leads), "--evidence", str(evidence), "--lang", "en", verbosity=0
    )
    lead_rows = _rows(leads)
    assert {row["signal"] for row in lead_rows} >= {"pass_line", "upload_before_test", "digit_preference"}
    assert {row["lead_id"] for row in _rows(evidence)} == {row["lead_id"] for row in lead_rows}


@pytest.mark.slow
def test_console_script_shows_progress_and_exit_codes(tmp_path: Path) -> None:
    source = tmp_path / "groups.csv"
    source.write_text(WORKED_EXAMPLES, encoding="utf-8")
    env = {**os.environ, "JIANGUAN_VAR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "jianguan", "concrete", "evaluate", str(source), "--out", str(tmp_path / "v.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "reading and evaluating groups.csv on duckdb" in done.stderr
    assert "writing 3 verdicts" in done.stderr
    source.write_text(WORKED_EXAMPLES.replace("C30,3,150", "C31,3,150"), encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-m", "jianguan", "concrete", "evaluate", str(source), "--out", str(tmp_path / "w.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert failed.returncode == 1
    assert "C31" in failed.stderr
    assert not (tmp_path / "w.csv").exists()
