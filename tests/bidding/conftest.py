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


@pytest.fixture
def investigator(city: Jurisdiction) -> User:
    return UserFactory(
        username="discipline.city",
        jurisdiction=city,
        department=department("discipline"),
        roles=["discipline_investigator"],
    )


@pytest.fixture
def market(city: Jurisdiction) -> User:
    return UserFactory(
        username="market.city", jurisdiction=city, department=department("market"), roles=["market_officer"]
    )
