"""Statutory deadlines of the stage line, the daily job's de-duplicated warnings, and stages opened
out of order in bulk-loaded data."""

from __future__ import annotations

import datetime as dt

import pytest

from jianguan.command.models import Alert
from jianguan.core.models import User
from jianguan.lifecycle import services
from jianguan.lifecycle.domain import StageState, add_months, deadlines
from jianguan.lifecycle.models import StageRecord
from jianguan.lifecycle.selectors import deadline_breaches, overdue_list, stages_out_of_order
from jianguan.lifecycle.stages import deadline_rules
from jianguan.lifecycle.tasks import lifecycle_check
from jianguan.registry.models import BidSection
from tests.factories import department
from tests.lifecycle.conftest import ACTOR, walk
from tests.registry.factories import make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _departments() -> None:
    for code in ("approval", "quality", "command"):
        department(code)


def test_add_months_follows_the_civil_code() -> None:
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 1, 15), 6) == dt.date(2025, 7, 15)
    assert add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)


def test_filing_deadline_is_fifteen_days_after_acceptance() -> None:
    acceptance = StageState("completion_acceptance", dt.date(2025, 3, 1), dt.date(2025, 3, 3), "passed")
    states = {"completion_acceptance": acceptance}
    items = {i.rule.code: i for i in deadlines(states, deadline_rules(), today=dt.date(2025, 3, 18))}
    assert items["completion_filing"].due_on == dt.date(2025, 3, 18)
    assert items["completion_filing"].state == "pending"
    items = {i.rule.code: i for i in deadlines(states, deadline_rules(), today=dt.date(2025, 3, 19))}
    assert items["completion_filing"].state == "overdue"
    assert items["archive_handover"].due_on == dt.date(2025, 6, 3)
    filed = {**states, "completion_filing": StageState("completion_filing", None, dt.date(2025, 3, 20), "passed")}
    items = {i.rule.code: i for i in deadlines(filed, deadline_rules(), today=dt.date(2025, 4, 1))}
    assert items["completion_filing"].state == "late"
    assert items["completion_filing"].days_late(dt.date(2025, 4, 1)) == 2
    # acceptance that failed starts no filing deadline
    failed = {"completion_acceptance": StageState("completion_acceptance", None, dt.date(2025, 3, 3), "failed")}
    assert [i.rule.code for i in deadlines(failed, deadline_rules(), today=dt.date(2026, 1, 1))] == [
        "acceptance_notice"
    ]


def test_notice_deadline_counts_working_days() -> None:
    # acceptance on Friday 2025-03-14: 7 working days before is Wednesday 2025-03-05
    acceptance = StageState("completion_acceptance", dt.date(2025, 3, 14), None, "", dt.date(2025, 3, 5))
    (notice,) = [
        i
        for i in deadlines({"completion_acceptance": acceptance}, deadline_rules(), today=dt.date(2025, 3, 14))
        if i.rule.code == "acceptance_notice"
    ]
    assert notice.due_on == dt.date(2025, 3, 5)
    assert notice.state == "met"


def test_daily_job_raises_one_warning_per_condition(section: BidSection, officer: User) -> None:
    acceptance = walk(section, "completion_acceptance")
    today = acceptance + dt.timedelta(days=20)
    result = lifecycle_check(today=today)
    assert result.new_warnings == 1
    alert = Alert.objects.get()
    assert alert.kind == "lifecycle.completion_filing"
    assert alert.department.code == "approval"
    assert alert.params["days"] == 5
    again = lifecycle_check(today=today + dt.timedelta(days=1))
    assert again.new_warnings == 0
    alert.refresh_from_db()
    assert alert.occurrences == 2
    assert [row.item.rule.code for row in overdue_list(user=officer, today=today)] == ["completion_filing"]
    # filed late: no longer overdue, still listed as late
    services.stage_record(actor=ACTOR, section=section, stage="completion_filing", on=today)
    rows = overdue_list(user=officer, today=today)
    assert [(r.item.rule.code, r.item.state, r.days_late) for r in rows] == [("completion_filing", "late", 5)]
    assert lifecycle_check(today=today).overdue == 0


def test_permit_lapses_without_commencement(section: BidSection) -> None:
    permit = walk(section, "permit")
    rows = deadline_breaches(sections=BidSection.objects.all(), today=permit + dt.timedelta(days=100))
    assert [(r.item.rule.code, r.item.state) for r in rows] == [("permit_lapse", "overdue")]
    assert not deadline_breaches(sections=BidSection.objects.all(), today=permit + dt.timedelta(days=80))


def test_overdue_list_is_scoped(section: BidSection, wujiagang_inspector: User, officer: User) -> None:
    acceptance = walk(section, "completion_acceptance")
    today = acceptance + dt.timedelta(days=30)
    assert overdue_list(user=officer, today=today)
    assert overdue_list(user=wujiagang_inspector, today=today) == []


def test_bulk_loaded_stage_out_of_order_is_found(section: BidSection) -> None:
    walk(section, "fee")
    other = make_section().section
    walk(other, "commencement")
    StageRecord.objects.bulk_create(
        [
            StageRecord(
                bid_section=section,
                stage="commencement",
                status="completed",
                started_on=dt.date(2024, 6, 1),
                completed_on=dt.date(2024, 6, 1),
                outcome="passed",
                source="import",
            )
        ]
    )
    found = stages_out_of_order(sections=BidSection.objects.all())
    assert [(f.section.pk, f.stage.code, [m["condition"] for m in f.missing]) for f in found] == [
        (section.pk, "commencement", ["permit"])
    ]
    result = lifecycle_check(today=dt.date(2024, 6, 2))
    assert result.out_of_order == 1
    warning = Alert.objects.get(kind="lifecycle.stage_out_of_order")
    assert warning.params["missing"] == "施工许可"
    assert warning.subject_id == str(section.pk)


def test_stage_statistics_and_dashboard(section: BidSection, officer: User) -> None:
    from jianguan.core.dashboards import dashboard_data
    from jianguan.lifecycle.selectors import stage_statistics

    acceptance = walk(section, "completion_acceptance")
    stats = stage_statistics(user=officer, today=acceptance + dt.timedelta(days=30))
    assert stats["at_stage"]["completion_acceptance"] == 1
    assert sum(stats["at_stage"].values()) == 1
    assert stats["average_days"]["registration"] == 0
    assert stats["overdue"] == 1
    panels = {p["code"]: p for p in dashboard_data(officer)}
    assert panels["lifecycle.by_stage"]["data"]["series"][0]["data"][10] == 1
