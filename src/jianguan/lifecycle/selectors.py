"""Reads of the stage line: a bid section's timeline, the city's overdue deadlines, stages opened
out of order in historical data, and the drawing-review prompts for inspections.

Scoped like the registry's bid sections (by jurisdiction); single sections are reached through
``registry.selectors.access_bid_section_by_id``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import zen
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser, require_permission, scope_queryset
from jianguan.core.calendar import _Calendar
from jianguan.core.ledger import canonical_json
from jianguan.core.rules import rule_version_get
from jianguan.lifecycle.domain import DeadlineItem, StageState, deadlines, gate_facts
from jianguan.lifecycle.models import ReviewFinding, StageRecord
from jianguan.lifecycle.services import GATE_RULE, missing_label
from jianguan.lifecycle.stages import Stage, deadline_rules, stages
from jianguan.registry.models import BidSection

VIEW = "lifecycle.view_stagerecord"


def _can_view(user: AnyUser) -> None:
    require_permission(user, VIEW, action=_("view the stage line"))


@dataclass
class TimelineStage:
    stage: Stage
    record: StageRecord | None
    state: str  # done | failed | open | late | pending
    deadlines: list[DeadlineItem] = field(default_factory=list)

    @property
    def breached(self) -> bool:
        return any(item.breached for item in self.deadlines)


def _state(record: StageRecord | None) -> str:
    if record is None:
        return "pending"
    if record.status == StageRecord.Status.OPEN:
        return "open"
    return "done" if record.outcome in ("passed", "exempt") else "failed"


def section_timeline(
    *, user: AnyUser, section: BidSection, today: dt.date | None = None
) -> tuple[list[TimelineStage], list[DeadlineItem]]:
    """Every configured stage of the section with its record, colour state and the deadlines on it."""
    _can_view(user)
    day = today or timezone.localdate()
    records = {r.stage: r for r in StageRecord.objects.filter(bid_section=section).prefetch_related("documents")}
    states = {code: _as_state(r) for code, r in records.items()}
    items = deadlines(states, deadline_rules(), today=day)
    line = []
    for stage in stages():
        record = records.get(stage.code)
        own = [item for item in items if item.rule.stage == stage.code]
        state = _state(record)
        if any(item.breached for item in own):
            state = "late"
        line.append(TimelineStage(stage=stage, record=record, state=state, deadlines=own))
    return line, items


def _as_state(record: StageRecord) -> StageState:
    return StageState(record.stage, record.started_on, record.completed_on, record.outcome, record.notice_on)


def _states_by_section(
    sections: QuerySet[BidSection], codes: Iterable[str] | None = None
) -> dict[int, dict[str, StageState]]:
    queryset = StageRecord.objects.filter(bid_section__in=sections)
    if codes is not None:
        queryset = queryset.filter(stage__in=list(codes))
    grouped: dict[int, dict[str, StageState]] = defaultdict(dict)
    for sid, code, started, completed, outcome, notice in queryset.values_list(
        "bid_section_id", "stage", "started_on", "completed_on", "outcome", "notice_on"
    ):
        grouped[sid][code] = StageState(code, started, completed, outcome, notice)
    return grouped


def current_stages(section_ids: Iterable[int]) -> dict[int, str]:
    """The stage each bid section is at, by code, from one query: the furthest stage recorded when
    it is still open or failed (to be redone), else the stage after it — the works leading to it
    are under way (``commencement`` passed → ``foundation_acceptance``: the foundation is being
    built). A section with the last stage passed stays at the last stage; one with no record is
    left out."""
    ids = list(section_ids)
    if not ids:
        return {}
    line = stages()
    order = {s.code: s.order for s in line}
    position = {s.code: index for index, s in enumerate(line)}
    furthest: dict[int, tuple[int, str, str, str]] = {}
    for sid, code, status, outcome in StageRecord.objects.filter(
        bid_section_id__in=ids, stage__in=list(order)
    ).values_list("bid_section_id", "stage", "status", "outcome"):
        if sid not in furthest or order[code] > furthest[sid][0]:
            furthest[sid] = (order[code], code, status, outcome)
    current = {}
    for sid, (_order, code, status, outcome) in furthest.items():
        if status == StageRecord.Status.COMPLETED and outcome in ("passed", "exempt"):
            current[sid] = line[min(position[code] + 1, len(line) - 1)].code
        else:
            current[sid] = code
    return current


def _memo_counter() -> Any:
    """Working days between two days for one pass, on one calendar (one query per year, however
    many sections are looked at)."""
    calendar = _Calendar()
    cache: dict[tuple[dt.date, dt.date], int] = {}

    def counter(a: dt.date, b: dt.date) -> int:
        if (a, b) not in cache:
            cache[(a, b)] = sum(calendar.working(a + dt.timedelta(days=k)) for k in range(1, (b - a).days + 1))
        return cache[(a, b)]

    return counter


def stage_statistics(*, user: AnyUser, today: dt.date | None = None) -> dict[str, Any]:
    """City-wide (the user's scope): sections by the furthest stage reached, average days each
    stage took, and passed deadlines — from one query over the stage records."""
    _can_view(user)
    day = today or timezone.localdate()
    sections = scope_queryset(BidSection.objects.all(), user)
    line = stages()
    order = {s.code: s.order for s in line}
    grouped = _states_by_section(sections)
    at_stage = {s.code: 0 for s in line}
    by_order = {s.order: s.code for s in line}
    durations: dict[str, list[int]] = defaultdict(list)
    rules = deadline_rules()
    counter = _memo_counter()
    overdue = late = 0
    for section_states in grouped.values():
        reached = max((order[c] for c in section_states if c in order), default=0)
        if reached:
            at_stage[by_order[reached]] += 1
        for code, state in section_states.items():
            if state.completed_on is not None and state.started_on is not None:
                durations[code].append((state.completed_on - state.started_on).days)
        for item in deadlines(section_states, rules, today=day, counter=counter):
            overdue += item.state == "overdue"
            late += item.state == "late"
    return {
        "stages": line,
        "at_stage": at_stage,
        "average_days": {
            code: round(sum(values) / len(values), 1) if values else None for code, values in durations.items()
        },
        "overdue": overdue,
        "late": late,
    }


@dataclass(frozen=True)
class OverdueRow:
    section: BidSection
    item: DeadlineItem
    days_late: int


def deadline_breaches(
    *,
    sections: QuerySet[BidSection],
    today: dt.date | None = None,
    states: Iterable[str] = ("overdue", "late"),
) -> list[OverdueRow]:
    """Deadlines passed (not met, or met late) for the given sections, most late first."""
    day = today or timezone.localdate()
    rules = deadline_rules()
    codes = {r.stage for r in rules} | {r.anchor for r in rules}
    wanted = set(states)
    grouped = _states_by_section(sections, codes)
    by_id = {s.pk: s for s in sections.filter(pk__in=list(grouped)).select_related("project", "jurisdiction")}
    counter = _memo_counter()
    rows = []
    for sid, section_states in grouped.items():
        for item in deadlines(section_states, rules, today=day, counter=counter):
            if item.state in wanted:
                rows.append(OverdueRow(section=by_id[sid], item=item, days_late=item.days_late(day)))
    rows.sort(key=lambda row: (-row.days_late, row.section.code, row.item.rule.code))
    return rows


def overdue_list(
    *, user: AnyUser, today: dt.date | None = None, filters: dict[str, Any] | None = None
) -> list[OverdueRow]:
    """The city's (the user's jurisdictions') passed deadlines; filters: state (overdue|late), rule."""
    _can_view(user)
    filters = filters or {}
    sections = scope_queryset(BidSection.objects.all(), user)
    state = filters.get("state")
    rows = deadline_breaches(sections=sections, today=today, states=(state,) if state else ("overdue", "late"))
    if filters.get("rule"):
        rows = [row for row in rows if row.item.rule.code == filters["rule"]]
    return rows


# --- stages opened out of order ---------------------------------------------------------------

_gate_cache: dict[str, Any] = {}
_gate_lock = threading.Lock()


def _gate_evaluator() -> Any:
    rule = rule_version_get(GATE_RULE)
    with _gate_lock:
        decision = _gate_cache.get(rule.sha256)
        if decision is None:
            decision = zen.ZenEngine().create_decision(rule.content)
            _gate_cache[rule.sha256] = decision
    return decision


@dataclass(frozen=True)
class OutOfOrder:
    section: BidSection
    stage: Stage
    started_on: dt.date
    missing: list[dict[str, str]]

    def missing_text(self) -> list[str]:
        return [missing_label(item) for item in self.missing]


def stages_out_of_order(*, sections: QuerySet[BidSection]) -> list[OutOfOrder]:
    """Stage records whose gate would have refused them on the day they were opened (data entered
    in bulk or imported from older systems bypasses the gate; this finds it)."""
    evaluator = _gate_evaluator()
    grouped = _states_by_section(sections)
    by_code = {s.code: s for s in stages()}
    by_id = {s.pk: s for s in sections.filter(pk__in=list(grouped)).select_related("project", "jurisdiction")}
    counter = _memo_counter()
    found = []
    for sid, section_states in grouped.items():
        for code, state in section_states.items():
            if code not in by_code or state.started_on is None:
                continue
            facts = gate_facts(section_states, code, on=state.started_on, counter=counter)
            missing = evaluator.evaluate(canonical_json(facts))["result"].get("missing") or []
            if missing:
                found.append(
                    OutOfOrder(
                        section=by_id[sid],
                        stage=by_code[code],
                        started_on=state.started_on,
                        missing=[{"kind": str(m.get("kind")), "condition": str(m.get("condition"))} for m in missing],
                    )
                )
    found.sort(key=lambda row: (row.section.code, row.stage.order))
    return found


def out_of_order_list(*, user: AnyUser) -> list[OutOfOrder]:
    _can_view(user)
    return stages_out_of_order(sections=scope_queryset(BidSection.objects.all(), user))


# --- drawing review ------------------------------------------------------------------------------

PROMPT_STATUSES = (ReviewFinding.Status.OPEN, ReviewFinding.Status.CHECK_ON_SITE)


@dataclass(frozen=True)
class InspectionPrompt:
    finding_id: int
    standard: str
    clause: str
    location: str
    description: str
    status: str
    report_number: str

    @property
    def provision(self) -> str:
        return f"{self.standard} §{self.clause}"


def drawing_review_prompts(section: BidSection) -> list[InspectionPrompt]:
    """What every inspection of the section must check: drawing-review findings breaching a
    mandatory provision that are not corrected or are marked "check on site", until closed.

    Called by the supervision module for each inspection; it has no user argument because the
    caller has already reached the section through ``access_bid_section_by_id``."""
    return [
        InspectionPrompt(f.pk, f.standard, f.clause, f.location, f.description, f.status, f.report_number)
        for f in ReviewFinding.objects.filter(bid_section=section, status__in=PROMPT_STATUSES).order_by("id")
    ]


def finding_list(*, user: AnyUser, section: BidSection) -> QuerySet[ReviewFinding]:
    require_permission(user, "lifecycle.view_reviewfinding", action=_("view drawing-review findings"))
    return ReviewFinding.objects.filter(bid_section=section).order_by("id")


def json_safe(value: Any) -> Any:
    return json.loads(canonical_json(value))
