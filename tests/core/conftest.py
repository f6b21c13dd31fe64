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
def xiling(city: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.objects.get(code="420502")


@pytest.fixture
def wujiagang(city: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.objects.get(code="420503")


@pytest.fixture
def xiling_inspector(xiling: Jurisdiction) -> User:
    return UserFactory(
        username="inspector.xiling", jurisdiction=xiling, department=department("quality"), roles=["quality_inspector"]
    )


@pytest.fixture
def xiling_head(xiling: Jurisdiction) -> User:
    """A district officer who may suspend devices: in their own district only."""
    return UserFactory(
        username="head.xiling", jurisdiction=xiling, department=department("quality"), roles=["quality_head"]
    )


@pytest.fixture
def city_operator(city: Jurisdiction) -> User:
    return UserFactory(
        username="operator.city", jurisdiction=city, department=department("command"), roles=["command_operator"]
    )
