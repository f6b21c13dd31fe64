"""`jianguan credit catalogue check`, and the translated reasons a catalogue is refused for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from jianguan.credit.catalogue import PROBLEMS, shipped_catalogue_path
from jianguan.credit.errors import CATALOGUE_PROBLEMS, catalogue_refused


def test_every_problem_has_a_translated_message_with_the_same_parameters() -> None:
    assert set(CATALOGUE_PROBLEMS) == set(PROBLEMS)
    for reason, english in PROBLEMS.items():
        wanted = set(re.findall(r"\{(\w+)\}", english))
        assert set(re.findall(r"%\((\w+)\)s", str(CATALOGUE_PROBLEMS[reason]))) == wanted, reason
        with translation.override("zh-hans"):
            chinese = str(CATALOGUE_PROBLEMS[reason])
        assert chinese != str(CATALOGUE_PROBLEMS[reason]) or not chinese.isascii(), reason
        assert set(re.findall(r"%\((\w+)\)s", chinese)) == wanted, reason


def test_refusal_error_speaks_both_languages_and_lists_the_problems() -> None:
    error = catalogue_refused([("disclosure_too_short", {"where": "items[3] SG-3-05", "value": "3", "minimum": "6"})])
    assert error.code == "credit_catalogue_refused"
    assert error.status == 400
    assert "shorter than the minimum of 6 months" in error.messages()["en"]
    assert "公开期限 3 个月短于最低 6 个月" in error.messages()["zh-hans"]
    assert error.extra["problems"] == [
        {"reason": "disclosure_too_short", "where": "items[3] SG-3-05", "value": "3", "minimum": "6"}
    ]


def test_check_summarises_the_shipped_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("credit", "catalogue", "check")
    out = capsys.readouterr().out
    assert "catalogue 2026.1" in out
    assert "A1   19 items  codes: JS2007-9  建设单位" in out
    assert "codes: local" in out


def test_check_refuses_a_bad_catalogue_naming_every_problem(tmp_path: Path) -> None:
    data = json.loads(shipped_catalogue_path().read_text(encoding="utf-8"))
    data["items"][0]["disclosure_months"] = 4
    data["items"][1]["severity"] = "Z"
    data["items"].append(data["items"][5])
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("credit", "catalogue", "check", str(path))
    text = str(caught.value)
    assert "(3 problems)" in text
    assert "items[0] A1-1-01: a disclosure period of 4 months is shorter than the minimum of 6 months." in text
    assert "items[1] A1-1-02：严重程度 Z 未知" in text
    assert "code A1-1-06 appears more than once" in text


def test_check_reports_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("credit", "catalogue", "check", str(tmp_path / "missing.json"))
