"""The rules engine: GoRules JDM decision graphs evaluated by zen-engine, with their trace.

Graphs are data. The software ships them as ``src/jianguan/rules/<name>.json`` (``name`` such as
``command.warning_policy``); after every migrate each is registered as a new :class:`RuleVersion`
when its content is new, and an administrator may upload further versions
(:func:`rule_version_upload`), which are validated first: the JSON and graph structure, that zen
compiles it, and that the graph passes its own ``tests`` (``[{"input": …, "output": …}]``, the
format of GoRules' editor). :func:`rule_decide` evaluates the newest version (or a pinned one) and
returns a :class:`Decision` holding the result and the trace, so every automatic decision can
show which rule matched and why.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zen
from django.conf import settings
from django.db import transaction

from jianguan.core import errors
from jianguan.core.ledger import Actor, canonical_json, ledger_append
from jianguan.core.models import RuleVersion, User

RULES_DIR = Path(settings.PACKAGE_DIR) / "rules"
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")

_engine = zen.ZenEngine()
_compiled: dict[str, Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Step:
    """One node of the graph as it ran: what went in, what came out, which table row matched."""

    node: str
    kind: str
    input: Any
    output: Any
    matched: dict[str, Any] | None = None


@dataclass(frozen=True)
class Decision:
    rule: str
    version: int
    result: dict[str, Any]
    steps: list[Step] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready record of the decision, to store beside whatever it decided."""
        return {
            "rule": self.rule,
            "version": self.version,
            "result": self.result,
            "steps": [
                {"node": s.node, "kind": s.kind, "input": s.input, "output": s.output, "matched": s.matched}
                for s in self.steps
            ],
        }


def _zen_message(error: Exception) -> str:
    return str(error).split("\n\nStack backtrace", 1)[0].strip()


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise errors.ValidationFailed(errors.RULE_NAME_INVALID, code="rule_name_invalid")


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def rule_validate(content: str | bytes) -> str:
    """Check a graph before it may be used; return its canonical text, or raise saying what is wrong."""
    try:
        graph = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        raise errors.ValidationFailed(errors.RULE_INVALID, code="rule_invalid", reason=str(error)) from None
    if (
        not isinstance(graph, dict)
        or not isinstance(graph.get("nodes"), list)
        or not isinstance(graph.get("edges"), list)
    ):
        raise errors.ValidationFailed(errors.RULE_INVALID, code="rule_invalid", reason="nodes and edges are required")
    kinds = [node.get("type") for node in graph["nodes"] if isinstance(node, dict)]
    if kinds.count("inputNode") != 1 or "outputNode" not in kinds:
        raise errors.ValidationFailed(
            errors.RULE_INVALID, code="rule_invalid", reason="exactly one input node and at least one output node"
        )
    text = canonical_json(graph)
    try:
        decision = _engine.create_decision(text)
    except RuntimeError as error:
        raise errors.ValidationFailed(errors.RULE_INVALID, code="rule_invalid", reason=_zen_message(error)) from None
    for number, case in enumerate(graph.get("tests", []), start=1):
        try:
            actual = decision.evaluate(canonical_json(case.get("input", {})))["result"]
        except RuntimeError as error:
            raise errors.ValidationFailed(
                errors.RULE_INVALID, code="rule_invalid", reason=f"test {number}: {_zen_message(error)}"
            ) from None
        if not _subset(case.get("output", {}), actual):
            raise errors.ValidationFailed(
                errors.RULE_TEST_FAILED,
                code="rule_test_failed",
                case=number,
                expected=canonical_json(case.get("output", {})),
                actual=canonical_json(actual),
            )
    return text


def _register(*, actor: Actor, name: str, text: str, source: str, note: str = "") -> RuleVersion:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    latest = RuleVersion.objects.select_for_update().filter(name=name).order_by("-version").first()
    rule = RuleVersion.objects.create(
        name=name,
        version=(latest.version + 1) if latest else 1,
        content=text,
        sha256=digest,
        source=source,
        note=note,
        created_by=actor if isinstance(actor, User) else None,
    )
    ledger_append(
        actor=actor,
        action="core.rule.version_registered",
        target=rule,
        payload={"name": name, "version": rule.version, "sha256": digest, "source": source, "note": note},
    )
    return rule


@transaction.atomic
def rule_version_upload(*, actor: Actor, name: str, content: str | bytes, note: str = "") -> RuleVersion:
    """Add a new version of a rule after validating it; running cases keep their pinned versions."""
    _check_name(name)
    text = rule_validate(content)
    return _register(actor=actor, name=name, text=text, source=RuleVersion.Source.UPLOAD, note=note)


@transaction.atomic
def rules_sync_files(directory: Path = RULES_DIR) -> list[RuleVersion]:
    """Register each shipped graph whose content is not yet a version of its rule."""
    added = []
    for path in sorted(directory.glob("*.json")):
        name = path.stem
        _check_name(name)
        text = rule_validate(path.read_text(encoding="utf-8"))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if not RuleVersion.objects.filter(name=name, sha256=digest).exists():
            added.append(
                _register(actor="system:rules", name=name, text=text, source=RuleVersion.Source.FILE, note=path.name)
            )
    return added


def rule_version_get(name: str, version: int | None = None) -> RuleVersion:
    queryset = RuleVersion.objects.filter(name=name)
    rule = queryset.filter(version=version).first() if version else queryset.order_by("-version").first()
    if rule is None:
        if version:
            raise errors.NotFound(errors.RULE_VERSION_UNKNOWN, code="rule_version_unknown", name=name, version=version)
        raise errors.NotFound(errors.RULE_UNKNOWN, code="rule_unknown", name=name)
    return rule


def _compiled_decision(rule: RuleVersion) -> Any:
    with _lock:
        decision = _compiled.get(rule.sha256)
        if decision is None:
            decision = _engine.create_decision(rule.content)
            _compiled[rule.sha256] = decision
        return decision


def _steps(trace: dict[str, Any], kinds: dict[str, str]) -> list[Step]:
    ordered = sorted(trace.values(), key=lambda node: node.get("order", 0))
    steps = []
    for node in ordered:
        data = node.get("traceData")
        matched = None
        if isinstance(data, dict) and "rule" in data:
            row = dict(data.get("rule") or {})
            matched = {
                "index": data.get("index"),
                "id": row.pop("_id", None),
                "description": row.pop("_description", ""),
                "conditions": [f"{column.split('[', 1)[0]} {test}" for column, test in row.items()],
            }
        steps.append(
            Step(
                node=node.get("name", node.get("id", "")),
                kind=kinds.get(node.get("id", ""), ""),
                input=node.get("input"),
                output=node.get("output"),
                matched=matched,
            )
        )
    return steps


def rule_decide(name: str, context: dict[str, Any], *, version: int | None = None) -> Decision:
    """Evaluate a rule (its newest version unless pinned) on the context, keeping the trace."""
    rule = rule_version_get(name, version)
    decision = _compiled_decision(rule)
    try:
        response = decision.evaluate(canonical_json(context), {"trace": True})
    except RuntimeError as error:
        raise errors.ValidationFailed(
            errors.RULE_EVALUATION_FAILED, code="rule_evaluation_failed", name=name, reason=_zen_message(error)
        ) from None
    kinds = {node["id"]: node.get("type", "") for node in json.loads(rule.content)["nodes"]}
    return Decision(
        rule=name, version=rule.version, result=response["result"], steps=_steps(response.get("trace") or {}, kinds)
    )
