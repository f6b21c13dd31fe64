"""The published contract of `jianguan bidding screen BIDS.csv --out TENDERS.csv`."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jianguan.bidding.domain import screen_bids

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ["tender_id", "n_bids", "cv", "spd", "kurt", "skew", "diffp", "rd", "rdnor", "ks", "risk"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _screen(tmp_path: Path, text: str) -> list[dict[str, str]]:
    source = _write(tmp_path / "bids.csv", text)
    out = tmp_path / "tenders.csv"
    call_command("bidding", "screen", str(source), out=str(out))
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == CONTRACT
        return list(reader)


def _refused(tmp_path: Path, text: str) -> str:
    source = _write(tmp_path / "bids.csv", text)
    with pytest.raises(CommandError) as caught:
        call_command("bidding", "screen", str(source), out=str(tmp_path / "tenders.csv"))
    assert not (tmp_path / "tenders.csv").exists()  # nothing half-written
    return str(caught.value)


BIDS = """tender_id,bidder,amount,winner
4205022026000101,宜昌建工,1000000.00,1
4205022026000101,葛洲坝三公司,1030000.00,0
4205022026000101,三峡路桥,1045000.00,0
4205022026000101,夷陵建设,1100000.00,0
007,A,50,0
007,B,49,1
"""


def test_one_row_per_tender_with_the_contract_columns(tmp_path: Path) -> None:
    rows = _screen(tmp_path, BIDS)
    assert [row["tender_id"] for row in rows] == ["4205022026000101", "007"]  # input order; identifiers kept as text
    first = rows[0]
    expected = screen_bids([1_000_000, 1_030_000, 1_045_000, 1_100_000])
    assert first["n_bids"] == "4"
    for column in CONTRACT[2:]:
        assert float(first[column]) == pytest.approx(getattr(expected, column), rel=1e-12), column


def test_too_few_bids_give_empty_screens_not_an_error(tmp_path: Path) -> None:
    rows = _screen(tmp_path, BIDS)
    assert rows[1]["n_bids"] == "2"
    assert all(rows[1][column] == "" for column in CONTRACT[2:])


def test_winner_is_optional_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    rows = _screen(tmp_path, "bidder,amount,tender_id,remark\nA,10,T,x\nB,11,T,y\nC,12.5,T,z\n")
    assert rows[0]["n_bids"] == "3"
    assert rows[0]["kurt"] == ""  # three bids: no kurtosis
    assert rows[0]["skew"] != ""


def test_a_consortium_listed_per_member_counts_once(tmp_path: Path) -> None:
    rows = _screen(tmp_path, "tender_id,bidder,amount\nT,J1,100\nT,J1,100\nT,B,104\nT,C,107\n")
    assert rows[0]["n_bids"] == "3"


def test_a_spreadsheet_export_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    rows = _screen(tmp_path, "\ufefftender_id,bidder,amount\nT,A,1\nT,B,2\nT,C,4\n")
    assert rows[0]["tender_id"] == "T"


def test_a_gbk_export_from_excel_is_read(tmp_path: Path) -> None:
    source = tmp_path / "bids.csv"
    source.write_bytes(
        "tender_id,bidder,amount\n标段一,宜昌建工,100\n标段一,三峡路桥,103\n标段一,夷陵建设,104\n".encode("gbk")
    )
    out = tmp_path / "tenders.csv"
    call_command("bidding", "screen", str(source), out=str(out))
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("标段一,3,")


def test_a_file_with_only_the_header_gives_only_the_header(tmp_path: Path) -> None:
    assert _screen(tmp_path, "tender_id,bidder,amount\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot be read"),
        ("tender_id,bidder,amount\nT,A,1\nT,B,2,9\n", "Expected 3 columns, got 4: T,B,2,9"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused(tmp_path: Path, text: str, message: str) -> None:
    assert message in _refused(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tender_id,amount\nT,1\n", "The bids file has no column bidder"),
        ("tender_id,bidder,amount\nT,A,1\nT,B,abc\n", "Row 3, column amount: 'abc' is not a positive amount."),
        ("tender_id,bidder,amount\nT,A,1\nT,B,-5\n", "Row 3, column amount: '-5' is not a positive amount."),
        ("tender_id,bidder,amount\nT,A,inf\n", "Row 2, column amount: 'inf' is not a positive amount."),
        ("tender_id,bidder,amount\nT,A,1\nT,B,\n", "Row 3, column amount: a value is required."),
        ("tender_id,bidder,amount\nT,A,1\n,B,2\n", "Row 3, column tender_id: a value is required."),
        ("tender_id,bidder,amount\nT,A,1\nT, ,2\n", "Row 3, column bidder: a value is required."),
        ("tender_id,bidder,amount,winner\nT,A,1,1\nT,B,2,yes\n", "Row 3, column winner: 'yes' is neither 0 nor 1."),
        (
            "tender_id,bidder,amount\nT,A,1\nT,B,2\nT,A,3\n",
            "Rows 2 and 4: bidder A bids twice in tender T with different amounts (1 and 3).",
        ),
        (
            "tender_id,bidder,amount,winner\nT,A,1,1\nT,A,1,1\nT,B,2,0\nT,C,3,1\n",
            "Rows 2 and 5: tender T has two winning bidders.",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    assert message in _refused(tmp_path, text)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("bidding", "screen", str(tmp_path / "absent.csv"), out=str(tmp_path / "out.csv"))


def test_errors_are_given_in_chinese_and_english(tmp_path: Path) -> None:
    text = _refused(tmp_path, "tender_id,bidder,amount\nT,A,1\nT,B,abc\n")
    chinese, english = text.split("\n")
    assert "第 3 行" in chinese
    assert "amount" in chinese
    assert english.startswith("Row 3")


@pytest.mark.slow
def test_the_console_script(tmp_path: Path) -> None:
    source = _write(tmp_path / "bids.csv", BIDS)
    out = tmp_path / "tenders.csv"
    env = {**os.environ, "JIANGUAN_VAR": str(tmp_path)}
    command = [sys.executable, "-m", "jianguan", "bidding", "screen", str(source), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "2 tenders screened" in done.stdout
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(CONTRACT)
    _write(source, "tender_id,bidder\nT,A\n")
    failed = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert failed.returncode == 1
    assert "amount" in failed.stderr
