"""The behaviour catalogue: the shipped starting catalogue, and every reason a catalogue is refused."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from jianguan.credit.catalogue import (
    FORMAT,
    LOCAL,
    PROBLEMS,
    CatalogueInvalid,
    load_catalogue,
    load_catalogue_file,
    shipped_catalogue_path,
)
from jianguan.credit.domain import Kind, Severity, SubjectType, Trigger

SHIPPED: dict[str, Any] = json.loads(shipped_catalogue_path().read_text(encoding="utf-8"))


def test_shipped_catalogue_loads_with_items_for_every_subject_type() -> None:
    catalogue = load_catalogue_file(shipped_catalogue_path())
    assert catalogue.version == "2026.1"
    assert catalogue.effective_from == dt.date(2026, 1, 1)
    assert len(catalogue.items) >= 40
    for subject_type in SubjectType:
        assert catalogue.items_for(subject_type, Kind.BAD), subject_type
    assert catalogue.item("A1-1-01").subject_type is SubjectType.OWNER
    assert catalogue.item("A1-1-01").title == "未取得施工许可证或者开工报告未经批准，擅自施工"
    # A1 and its category A1-1 come from 建市〔2007〕9号; every other prefix is marked local
    assert catalogue.subject_types[SubjectType.OWNER].code_source == "JS2007-9"
    assert catalogue.categories["A1-1"].code_source == "JS2007-9"
    assert catalogue.categories["A1-2"].code_source == LOCAL
    for subject_type, entry in catalogue.subject_types.items():
        if subject_type is not SubjectType.OWNER:
            assert entry.code_source == LOCAL
    # every blacklist condition has an item that triggers it, and such items are severe
    assert {item.trigger for item in catalogue.items.values()} >= set(Trigger)
    for item in catalogue.items.values():
        if item.trigger:
            assert item.severity is Severity.A
        if item.kind is Kind.BAD:
            assert item.disclosure_months is not None
            assert 6 <= item.disclosure_months <= 36
            assert item.basis, item.code
            assert item.penalty_basis, item.code
        else:
            assert item.validity_months == 36
        assert item.title
        assert item.title_en


def _refused(data: Any) -> list[tuple[str, dict[str, str]]]:
    with pytest.raises(CatalogueInvalid) as caught:
        load_catalogue(data)
    return [(problem.reason, problem.params) for problem in caught.value.problems]


def _with_item(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SHIPPED)
    data["items"][0].update(changes)
    for key, value in changes.items():
        if value is None:
            del data["items"][0][key]
    return data


def test_disclosure_shorter_than_six_months_is_refused() -> None:
    problems = _refused(_with_item(disclosure_months=5))
    assert problems == [("disclosure_too_short", {"where": "items[0] A1-1-01", "value": "5", "minimum": "6"})]
    with pytest.raises(CatalogueInvalid, match=r"items\[0\] A1-1-01: a disclosure period of 5 months is shorter than"):
        load_catalogue(_with_item(disclosure_months=5))


def test_disclosure_longer_than_three_years_or_missing_is_refused() -> None:
    assert _refused(_with_item(disclosure_months=48))[0][0] == "disclosure_too_long"
    assert _refused(_with_item(disclosure_months=None))[0][0] == "disclosure_missing"
    assert _refused(_with_item(disclosure_months="12"))[0][0] == "field_invalid"


def test_duplicate_codes_are_refused() -> None:
    data = copy.deepcopy(SHIPPED)
    data["items"].append(copy.deepcopy(data["items"][3]))
    problems = _refused(data)
    assert problems == [("code_duplicate", {"where": f"items[{len(data['items']) - 1}] A1-1-04", "value": "A1-1-04"})]


def test_unknown_grade_is_refused() -> None:
    assert _refused(_with_item(severity="D")) == [("grade_unknown", {"where": "items[0] A1-1-01", "value": "D"})]
    assert _refused(_with_item(severity=None))[0][0] == "grade_missing"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"points": 0}, "points_invalid"),
        ({"points": -3}, "points_invalid"),
        ({"points": "1.234"}, "points_invalid"),
        ({"points": "many"}, "points_invalid"),
        ({"points": 101}, "points_invalid"),
        ({"code": "A1-1-1"}, "code_malformed"),
        ({"code": "A1-7-01"}, "category_unknown"),
        ({"code": "XX-1-01"}, "category_unknown"),
        ({"trigger": "arson"}, "trigger_unknown"),
        ({"trigger": "major_accident"}, "trigger_not_severe"),  # A1-1-01 is severity B
        ({"colour": "red"}, "field_unknown"),
        ({"title": None}, "field_missing"),
        ({"validity_months": 36}, "field_invalid"),
    ],
)
def test_bad_items_are_refused_with_the_reason(changes: dict[str, Any], reason: str) -> None:
    assert reason in [problem for problem, _ in _refused(_with_item(**changes))]


def test_good_items_have_no_grade_no_disclosure_no_trigger_and_a_three_year_validity() -> None:
    data = copy.deepcopy(SHIPPED)
    position = next(i for i, item in enumerate(data["items"]) if item["code"] == "SG-9-01")
    data["items"][position].update(severity="A", disclosure_months=12, trigger="major_accident", validity_months=24)
    reasons = {reason for reason, _ in _refused(data)}
    assert reasons == {"grade_on_good", "disclosure_on_good", "trigger_on_good", "validity_invalid"}


def test_every_problem_is_listed_not_just_the_first() -> None:
    data = copy.deepcopy(SHIPPED)
    data["items"][0]["severity"] = "E"
    data["items"][1]["disclosure_months"] = 3
    data["subject_types"][2]["prefix"] = "A1"  # design takes the owner's prefix
    reasons = [reason for reason, _ in _refused(data)]
    assert "grade_unknown" in reasons
    assert "disclosure_too_short" in reasons
    assert "prefix_duplicate" in reasons


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "not_json"),
        ("[1, 2]", "not_object"),
        ({"format": "something/9"}, "format_unsupported"),
    ],
)
def test_unreadable_catalogues_are_refused(data: Any, reason: str) -> None:
    assert _refused(data)[0][0] == reason


def test_catalogue_structure_problems() -> None:
    data = copy.deepcopy(SHIPPED)
    data["effective_from"] = "2026-13-01"
    data["subject_types"].append({"code": "bank", "prefix": "YH", "name": "银行"})
    data["subject_types"].append({"code": "owner", "prefix": "A9", "name": "建设单位"})
    data["subject_types"][1]["prefix"] = "kc"
    data["subject_types"][3]["code_source"] = "JS1999-1"
    data["categories"].append({"code": "QQ-1", "kind": "bad", "name": "?"})
    data["categories"].append({"code": "A1-8", "kind": "neutral", "name": "?"})
    reasons = {reason for reason, _ in _refused(data)}
    assert reasons >= {
        "date_invalid",
        "subject_type_unknown",
        "subject_type_duplicate",
        "prefix_invalid",
        "source_unknown",
        "prefix_unknown",
        "kind_unknown",
    }
    assert _refused({"format": FORMAT, "version": "1", "title": "t", "effective_from": "2026-01-01"}) == [
        ("list_empty", {"field": "subject_types"}),
        ("list_empty", {"field": "categories"}),
        ("list_empty", {"field": "items"}),
    ]


def test_every_problem_reason_renders() -> None:
    from jianguan.credit.catalogue import Problem

    sample = {
        "where": "items[0]",
        "field": "f",
        "value": "v",
        "expected": "e",
        "known": "k",
        "minimum": "6",
        "maximum": "36",
        "detail": "d",
    }
    for reason in PROBLEMS:
        assert Problem(reason, sample).message


def test_points_come_from_the_item() -> None:
    catalogue = load_catalogue_file(shipped_catalogue_path())
    record = catalogue.item("SG-2-01").record(id=1, event_date=dt.date(2026, 1, 1))
    assert record.points == catalogue.item("SG-2-01").points
    assert record.severity is Severity.A
    assert record.valid_until == dt.date(2029, 1, 1)
