"""The rules engine: versions, validation before acceptance, decisions that explain themselves."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from jianguan.core import errors
from jianguan.core.models import LedgerEntry, RuleVersion
from jianguan.core.rules import rule_decide, rule_validate, rule_version_upload, rules_sync_files

pytestmark = pytest.mark.django_db

GRAPH: dict[str, Any] = {
    "contentType": "application/vnd.gorules.decision",
    "nodes": [
        {"id": "in", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
        {
            "id": "dt",
            "type": "decisionTableNode",
            "name": "severity",
            "position": {"x": 200, "y": 0},
            "content": {
                "hitPolicy": "first",
                "passThrough": False,
                "inputField": None,
                "outputPath": None,
                "executionMode": "single",
                "inputs": [{"id": "i1", "name": "Consecutive", "field": "consecutive"}],
                "outputs": [{"id": "o1", "name": "Severity", "field": "severity"}],
                "rules": [
                    {"_id": "r1", "_description": "six or more", "i1": ">= 6", "o1": "'high'"},
                    {"_id": "r2", "i1": "[3..6)", "o1": "'medium'"},
                    {"_id": "r3", "i1": "", "o1": "'low'"},
                ],
            },
        },
        {"id": "out", "type": "outputNode", "name": "response", "position": {"x": 400, "y": 0}},
    ],
    "edges": [
        {"id": "e1", "sourceId": "in", "targetId": "dt", "type": "edge"},
        {"id": "e2", "sourceId": "dt", "targetId": "out", "type": "edge"},
    ],
    "tests": [{"input": {"consecutive": 7}, "output": {"severity": "high"}}],
}


def _graph(**changes: Any) -> str:
    graph = copy.deepcopy(GRAPH)
    graph.update(changes)
    return json.dumps(graph)


def test_upload_then_decide_with_trace() -> None:
    rule = rule_version_upload(actor="system:test", name="test.severity", content=_graph())
    assert rule.version == 1
    decision = rule_decide("test.severity", {"consecutive": 4})
    assert decision.result == {"severity": "medium"}
    assert decision.version == 1
    table = next(step for step in decision.steps if step.kind == "decisionTableNode")
    assert table.matched is not None
    assert table.matched["id"] == "r2"
    assert table.matched["conditions"] == ["consecutive [3..6)"]
    assert table.input == {"consecutive": 4}
    registered = LedgerEntry.objects.filter(action="core.rule.version_registered", object_id=str(rule.pk))
    assert registered.count() == 1


def test_new_versions_do_not_disturb_pinned_callers() -> None:
    rule_version_upload(actor="system:test", name="test.severity", content=_graph())
    stricter = json.loads(_graph())
    stricter["nodes"][1]["content"]["rules"][1]["o1"] = "'high'"
    stricter["tests"] = [{"input": {"consecutive": 4}, "output": {"severity": "high"}}]
    assert rule_version_upload(actor="system:test", name="test.severity", content=json.dumps(stricter)).version == 2
    assert rule_decide("test.severity", {"consecutive": 4}).result["severity"] == "high"
    assert rule_decide("test.severity", {"consecutive": 4}, version=1).result["severity"] == "medium"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("{not json", "rule_invalid"),
        (json.dumps({"nodes": []}), "rule_invalid"),
        (_graph(nodes=[GRAPH["nodes"][1], GRAPH["nodes"][2]]), "rule_invalid"),
        (_graph(tests=[{"input": {"consecutive": 1}, "output": {"severity": "high"}}]), "rule_test_failed"),
    ],
)
def test_invalid_graphs_are_refused_and_nothing_is_registered(content: str, code: str) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        rule_version_upload(actor="system:test", name="test.severity", content=content)
    assert caught.value.code == code
    assert "Stack backtrace" not in caught.value.render("en")
    assert not RuleVersion.objects.filter(name="test.severity").exists()


def test_bad_expression_is_refused() -> None:
    broken = json.loads(_graph(tests=[]))
    broken["nodes"][1]["content"]["rules"][0]["i1"] = ">= = 6"
    broken["tests"] = [{"input": {"consecutive": 7}, "output": {"severity": "high"}}]
    with pytest.raises(errors.ValidationFailed):
        rule_validate(json.dumps(broken))


def test_unknown_rule_and_version() -> None:
    with pytest.raises(errors.NotFound) as caught:
        rule_decide("test.nothing", {})
    assert caught.value.code == "rule_unknown"
    rule_version_upload(actor="system:test", name="test.severity", content=_graph())
    with pytest.raises(errors.NotFound):
        rule_decide("test.severity", {}, version=9)


def test_rule_names_are_checked() -> None:
    with pytest.raises(errors.ValidationFailed):
        rule_version_upload(actor="system:test", name="Bad Name", content=_graph())


def test_shipped_files_register_once_per_content(tmp_path: Path) -> None:
    (tmp_path / "test.severity.json").write_text(_graph())
    assert len(rules_sync_files(tmp_path)) == 1
    assert rules_sync_files(tmp_path) == []
    changed = json.loads(_graph())
    changed["nodes"][1]["content"]["rules"][2]["o1"] = "'none'"
    (tmp_path / "test.severity.json").write_text(json.dumps(changed))
    assert [rule.version for rule in rules_sync_files(tmp_path)] == [2]


def test_cli_check_and_decide(tmp_path: Path, capsys: Any) -> None:
    good = tmp_path / "g.json"
    good.write_text(_graph())
    call_command("rules", "check", str(good))
    call_command("rules", "upload", "test.severity", str(good))
    call_command("rules", "decide", "test.severity", '{"consecutive": 9}')
    assert '"severity": "high"' in capsys.readouterr().out
    bad = tmp_path / "b.json"
    bad.write_text("{")
    with pytest.raises(CommandError, match="rule_invalid"):
        call_command("rules", "check", str(bad))
