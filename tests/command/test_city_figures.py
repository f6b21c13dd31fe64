"""The city figures the issue asks of the dashboard — active sites, key-person attendance rate,
rectification closure rate, concrete pass rate, licences decided within statutory time — each
recomputed here from the rows, on the tiny demo city and for a district's scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from jianguan.attendance.models import DutyEvaluation
from jianguan.concrete.models import BatchVerdict
from jianguan.core.dashboards import dashboard_data
from jianguan.core.demo_framework import demo_build
from jianguan.core.models import User
from jianguan.licensing.models import Application
from jianguan.registry.models import BidSection
from jianguan.supervision.models import RectificationOrder

FIGURES = (
    "registry.active_sites",
    "attendance.key_person_rate",
    "supervision.rectification_closure",
    "concrete.pass_rate",
    "licensing.decided_within_time",
)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@pytest.mark.django_db
def test_city_figures_match_the_rows() -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    command = User.objects.get(username="command")
    data = {panel["code"]: panel["data"] for panel in dashboard_data(command)}
    assert set(FIGURES) <= set(data)

    active = BidSection.objects.filter(status=BidSection.Status.ACTIVE)
    assert data["registry.active_sites"]["value"] == active.count() > 0

    latest = DutyEvaluation.objects.order_by("-month").first()
    assert latest is not None, "the demo evaluates the key people's duty"
    month = list(DutyEvaluation.objects.filter(month=latest.month))
    present = sum(e.present_days for e in month)
    due = sum(e.construction_days - e.absence_days for e in month)
    assert data["attendance.key_person_rate"]["value"] == _percent(present, due)
    compliant = sum(e.compliant for e in month)
    assert f"{compliant} " in data["attendance.key_person_rate"]["note"]

    since = timezone.now() - dt.timedelta(days=90)
    orders = list(RectificationOrder.objects.filter(issued_at__gte=since))
    closed = sum(o.status == RectificationOrder.Status.CLOSED for o in orders)
    assert data["supervision.rectification_closure"]["value"] == _percent(closed, len(orders))

    verdicts = list(BatchVerdict.objects.all())
    assert verdicts, "the demo evaluates concrete batches"
    passed = sum(v.passed for v in verdicts)
    assert 0 < passed < len(verdicts), "the demo plants failing batches"
    assert data["concrete.pass_rate"]["value"] == _percent(passed, len(verdicts))

    decided = [
        a
        for a in Application.objects.filter(decided_at__gte=since)
        if a.status in (Application.Status.APPROVED, Application.Status.REJECTED)
    ]
    in_time = sum(timezone.localtime(a.decided_at).date() <= a.deadline for a in decided)
    assert data["licensing.decided_within_time"]["value"] == _percent(in_time, len(decided))


@pytest.mark.django_db
def test_city_figures_follow_the_scope() -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    command = User.objects.get(username="command")
    section = BidSection.objects.filter(status=BidSection.Status.ACTIVE).select_related("jurisdiction").first()
    assert section is not None
    command.jurisdiction = section.jurisdiction
    command.save(update_fields=["jurisdiction"])
    user = User.objects.get(pk=command.pk)
    data = {panel["code"]: panel["data"] for panel in dashboard_data(user)}
    in_district = BidSection.objects.filter(status=BidSection.Status.ACTIVE, jurisdiction=section.jurisdiction)
    assert data["registry.active_sites"]["value"] == in_district.count()
    assert in_district.count() < BidSection.objects.filter(status=BidSection.Status.ACTIVE).count()
