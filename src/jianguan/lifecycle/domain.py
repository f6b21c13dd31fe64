"""The stage line's rules as plain functions: the facts a gate is decided on, the deadlines that
follow from the dates, and whether a stage was opened out of order.

``StageState`` is what the database holds for one stage of one bid section; everything here works
on a mapping ``code -> StageState`` so the same code serves the services, the daily job, the
out-of-order check over historical data, and the tests.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jianguan.core.calendar import working_days_between
from jianguan.lifecycle.stages import EXEMPT, PASSED, DeadlineRule

SETTLED = (PASSED, EXEMPT)


@dataclass(frozen=True)
class StageState:
    code: str
    started_on: dt.date | None = None
    completed_on: dt.date | None = None
    outcome: str = ""
    notice_on: dt.date | None = None  # completion acceptance: the day the quality station was told

    @property
    def settled(self) -> bool:
        return self.completed_on is not None and self.outcome in SETTLED


def gate_facts(
    states: Mapping[str, StageState],
    stage: str,
    *,
    on: dt.date,
    notice_on: dt.date | None = None,
    counter: Callable[[dt.date, dt.date], int] = working_days_between,
) -> dict[str, Any]:
    """The input of the ``lifecycle.gate`` rule for opening ``stage`` on ``on``.

    ``done[code]`` is true when that stage was settled (passed, or exempt) on or before ``on``;
    ``outcome[code]`` is its outcome (\"\" when not completed by then). ``notice_working_days`` is
    how many working days before ``on`` the quality station was told (-1 when it was not)."""
    done = {}
    outcome = {}
    for code, state in states.items():
        in_time = state.completed_on is not None and state.completed_on <= on
        done[code] = bool(in_time and state.settled)
        outcome[code] = state.outcome if in_time else ""
    notice = notice_on if notice_on is not None else getattr(states.get(stage), "notice_on", None)
    return {
        "stage": stage,
        "done": done,
        "outcome": outcome,
        "notice_working_days": _notice_days(notice, on, counter),
    }


def _notice_days(notice: dt.date | None, on: dt.date, counter: Callable[[dt.date, dt.date], int]) -> int:
    if notice is None or notice > on:
        return -1
    if (on - notice).days > 366:  # told more than a year ahead: far more than any notice period
        return 366
    return counter(notice, on)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has none (民法典 art. 202:
    31 August + 6 months ends on 28 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def working_days_before(anchor: dt.date, days: int, counter: Callable[[dt.date, dt.date], int]) -> dt.date:
    """The latest day from which at least ``days`` working days remain up to ``anchor``."""
    day = anchor - dt.timedelta(days=1)
    while counter(day, anchor) < days:
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class DeadlineItem:
    rule: DeadlineRule
    anchor_on: dt.date
    due_on: dt.date
    met_on: dt.date | None
    state: str  # pending | met | late | overdue

    @property
    def breached(self) -> bool:
        return self.state in ("late", "overdue")

    def days_late(self, today: dt.date) -> int:
        end = self.met_on or today
        return max((end - self.due_on).days, 0)


def deadlines(
    states: Mapping[str, StageState],
    rules: tuple[DeadlineRule, ...],
    *,
    today: dt.date,
    counter: Callable[[dt.date, dt.date], int] = working_days_between,
) -> list[DeadlineItem]:
    """Every deadline that has started running for one bid section, with its state on ``today``."""
    items = []
    for rule in rules:
        anchor_state = states.get(rule.anchor)
        if anchor_state is None:
            continue
        if rule.before:
            # before the anchor stage: the anchor is the day it is (to be) held
            anchor_on = anchor_state.started_on or anchor_state.completed_on
            if anchor_on is None:
                continue
            due_on = working_days_before(anchor_on, rule.working_days, counter)
            met_on = anchor_state.notice_on
        else:
            if not anchor_state.settled or anchor_state.completed_on is None:
                continue
            anchor_on = anchor_state.completed_on
            due_on = add_months(anchor_on, rule.months) + dt.timedelta(days=rule.days)
            target = states.get(rule.stage)
            met_on = target.completed_on if target is not None and target.settled else None
        if met_on is not None:
            state = "met" if met_on <= due_on else "late"
        else:
            state = "overdue" if today > due_on else "pending"
        items.append(DeadlineItem(rule=rule, anchor_on=anchor_on, due_on=due_on, met_on=met_on, state=state))
    return items
