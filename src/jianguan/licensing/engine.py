"""The workflow engine: BPMN 2.0 processes run by SpiffWorkflow, state kept as JSON.

- ``businessRuleTask`` nodes carry ``jianguan:rule="<rule name>"``; when the engine reaches one it
  evaluates that JDM graph with zen-engine (:func:`jianguan.core.rules.rule_decide`) on the task
  data, merges the result into the data and keeps the decision record (trace included) under
  ``decisions``, so gateways after it branch on what the rule decided. The version first used is
  pinned under ``rule_versions``: a running instance keeps its rule version, as it keeps its BPMN.
- Lanes name who works a user task: ``applicant``, ``handler``, ``reviewer``, ``approver``.
- Scripts are refused: a process may not contain ``scriptTask`` nodes, and gateway conditions are
  evaluated as expressions over the task data with no builtins at all.
- State is serialised with ``BpmnWorkflowSerializer`` to JSON (never pickle); a workflow is
  restored from that JSON and the process version it started on.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

logging.getLogger("spiff").setLevel(logging.WARNING)

NS = "https://jianguan.local/bpmn"
LANES = ("applicant", "handler", "reviewer", "approver")


class ProcessInvalid(ValueError):
    """A BPMN document that cannot be run here; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RuleTask(ScriptEngineTask, BpmnSpecMixin):
    """A business-rule task evaluated by zen-engine."""

    def __init__(self, wf_spec: Any, bpmn_id: str, rule: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.rule = rule

    def _execute(self, task: Task) -> bool:
        engine = task.workflow.script_engine
        decide = getattr(engine, "decide", None)
        if decide is None:
            raise RuntimeError("the script engine cannot evaluate rules")
        pinned = dict(task.data.get("rule_versions") or {})
        result, record = decide(self.rule, dict(task.data), pinned.get(self.rule))
        task.data.update(result)
        decisions = dict(task.data.get("decisions") or {})
        decisions[self.bpmn_id] = record
        task.data["decisions"] = decisions
        # the first evaluation pins the rule's version: a running instance (e.g. one re-checked after
        # a correction) keeps deciding by the version it started with, new instances take the newest
        pinned.setdefault(self.rule, record.get("version"))
        task.data["rule_versions"] = pinned
        return True


class RuleTaskParser(TaskParser):
    def create_task(self) -> RuleTask:
        rule = self.node.get(f"{{{NS}}}rule")
        if not rule:
            raise ProcessInvalid(f"businessRuleTask {self.bpmn_id} has no jianguan:rule attribute")
        return RuleTask(self.spec, self.bpmn_id, rule=rule, **self.bpmn_attributes)


class RuleTaskConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: RuleTask) -> dict[str, Any]:
        dct: dict[str, Any] = self.get_default_attributes(spec)
        dct["rule"] = spec.rule
        return dct


class Parser(BpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **BpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("businessRuleTask"): (RuleTaskParser, RuleTask),
    }


class ExpressionsOnly(TaskDataEnvironment):
    """Gateway conditions over the task data, with no builtins; scripts are refused."""

    def __init__(self) -> None:
        super().__init__({"__builtins__": {}, "True": True, "False": False, "None": None})

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        raise ProcessInvalid("scripts are not allowed in licensing processes")


class Engine(PythonScriptEngine):
    """Runs processes; ``decide(rule, data)`` answers (result, record) for business-rule tasks."""

    def __init__(self) -> None:
        super().__init__(environment=ExpressionsOnly())

    def decide(
        self, rule: str, data: dict[str, Any], version: int | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        from jianguan.core.rules import rule_decide

        facts = data.get("facts") or {}
        decision = rule_decide(rule, facts, version=version)
        return dict(decision.result), decision.as_record()


ENGINE = Engine()
_registry = BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, RuleTask: RuleTaskConverter})
SERIALIZER = BpmnWorkflowSerializer(registry=_registry)
_validator = BpmnValidator()


def parse(text: str, process_id: str) -> Any:
    """The process spec of ``process_id`` in the BPMN text; ProcessInvalid explains a refusal."""
    try:
        root = etree.fromstring(text.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise ProcessInvalid(f"not well-formed XML: {exc}") from None
    parser = Parser(validator=_validator)
    try:
        parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
        spec = parser.get_spec(process_id)
    except ProcessInvalid:
        raise
    except Exception as exc:  # SpiffWorkflow raises several kinds; all mean the file is unusable
        raise ProcessInvalid(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    return spec


def check(text: str, process_id: str) -> list[str]:
    """Validate a process for this platform; returns its user-task ids. Raises ProcessInvalid."""
    if b"scriptTask" in text.encode("utf-8"):
        raise ProcessInvalid("scriptTask nodes are not allowed: decisions belong in JDM rules")
    spec = parse(text, process_id)
    user_tasks = []
    for name, task_spec in spec.task_specs.items():
        if type(task_spec).__name__ == "UserTask":
            if task_spec.lane not in LANES:
                raise ProcessInvalid(f"user task {name} is in no known lane ({', '.join(LANES)})")
            user_tasks.append(name)
    for needed in ("handle", "review", "approve"):
        if needed not in spec.task_specs:
            raise ProcessInvalid(f"the process has no {needed} task (handle → review → approve is required)")
    return user_tasks


def start(text: str, process_id: str, data: dict[str, Any]) -> BpmnWorkflow:
    workflow = BpmnWorkflow(parse(text, process_id), script_engine=ENGINE)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    workflow.do_engine_steps()
    return workflow


def dumps(workflow: BpmnWorkflow) -> str:
    return str(SERIALIZER.serialize_json(workflow))


def loads(state: str) -> BpmnWorkflow:
    workflow = SERIALIZER.deserialize_json(state)
    workflow.script_engine = ENGINE
    return workflow


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def complete(workflow: BpmnWorkflow, task: Task, data: dict[str, Any]) -> None:
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def state_summary(state: str) -> dict[str, Any]:
    return dict(json.loads(state))
