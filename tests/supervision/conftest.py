from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jianguan.core.models import Jurisdiction, User
from jianguan.supervision.checklists import checklist_current
from jianguan.supervision.models import Checklist
from tests.factories import JurisdictionFactory, UserFactory, department
from tests.registry.factories import Section, make_section

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name: str = "photo.png", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + extra, content_type="image/png")


@pytest.fixture
def city(db: None) -> Jurisdiction:
    city = JurisdictionFactory(
        code="420500", name="宜昌市", level=Jurisdiction.Level.CITY, latitude=30.7, longitude=111.29
    )
    JurisdictionFactory(code="420502", name="西陵区", parent=city, latitude=30.71, longitude=111.28)
    JurisdictionFactory(code="420503", name="伍家岗区", parent=city, latitude=30.65, longitude=111.36)
    return city


def _staff(username: str, code: str, dept: str, role: str) -> User:
    return UserFactory(
        username=username, jurisdiction=Jurisdiction.objects.get(code=code), department=department(dept), roles=[role]
    )


@pytest.fixture
def inspectors(city: Jurisdiction) -> list[User]:
    return [_staff(f"safety.x{n}", "420502", "safety", "safety_inspector") for n in range(1, 5)]


@pytest.fixture
def head(city: Jurisdiction) -> User:
    return _staff("safety.head", "420500", "safety", "safety_head")


@pytest.fixture
def head2(city: Jurisdiction) -> User:
    return _staff("safety.head2", "420500", "safety", "safety_head")


@pytest.fixture
def site(city: Jurisdiction) -> Section:
    return make_section()


@pytest.fixture
def safety_checklist(db: None) -> Checklist:
    checklist = checklist_current("safety")
    assert checklist is not None
    return checklist
