from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jianguan.core.models import Jurisdiction, User
from jianguan.registry import services as registry
from tests.factories import JurisdictionFactory, UserFactory, department
from tests.registry.factories import FAR, Section, make_section

PDF = b"%PDF-1.4\n" + b"0" * 200
MONDAY = dt.date(2026, 3, 2)


def pdf(name: str = "material.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def permit_files() -> dict[str, SimpleUploadedFile]:
    return {"drawing_review": pdf("审图合格书.pdf"), "contract": pdf("合同.pdf"), "fee": pdf("缴费.pdf")}


PERMIT_DECLARED = {
    "drawing_review_passed": True,
    "contract_filed": True,
    "fee_paid": True,
    "supervision_registered": True,
}


@pytest.fixture
def city(db: None) -> Jurisdiction:
    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    JurisdictionFactory(code="420503", name="伍家岗区", parent=city)
    return city


def _staff(username: str, role: str, city: Jurisdiction) -> User:
    return UserFactory(username=username, jurisdiction=city, department=department("approval"), roles=[role])


@pytest.fixture
def handler(city: Jurisdiction) -> User:
    return _staff("approval.handler", "approval_handler", city)


@pytest.fixture
def reviewer(city: Jurisdiction) -> User:
    return _staff("approval.reviewer", "approval_reviewer", city)


@pytest.fixture
def approver(city: Jurisdiction) -> User:
    return _staff("approval.approver", "approval_approver", city)


@pytest.fixture
def all_roles(city: Jurisdiction) -> User:
    return UserFactory(
        username="approval.all",
        jurisdiction=city,
        department=department("approval"),
        roles=["approval_handler", "approval_reviewer", "approval_approver"],
    )


def contractor_user() -> User:
    return UserFactory(username="ent.contractor", kind=User.Kind.ENTERPRISE, real_name="施工单位经办人")


@pytest.fixture
def applicant_user(city: Jurisdiction) -> User:
    return UserFactory(username="ent.user", kind=User.Kind.ENTERPRISE, real_name="企业经办人")


@pytest.fixture
def section(city: Jurisdiction, applicant_user: User) -> Section:
    s = make_section(active=False)
    registry.enterprise_account_link(actor="system:test", user=applicant_user, enterprise=s.owner)
    registry.enterprise_account_link(actor="system:test", user=contractor_user(), enterprise=s.contractor)
    contractor = s.contractor
    registry.qualification_upsert(
        actor="system:test",
        enterprise=contractor,
        data={
            "category": "general",
            "klass": "building",
            "grade": "甲",
            "number": f"D{contractor.pk:09d}",
            "issuer": "住建部",
            "valid_until": FAR,
        },
    )
    registry.safety_licence_upsert(
        actor="system:test",
        enterprise=contractor,
        data={"number": f"(鄂)JZ安许证字[2024]{contractor.pk:06d}", "issuer": "湖北省住建厅", "valid_until": FAR},
    )
    return s
