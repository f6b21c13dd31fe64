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
def market_officer(city: Jurisdiction) -> User:
    return UserFactory(
        username="market.city", jurisdiction=city, department=department("market"), roles=["market_officer"]
    )


@pytest.fixture
def xiling_inspector(city: Jurisdiction) -> User:
    return UserFactory(
        username="quality.xiling",
        jurisdiction=Jurisdiction.objects.get(code="420502"),
        department=department("quality"),
        roles=["quality_inspector"],
    )


@pytest.fixture
def wujiagang_inspector(city: Jurisdiction) -> User:
    return UserFactory(
        username="quality.wujiagang",
        jurisdiction=Jurisdiction.objects.get(code="420503"),
        department=department("quality"),
        roles=["quality_inspector"],
    )
