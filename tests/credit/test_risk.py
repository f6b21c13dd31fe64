"""Credit in the site risk score: the contractor's and supervisor's latest standing — blacklisted
30, lowest grade 15, the grade above 5 — with the reason named, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jianguan.command.risk import factor_sources, site_risks
from jianguan.core.ledger import ledger_append
from jianguan.core.models import User
from jianguan.credit import services
from jianguan.credit.risk import credit_factor
from tests.credit.test_records import finding
from tests.registry.factories import make_section


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def test_contractor_and_supervisor_credit_raise_the_site_score(city: object, approver: User) -> None:
    first, second, clean = make_section(), make_section(), make_section()
    assert credit_factor([first.section.pk]) == {}  # no standings computed yet: no factor
    finding(first.contractor.uscc, code="SG-1-01", fid="F-forged", day=ago(10))  # blacklisted
    for n, code in enumerate(("JL-2-01", "JL-2-02", "JL-1-02")):  # 100 − 35 = 65: grade B
        finding(first.supervisor.uscc, code=code, fid=f"F-jl-{n}", day=ago(20))
    ledger_append(  # five deaths at 10 points each: 50, the lowest grade
        actor="system:supervision",
        action="supervision.finding.confirmed",
        object_type="supervision.finding",
        object_id="F-deaths",
        payload={
            "finding_id": "F-deaths",
            "behaviour_code": "SG-4-07",
            "date": ago(5),
            "uscc": second.contractor.uscc,
            "quantity": 5,
        },
    )
    services.standings_recompute()
    ids = [first.section.pk, second.section.pk, clean.section.pk]
    with CaptureQueriesContext(connection) as queries:
        factors = credit_factor(ids)
    assert len(queries) <= 3
    points = {sid: sorted(f.points for f in fs) for sid, fs in factors.items()}
    assert points == {first.section.pk: [5, 30], second.section.pk: [15]}
    labels = " ".join(str(f.label) for f in factors[first.section.pk])
    assert first.contractor.name in labels
    assert first.supervisor.name in labels
    assert credit_factor in factor_sources()
    ranked = {risk.section_id: risk for risk in site_risks(user=approver)}
    assert ranked[first.section.pk].score >= 35
    assert ranked[first.section.pk].band >= 2
    assert ranked[clean.section.pk].score == 0
