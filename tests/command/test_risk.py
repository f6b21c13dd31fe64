"""The site risk score: open warnings about a site, its project, its enterprises and key people,
by severity, overdue counting more; a bounded number of queries whatever the number of sites."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jianguan.command.models import Alert
from jianguan.command.risk import ranking_panel, site_risks, sites_map_panel
from jianguan.command.services import warning_raise
from jianguan.core.models import Jurisdiction, User
from tests.registry.factories import make_section

pytestmark = pytest.mark.django_db


def _warn(subject_type: str, subject_id: int, where: Jurisdiction, n: int) -> Alert:
    return warning_raise(
        kind="core.account_locked",
        subject_type=subject_type,
        subject_id=str(subject_id),
        subject_label=f"{subject_type}:{subject_id}",
        jurisdiction=where,
        params={"username": f"x{n}", "ip_address": "?"},
    )[0]


def test_sites_are_ranked_by_their_warnings(operator: User, xiling: Jurisdiction) -> None:
    quiet, noisy, shared = make_section(), make_section(), make_section()
    _warn("registry.bidsection", noisy.section.pk, xiling, 1)
    _warn("registry.enterprise", noisy.contractor.pk, xiling, 2)
    overdue = _warn("registry.person", shared.manager.pk, xiling, 3)
    Alert.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    ranked = site_risks(user=operator)
    by_id = {risk.section_id: risk for risk in ranked}
    severity_points = {"critical": 40, "high": 20, "medium": 10, "low": 5}
    alerts = {a.subject_type: a for a in Alert.objects.all()}
    expected_noisy = (
        severity_points[alerts["registry.bidsection"].severity]
        + severity_points[alerts["registry.enterprise"].severity]
    )
    assert by_id[noisy.section.pk].score == expected_noisy
    assert by_id[shared.section.pk].score == severity_points[alerts["registry.person"].severity] * 1.5
    assert by_id[quiet.section.pk].score == 0
    assert ranked[-1].section_id == quiet.section.pk
    panel = ranking_panel(operator)
    assert panel["rows"][0]["label"] == ranked[0].name
    assert all(row["cells"][0] > 0 for row in panel["rows"])
    points = sites_map_panel(operator)["points"]
    assert len(points) == 3
    assert {p["level"] for p in points} <= {0, 1, 2, 3}


def test_risk_queries_are_bounded(operator: User, xiling: Jurisdiction) -> None:
    sections = [make_section() for _ in range(2)]
    for i, built in enumerate(sections):
        _warn("registry.bidsection", built.section.pk, xiling, i)
    site_risks(user=operator)  # the user's scope is computed once and kept
    with CaptureQueriesContext(connection) as few:
        site_risks(user=operator)
    sections += [make_section() for _ in range(4)]
    for i, built in enumerate(sections[2:], start=10):
        _warn("registry.project", built.project.pk, xiling, i)
    with CaptureQueriesContext(connection) as many:
        ranked = site_risks(user=operator)
    assert len(ranked) == 6
    assert len(many.captured_queries) == len(few.captured_queries)
