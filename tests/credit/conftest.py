from __future__ import annotations

import pytest

from jianguan.core.models import Jurisdiction, User
from tests.factories import JurisdictionFactory, UserFactory, department


@pytest.fixture
def city(db: None) -> Jurisdiction:
    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    JurisdictionFactory(code="420503", name="伍家岗区", parent=city)
    return city


def _officer(city: Jurisdiction, username: str, role: str = "credit_officer") -> User:
    return UserFactory(username=username, jurisdiction=city, department=department("credit"), roles=[role])


@pytest.fixture
def handler(city: Jurisdiction) -> User:
    return _officer(city, "credit.handler")


@pytest.fixture
def reviewer(city: Jurisdiction) -> User:
    return _officer(city, "credit.reviewer")


@pytest.fixture
def approver(city: Jurisdiction) -> User:
    return _officer(city, "credit.head", "credit_head")
