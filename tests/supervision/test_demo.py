"""The demo city's supervision part: inspections at every stage, overdue orders as warnings."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from jianguan.command.models import Alert
from jianguan.core.demo_framework import demo_build
from jianguan.core.ledger import ledger_verify
from jianguan.supervision.models import Draw, Finding, Inspection, RectificationOrder

pytestmark = pytest.mark.django_db


def test_demo_step() -> None:
    out = io.StringIO()
    demo_build(scale="tiny", seed=7, today=dt.date(2026, 11, 25), out=out, show_progress=False)
    assert Draw.objects.filter(published_at__isnull=False).count() == 1
    assert Inspection.objects.count() >= 6
    assert Inspection.objects.filter(status="draft").exists()
    assert Finding.objects.filter(status="confirmed").exists()
    assert Finding.objects.filter(status="proposed").exists()
    orders = RectificationOrder.objects.all()
    assert orders.exists()
    overdue = orders.filter(overdue_reported=True).count()
    assert overdue >= 1, out.getvalue()
    assert Alert.objects.filter(kind="supervision.rectification_overdue").count() == overdue
    assert ledger_verify().ok
