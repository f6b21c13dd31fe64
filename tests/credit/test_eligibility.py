"""Licence data for the Jiangxi scheme: the base (70) is given only on days the subject holds its
valid licences, read from the registry — a contractor needs a qualification and a safety
production licence (the days both cover), a supervisor a qualification, an owner only to be
active, a person a registration. The set-based recompute and the engine replaying one file agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from jianguan.credit import services
from jianguan.credit.domain import Period
from jianguan.credit.eligibility import periods_by_subject
from jianguan.credit.models import EligibilityPeriod, Standing
from jianguan.credit.public import public_file
from jianguan.credit.selectors import credit_standing
from jianguan.registry import services as registry
from tests.credit.test_records import finding
from tests.registry.factories import make_enterprise, make_person, register

D = dt.date
ISSUER = {"issuer": "江西省住房和城乡建设厅"}


def qualify(enterprise: object, number: str, valid_from: dt.date | None, until: dt.date, **data: object) -> None:
    registry.qualification_upsert(
        actor="system:test",
        enterprise=enterprise,  # type: ignore[arg-type]
        data={
            **ISSUER,
            "category": "general",
            "klass": "building",
            "grade": "乙",
            "number": number,
            "valid_from": valid_from,
            "valid_until": until,
            **data,
        },
    )


def safety(enterprise: object, valid_from: dt.date, until: dt.date, **data: object) -> None:
    registry.safety_licence_upsert(
        actor="system:test",
        enterprise=enterprise,  # type: ignore[arg-type]
        data={
            **ISSUER,
            "number": f"(赣)JZ安许证字[{valid_from.year}]{enterprise.pk:06d}",
            "valid_from": valid_from,  # type: ignore[attr-defined]
            "valid_until": until,
            **data,
        },
    )


@pytest.fixture
def licensed(city: object) -> dict[str, object]:
    contractor = make_enterprise("construction")
    qualify(contractor, "D136000001", D(2023, 1, 1), D(2027, 12, 31))
    safety(contractor, D(2024, 3, 1), D(2026, 6, 30))  # the base needs both: 2024-03-01 … 2026-06-30
    no_licence = make_enterprise("construction")
    qualify(no_licence, "D136000002", None, D(2030, 1, 1))  # qualified, but no safety licence
    supervisor = make_enterprise("supervision")
    registry.qualification_upsert(
        actor="system:test",
        enterprise=supervisor,
        data={
            **ISSUER,
            "category": "supervision",
            "klass": "housing",
            "grade": "甲",
            "number": "E136000001",
            "valid_until": D(2026, 3, 31),
        },
    )
    owner = make_enterprise("owner")
    suspended = make_enterprise("owner", status="suspended")
    person = make_person()
    register(person, contractor, valid_from=D(2025, 1, 1), valid_until=D(2028, 1, 1))
    return {
        "contractor": services.subject_of(contractor),
        "no_licence": services.subject_of(no_licence),
        "supervisor": services.subject_of(supervisor),
        "owner": services.subject_of(owner),
        "suspended": services.subject_of(suspended),
        "person": services.subject_of(person),
    }


def test_periods_come_from_the_registry(licensed: dict[str, object]) -> None:
    periods = periods_by_subject()
    ids = {name: s.pk for name, s in licensed.items()}  # type: ignore[attr-defined]
    assert periods[ids["contractor"]] == (Period(D(2024, 3, 1), D(2026, 6, 30)),)
    assert ids["no_licence"] not in periods
    assert periods[ids["supervisor"]] == (Period(D(1, 1, 1), D(2026, 3, 31)),)
    assert periods[ids["owner"]] == (Period(D(1, 1, 1), None),)
    assert ids["suspended"] not in periods
    assert periods[ids["person"]] == (Period(D(2025, 1, 1), D(2028, 1, 1)),)
    assert periods_by_subject([ids["contractor"]]) == {ids["contractor"]: periods[ids["contractor"]]}


@override_settings(CREDIT_SCHEME="jiangxi")
def test_jiangxi_recompute_reads_the_licences_and_agrees_with_the_engine(licensed: dict[str, object]) -> None:
    contractor = licensed["contractor"]
    finding(contractor.enterprise.uscc, code="SG-3-02", fid="F-jx", day="2026-02-01")  # type: ignore[attr-defined]
    ids = {name: s.pk for name, s in licensed.items()}  # type: ignore[attr-defined]
    for day, expected in (
        (
            D(2026, 3, 31),
            {"contractor": 65, "no_licence": 0, "supervisor": 70, "owner": 70, "suspended": 0, "person": 70},
        ),
        (D(2026, 4, 1), {"contractor": 65, "supervisor": 0, "owner": 70, "person": 70}),
        (D(2026, 7, 1), {"contractor": -5, "owner": 70}),  # the safety licence has expired: no base, no floor
    ):
        services.standings_recompute(day=day)
        rows = {s.subject_id: s for s in Standing.objects.filter(day=day, scheme="jiangxi")}
        for name, score in expected.items():
            assert rows[ids[name]].score == Decimal(score), (day, name)
            engine = credit_standing(licensed[name], day)  # type: ignore[arg-type]
            assert (engine.score, engine.grade) == (rows[ids[name]].score, rows[ids[name]].grade), (day, name)
    assert EligibilityPeriod.objects.filter(subject_id=ids["contractor"]).count() == 1
    # a licence suspended in the registry takes the base away at the next recompute
    registry.safety_licence_upsert(
        actor="system:test",
        enterprise=contractor.enterprise,  # type: ignore[attr-defined]
        data={
            **ISSUER,
            "number": f"(赣)JZ安许证字[2024]{contractor.enterprise.pk:06d}",  # type: ignore[attr-defined]
            "valid_from": D(2024, 3, 1),
            "valid_until": D(2026, 6, 30),
            "status": "suspended",
        },
    )
    services.standings_recompute(day=D(2026, 3, 31))
    assert Standing.objects.get(day=D(2026, 3, 31), subject_id=ids["contractor"]).score == Decimal(-5)
    assert EligibilityPeriod.objects.filter(subject_id=ids["contractor"]).count() == 0


@override_settings(CREDIT_SCHEME="jiangxi")
def test_the_public_file_under_jiangxi_gives_the_base_with_licences(licensed: dict[str, object]) -> None:
    owner = licensed["owner"]
    assert public_file(owner.enterprise).score == 70  # type: ignore[attr-defined]
    assert public_file(licensed["suspended"].enterprise).score == 0  # type: ignore[attr-defined]
