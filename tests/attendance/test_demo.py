"""The attendance demo step on a few registry sections: terminals, enrolments, a month of
check-ins, and the planted cases found by the evaluation."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from jianguan.attendance.demo import build
from jianguan.attendance.models import Binding, CheckIn, DutyEvaluation
from jianguan.command.models import Alert
from jianguan.core.demo_framework import SCALES, DemoContext
from jianguan.core.ledger import ledger_verify
from jianguan.registry.models import KeyPerson, Project
from tests.registry.factories import division, make_section

pytestmark = pytest.mark.django_db


def test_demo_step_writes_a_month_and_finds_the_planted_cases() -> None:
    division()
    sections = [make_section() for _ in range(6)]
    for n, s in enumerate(sections):  # spread the sites 10 km apart
        Project.objects.filter(pk=s.project.pk).update(latitude=30.60 + n * 0.1, longitude=111.29)
    KeyPerson.objects.update(started_on=dt.date(2026, 1, 1))
    ctx = DemoContext(scale=SCALES["tiny"], seed=7, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    build(ctx)
    assert Binding.objects.count() == 6
    assert CheckIn.objects.filter(punched_at__month=10).count() > 300
    assert DutyEvaluation.objects.filter(month=dt.date(2026, 10, 1)).count() == 12
    assert Alert.objects.filter(kind="attendance.never_present").exists()
    assert Alert.objects.filter(kind="attendance.impossible_travel").exists()
    assert ledger_verify().ok
    assert "terminals bound" in ctx.out.getvalue()  # type: ignore[attr-defined]


def test_demo_step_without_sections_does_nothing() -> None:
    ctx = DemoContext(scale=SCALES["tiny"], seed=7, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    build(ctx)
    assert Binding.objects.count() == 0
