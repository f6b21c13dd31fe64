"""Attendance pages in Chinese: devices with last-seen, a section's calendar, exceptions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jianguan.attendance import services
from jianguan.attendance.duty import duty_evaluate
from jianguan.core.models import Jurisdiction, User
from tests.attendance.conftest import Site
from tests.factories import TEST_PASSWORD, UserFactory, department

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(xiling: Jurisdiction) -> User:
    return UserFactory(
        username="market.x", jurisdiction=xiling, department=department("market"), roles=["market_officer"]
    )


def web(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_device_list_shows_binding_and_last_seen(site: Site, officer: User) -> None:
    services.attlog_ingest(device=site.zk, body=b"1\t2026-11-02 08:01:00\t0\t1\n")
    text = web(officer).get("/attendance/devices/").content.decode()
    assert site.zk.serial in text
    assert site.handheld.serial in text
    assert "大门" in text
    assert "300 m" in text
    assert "最近出现" in text


def test_section_calendar_marks_present_absent_and_missing(site: Site, officer: User) -> None:
    services.attlog_ingest(device=site.zk, body=b"1\t2026-11-02 08:01:00\t0\t1\n2\t2026-11-03 08:01:00\t0\t1\n")
    services.absence_record(
        actor="system:test",
        section=site.s.section,
        person=site.s.manager,
        first_day=dt.date(2026, 11, 3),
        last_day=dt.date(2026, 11, 3),
        reason="开会",
        approved_by="业主",
    )
    duty_evaluate(month=dt.date(2026, 11, 1), today=dt.date(2026, 12, 2))
    response = web(officer).get(f"/attendance/sections/{site.s.section.pk}/calendar/?month=2026-11")
    assert response.status_code == 200
    text = response.content.decode()
    assert site.s.manager.name in text
    assert site.s.chief.name in text
    assert 'class="cal present">✓' in text
    assert 'class="cal absence">假' in text
    assert 'class="cal missing">✗' in text
    assert "在岗天数不足" in text or "未达标" in text


def test_exceptions_list_flagged_and_quarantined(site: Site, officer: User) -> None:
    services.attlog_ingest(device=site.zk, body=b"99\t2026-11-02 08:01:00\t0\t1\nnot a line\n")
    text = web(officer).get("/attendance/exceptions/?flag=unknown_person").content.decode()
    assert "未知人员" in text
    assert "not a line" in text


def test_outside_the_jurisdiction_nothing_is_shown(site: Site) -> None:
    other = Jurisdiction.objects.get_or_create(code="420503", defaults={"name": "伍家岗区", "level": "district"})[0]
    stranger = UserFactory(
        username="market.w", jurisdiction=other, department=department("market"), roles=["market_officer"]
    )
    client = web(stranger)
    assert site.zk.serial not in client.get("/attendance/devices/").content.decode()
    assert client.get(f"/attendance/sections/{site.s.section.pk}/calendar/").status_code == 404


def test_without_the_role_the_pages_are_refused(site: Site, xiling: Jurisdiction) -> None:
    nobody = UserFactory(username="nobody", jurisdiction=xiling, roles=[])
    assert web(nobody).get("/attendance/devices/").status_code == 403
