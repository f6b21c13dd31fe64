from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jianguan.command.models import Alert
from jianguan.command.services import warning_raise
from jianguan.core.models import Jurisdiction, User
from tests.factories import JurisdictionFactory, UserFactory, department

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def city(db: None) -> Jurisdiction:
    city = JurisdictionFactory(
        code="420500", name="宜昌市", level=Jurisdiction.Level.CITY, latitude=30.70, longitude=111.29
    )
    JurisdictionFactory(code="420502", name="西陵区", parent=city, latitude=30.71, longitude=111.28)
    JurisdictionFactory(code="420503", name="伍家岗区", parent=city, latitude=30.65, longitude=111.36)
    return city


@pytest.fixture
def xiling(city: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.objects.get(code="420502")


@pytest.fixture
def wujiagang(city: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.objects.get(code="420503")


@pytest.fixture
def operator(city: Jurisdiction) -> User:
    return UserFactory(
        username="command.op", jurisdiction=city, department=department("command"), roles=["command_operator"]
    )


@pytest.fixture
def head(city: Jurisdiction) -> User:
    return UserFactory(
        username="command.boss", jurisdiction=city, department=department("command"), roles=["command_head"]
    )


@pytest.fixture
def admin_officer(xiling: Jurisdiction) -> User:
    return UserFactory(
        username="sys.xiling", jurisdiction=xiling, department=department("sysadmin"), roles=["sysadmin"]
    )


@pytest.fixture
def quality_officer(xiling: Jurisdiction) -> User:
    return UserFactory(
        username="quality.x", jurisdiction=xiling, department=department("quality"), roles=["quality_inspector"]
    )


@pytest.fixture
def alert(xiling: Jurisdiction) -> Alert:
    alert, _created = warning_raise(
        kind="core.account_locked",
        subject_type="core.user",
        subject_id="alice",
        subject_label="alice",
        jurisdiction=xiling,
        params={"username": "alice", "ip_address": "10.0.0.9"},
        evidence=[{"kind": "ledger", "seq": 1}],
    )
    return alert


def png(name: str = "evidence.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")
