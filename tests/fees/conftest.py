from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jianguan.core.models import Jurisdiction, User
from jianguan.fees import services
from jianguan.fees.models import Basis
from jianguan.lifecycle import services as lifecycle
from jianguan.registry.models import BidSection, Project
from tests.factories import JurisdictionFactory, UserFactory, department
from tests.registry.factories import make_section

ACTOR = "system:test"
DAY = dt.date(2025, 3, 3)


@pytest.fixture
def city(db: None) -> Jurisdiction:
    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    JurisdictionFactory(code="420503", name="伍家岗区", parent=city)
    return city


@pytest.fixture
def section(city: Jurisdiction) -> BidSection:
    return make_section().section


@pytest.fixture
def project(section: BidSection) -> Project:
    return section.project


@pytest.fixture
def market(city: Jurisdiction) -> User:
    return UserFactory(
        username="market.city",
        real_name="孙丽",
        jurisdiction=city,
        department=department("market"),
        roles=["market_officer"],
    )


@pytest.fixture
def approver(city: Jurisdiction) -> User:
    return UserFactory(
        username="approval.approver",
        real_name="张建国",
        jurisdiction=city,
        department=department("approval"),
        roles=["approval_approver"],
    )


def planning(project: Project, above: str = "10000", below: str = "3000", cad: str = "2000", on: dt.date = DAY) -> None:
    services.area_record(
        actor=ACTOR,
        project=project,
        basis=Basis.PLANNING,
        above_ground=above,
        below_ground=below,
        civil_air_defence=cad,
        measured_on=on,
        document="建字第420502202500001号",
    )


def registered(section: BidSection, on: dt.date = dt.date(2025, 1, 6)) -> None:
    lifecycle.stage_record(actor=ACTOR, section=section, stage="registration", on=on)


def money(text: str) -> Decimal:
    return Decimal(text)
