from __future__ import annotations

import datetime as dt

import pytest

from jianguan.core.models import Jurisdiction, User
from jianguan.lifecycle import services
from jianguan.registry.models import BidSection
from tests.factories import JurisdictionFactory, UserFactory, department
from tests.registry.factories import make_section

ACTOR = "system:test"
PDF = b"%PDF-1.4\n" + b"x" * 64


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
def officer(city: Jurisdiction) -> User:
    return UserFactory(
        username="approval.city", jurisdiction=city, department=department("approval"), roles=["approval_handler"]
    )


@pytest.fixture
def wujiagang_inspector(city: Jurisdiction) -> User:
    return UserFactory(
        username="quality.wjg",
        jurisdiction=Jurisdiction.objects.get(code="420503"),
        department=department("quality"),
        roles=["quality_inspector"],
    )


def walk(section: BidSection, until: str, start: dt.date = dt.date(2024, 3, 1)) -> dt.date:
    """Record the stages in order up to and including ``until``, ten days apart; return the last day."""
    order = [
        "registration",
        "drawing_review",
        "tendering",
        "contract_filing",
        "supervision_registration",
        "fee",
        "permit",
        "commencement",
        "foundation_acceptance",
        "structure_acceptance",
        "completion_acceptance",
        "completion_filing",
        "archive_handover",
    ]
    day = start
    for code in order:
        notice = day - dt.timedelta(days=14) if code == "completion_acceptance" else None
        services.stage_record(actor=ACTOR, section=section, stage=code, on=day, notice_on=notice)
        if code == until:
            return day
        day += dt.timedelta(days=10)
    return day


@pytest.fixture
def reviewer(city: Jurisdiction) -> User:
    return UserFactory(
        username="quality.xl",
        jurisdiction=Jurisdiction.objects.get(code="420502"),
        department=department("quality"),
        roles=["quality_inspector"],
    )
