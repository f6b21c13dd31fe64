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
from jianguan.core.models import LedgerEntry
from jianguan.core.rules import rule_version_get
from jianguan.lifecycle.domain import DeadlineItem, StageState, deadlines, gate_facts
from jianguan.lifecycle.models import ReviewFinding, StageRecord
from jianguan.lifecycle.services import GATE_RULE, missing_label
from jianguan.lifecycle.stages import Stage, deadline_rules, stages
from jianguan.registry.models import BidSection, Enterprise, KeyPerson, Participant, PermittedWork, Project

VIEW = "lifecycle.view_stagerecord"


def _can_view(user: AnyUser) -> None:
    require_permission(user, VIEW, action=_("view the stage line"))


@dataclass
class TimelineStage:
    stage: Stage
    record: StageRecord | None
    state: str  # done | failed | open | late | pending
    deadlines: list[DeadlineItem] = field(default_factory=list)
    days_late: list[int] = field(default_factory=list)  # of each deadline, on the day looked at

    @property
    def deadline_rows(self) -> list[tuple[DeadlineItem, int]]:
        return list(zip(self.deadlines, self.days_late, strict=True))

    @property
    def breached(self) -> bool:
        return any(item.breached for item in self.deadlines)

    @property
    def department_label(self) -> str:
        from jianguan.core.models import Department

        code = self.stage.department
        return str(Department.Code(code).label) if code in Department.Code.values else code

    @property
    def days_taken(self) -> int | None:
        """Days from opening to completion (to today while still open)."""
        if self.record is None:
            return None
        return ((self.record.completed_on or timezone.localdate()) - self.record.started_on).days


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
    return _line(records, day)


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


# --- timelines: where a section is, what is late, who is responsible ---------------------------


@dataclass(frozen=True)
class Parties:
    """The enterprises and key people currently named on a bid section (names only)."""

    owner: str = ""
    contractor: str = ""
    supervisor: str = ""
    project_manager: str = ""
    chief_supervision_engineer: str = ""
    owner_representative: str = ""

    @property
    def deadline_holder(self) -> str:
        """Who answers for the statutory deadlines of the stage line: the owner (建设单位: it gives
        the acceptance notice, files the completion, hands over the archives, starts work under
        the permit) and its representative, or the project manager when it named none."""
        person = self.owner_representative or self.project_manager
        return " · ".join(p for p in (self.owner, person) if p)


def section_parties(section_ids: Iterable[int]) -> dict[int, Parties]:
    """Current participants and key people of each section, in two queries."""
    ids = list(section_ids)
    names: dict[int, dict[str, str]] = defaultdict(dict)
    for sid, role, name in Participant.objects.filter(
        bid_section_id__in=ids, role__in=("owner", "contractor", "supervisor")
    ).values_list("bid_section_id", "role", "enterprise__name"):
        names[sid][role] = name
    for sid, role, name in KeyPerson.objects.filter(
        bid_section_id__in=ids,
        ended_on__isnull=True,
        role__in=("project_manager", "chief_supervision_engineer", "owner_representative"),
    ).values_list("bid_section_id", "role", "person__name"):
        names[sid][role] = name
    return {sid: Parties(**names.get(sid, {})) for sid in ids}


@dataclass
class SectionTimeline:
    section: BidSection
    line: list[TimelineStage]
    items: list[DeadlineItem]
    current: Stage | None
    parties: Parties

    @property
    def late(self) -> list[DeadlineItem]:
        return [item for item in self.items if item.breached]

    @property
    def done(self) -> int:
        return sum(t.state == "done" for t in self.line)


def _line(
    records: dict[str, StageRecord], day: dt.date, counter: Any = None
) -> tuple[list[TimelineStage], list[DeadlineItem]]:
    states = {code: _as_state(r) for code, r in records.items()}
    items = deadlines(states, deadline_rules(), today=day, **({"counter": counter} if counter else {}))
    line = []
    for stage in stages():
        record = records.get(stage.code)
        own = [item for item in items if item.rule.stage == stage.code]
        state = "late" if any(item.breached for item in own) else _state(record)
        line.append(
            TimelineStage(
                stage=stage, record=record, state=state, deadlines=own, days_late=[i.days_late(day) for i in own]
            )
        )
    return line, items


def _timelines(sections: list[BidSection], day: dt.date) -> list[SectionTimeline]:
    ids = [s.pk for s in sections]
    records: dict[int, dict[str, StageRecord]] = defaultdict(dict)
    for record in StageRecord.objects.filter(bid_section_id__in=ids).prefetch_related("documents"):
        records[record.bid_section_id][record.stage] = record
    current = current_stages(ids)
    parties = section_parties(ids)
    counter = _memo_counter()
    result = []
    for section in sections:
        line, items = _line(records.get(section.pk, {}), day, counter)
        code = current.get(section.pk)
        result.append(
            SectionTimeline(
                section=section,
                line=line,
                items=items,
                current=next((t.stage for t in line if t.stage.code == code), None),
                parties=parties[section.pk],
            )
        )
    return result


def section_timeline_full(*, user: AnyUser, section: BidSection, today: dt.date | None = None) -> SectionTimeline:
    """One section's timeline with its current stage, passed deadlines and responsible parties."""
    _can_view(user)
    return _timelines([section], today or timezone.localdate())[0]


def project_timeline(*, user: AnyUser, project: Project, today: dt.date | None = None) -> list[SectionTimeline]:
    """The timeline of every bid section of a project that the user may see (a fixed number of
    queries, however many sections)."""
    _can_view(user)
    sections = list(
        scope_queryset(BidSection.objects.filter(project=project), user)
        .select_related("project", "jurisdiction")
        .order_by("code")
    )
    return _timelines(sections, today or timezone.localdate())


# --- cross-stage check: who the permit named against who is there now -------------------------

PERMIT_KEY_ROLES = ("project_manager", "chief_supervision_engineer", "owner_representative")
PERMIT_PARTICIPANT_ROLES = ("owner", "contractor", "supervisor")
PRESENCE_DAYS = 30


@dataclass(frozen=True)
class PartyCheck:
    kind: str  # participant | key_person
    role: str
    role_label: str
    permitted: str  # "" when no record says who it was on the permit day
    current: str
    state: str  # same | changed | unknown | vacant
    changed_on: dt.date | None = None
    permitted_present_days: int | None = None  # check-ins at the site in the last PRESENCE_DAYS days
    current_present_days: int | None = None

    @property
    def flagged(self) -> bool:
        return self.state in ("changed", "vacant")


@dataclass(frozen=True)
class PermitComparison:
    permit_on: dt.date | None
    permit_reference: str
    rows: list[PartyCheck]

    @property
    def flagged(self) -> list[PartyCheck]:
        return [row for row in self.rows if row.flagged]


def _permit_day(section: BidSection) -> tuple[dt.date | None, str]:
    record = StageRecord.objects.filter(
        bid_section=section, stage="permit", status=StageRecord.Status.COMPLETED, outcome="passed"
    ).first()
    if record is not None and record.completed_on is not None:
        return record.completed_on, record.reference
    work = PermittedWork.objects.filter(bid_section=section).order_by("issued_on", "pk").first()
    return (work.issued_on, work.permit_number) if work else (None, "")


def _presence(section: BidSection, person_ids: set[int], today: dt.date) -> dict[int, int] | None:
    """Days each person checked in at the site lately; None when attendance is not installed."""
    from django.apps import apps

    if not apps.is_installed("jianguan.attendance") or not person_ids:
        return None
    from jianguan.attendance.duty import presence

    found = presence(today - dt.timedelta(days=PRESENCE_DAYS - 1), today)
    return {pid: len(found.get((section.pk, pid), set())) for pid in person_ids}


def permit_comparison(*, user: AnyUser, section: BidSection, today: dt.date | None = None) -> PermitComparison:
    """The participants and key people named when the construction permit was granted against those
    named now, with recent attendance of the key people where attendance is installed.

    Key people come from their posts' history (in post on the permit day); a participant replaced
    after the permit day is found from the registry's ledger entries (``registry.participant.set``
    with a previous enterprise)."""
    _can_view(user)
    day = today or timezone.localdate()
    permit_on, reference = _permit_day(section)
    if permit_on is None:
        return PermitComparison(None, "", [])
    rows: list[PartyCheck] = []
    participants = {p.role: p for p in Participant.objects.filter(bid_section=section).select_related("enterprise")}
    replaced: dict[str, tuple[str, dt.date]] = {}  # role -> (enterprise uscc on the permit day, changed on)
    by_pk = {str(p.pk): p for p in participants.values()}
    entries = LedgerEntry.objects.filter(
        action="registry.participant.set", object_type="registry.participant", object_id__in=list(by_pk)
    ).order_by("seq")
    for entry in entries:
        data = entry.data
        entry_on = timezone.localtime(entry.occurred_at).date()
        role = str(data.get("role") or by_pk[entry.object_id].role)
        if data.get("previous") and entry_on > permit_on and role not in replaced:
            replaced[role] = (str(data["previous"]), entry_on)
    previous_names = dict(
        Enterprise.objects.filter(uscc__in=[uscc for uscc, _on in replaced.values()]).values_list("uscc", "name")
    )
    labels = dict(Participant.Role.choices)
    for role in PERMIT_PARTICIPANT_ROLES:
        now = participants.get(role)
        current = now.enterprise.name if now else ""
        if role in replaced:
            uscc, replaced_on = replaced[role]
            rows.append(
                PartyCheck(
                    "participant",
                    role,
                    str(labels[role]),
                    previous_names.get(uscc, uscc),
                    current,
                    "changed",
                    replaced_on,
                )
            )
        elif now is not None:
            rows.append(PartyCheck("participant", role, str(labels[role]), current, current, "same"))
    posts = list(
        KeyPerson.objects.filter(bid_section=section, role__in=PERMIT_KEY_ROLES)
        .select_related("person")
        .order_by("started_on", "pk")
    )
    presence = _presence(section, {p.person_id for p in posts}, day)
    key_labels = dict(KeyPerson.Role.choices)
    for role in PERMIT_KEY_ROLES:
        held = [p for p in posts if p.role == role]
        then = next(
            (p for p in held if p.started_on <= permit_on and (p.ended_on is None or p.ended_on > permit_on)), None
        )
        holder = next((p for p in held if p.ended_on is None), None)
        if then is None and holder is None:
            continue
        changed_on: dt.date | None
        if then is None:
            state, changed_on = "unknown", None
        elif holder is None:
            state, changed_on = "vacant", then.ended_on
        elif holder.person_id == then.person_id:
            state, changed_on = "same", None
        else:
            state, changed_on = "changed", holder.started_on
        rows.append(
            PartyCheck(
                "key_person",
                role,
                str(key_labels[role]),
                then.person.name if then else "",
                holder.person.name if holder else "",
                state,
                changed_on,
                presence.get(then.person_id) if presence is not None and then else None,
                presence.get(holder.person_id) if presence is not None and holder else None,
            )
        )
    return PermitComparison(permit_on, reference, rows)
