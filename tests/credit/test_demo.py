"""The credit part of the demo city: records in bulk, blacklisted subjects, work in the queues,
today's standings, warnings in the command centre."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from jianguan.command.models import Alert
from jianguan.core.demo_framework import demo_build
from jianguan.core.ledger import ledger_verify
from jianguan.core.models import LedgerEntry
from jianguan.credit.models import Appeal, Record, Standing
from jianguan.credit.public import public_blacklist
from jianguan.credit.selectors import credit_standing


@pytest.mark.django_db
def test_demo_builds_credit() -> None:
    today = timezone.localdate()
    demo_build(scale="tiny", seed=7, today=today, out=io.StringIO(), show_progress=False)
    recorded = Record.objects.filter(status="recorded")
    assert recorded.count() > 10
    assert LedgerEntry.objects.filter(action="credit.record.recorded").count() >= recorded.count()
    assert Record.objects.filter(status__in=["handled", "reviewed"]).count() == 3
    assert Appeal.objects.filter(status="pending").count() == 2
    standings = Standing.objects.filter(day=today)
    assert standings.count() > 0
    assert standings.filter(blacklisted=True).count() >= 3
    for standing in standings.select_related("subject")[:20]:
        engine = credit_standing(standing.subject, today)
        assert (engine.score, engine.grade) == (standing.score, standing.grade)
    assert len(public_blacklist(today)) == standings.filter(blacklisted=True).count()
    assert Alert.objects.filter(kind="credit.blacklisted").count() >= 3
    assert ledger_verify().ok


@pytest.mark.django_db
def test_dashboard_panels_count_the_latest_standings() -> None:
    from jianguan.core.dashboards import dashboard_data
    from jianguan.core.models import User

    today = timezone.localdate()
    demo_build(scale="tiny", seed=8, today=today, out=io.StringIO(), show_progress=False)
    head = User.objects.get(username="credit.head")
    panels = {panel["code"]: panel["data"] for panel in dashboard_data(head)}
    grades = panels["credit.grades"]
    assert grades["categories"] == ["AAA", "AA", "A", "B", "C"]
    assert sum(grades["series"][0]["data"]) == Standing.objects.filter(day=today).count()
    assert grades["series"][0]["data"][-1] == Standing.objects.filter(day=today, grade="C").count()
    # subjects in the lowest grade or on the blacklist that take part in active sites, each with its sites
    for row in panels["credit.flagged_on_sites"]["rows"]:
        assert row["url"].startswith("/credit/subjects/")
        assert row["cells"][-1] >= 1
