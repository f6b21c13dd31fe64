"""The web shell: Chinese by default, English on request, menu by role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jianguan.core.models import User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_login_page_is_chinese_by_default() -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    assert "建筑业综合监管信息系统" in page


def test_english_is_switchable(city_operator: User) -> None:
    client = _client(city_operator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/workbench/"})
    page = client.get("/workbench/").content.decode()
    assert "My workbench" in page
    assert 'lang="en"' in page


def test_menu_follows_roles(city_operator: User, city: Any) -> None:
    page = _client(city_operator).get("/workbench/").content.decode()
    assert 'href="/system/devices/"' in page
    assert 'href="/system/ledger/"' not in page  # the command centre does not audit the ledger
    auditor = UserFactory(username="auditor", jurisdiction=city, roles=["discipline_investigator"])
    page = _client(auditor).get("/workbench/").content.decode()
    assert 'href="/system/ledger/"' in page
    assert 'href="/system/devices/"' not in page


def test_ledger_page_verifies_the_chain(city: Any) -> None:
    auditor = UserFactory(username="auditor", jurisdiction=city, roles=["discipline_investigator"])
    client = _client(auditor)
    assert client.get("/system/ledger/").status_code == 200
    result = client.post("/system/ledger/verify/", HTTP_HX_REQUEST="true").content.decode()
    assert "哈希链完整" in result


def test_ledger_page_is_refused_without_permission(city_operator: User) -> None:
    response = _client(city_operator).get("/system/ledger/")
    assert response.status_code == 403
    assert "您没有权限" in response.content.decode()


def test_unknown_page_is_a_chinese_404(city_operator: User) -> None:
    response = _client(city_operator).get("/no-such-page/")
    assert response.status_code == 404


def test_workbench_shows_my_recent_actions(city_operator: User, xiling: Any) -> None:
    from jianguan.core.services import device_register

    device_register(
        actor=city_operator, serial="SN-W1", kind="handheld", protocol="signed_http", name="手持机", jurisdiction=xiling
    )
    page = _client(city_operator).get("/workbench/").content.decode()
    assert "core.device.registered" in page
    assert TEST_PASSWORD not in page


@pytest.mark.django_db
def test_a_bad_host_header_is_answered_400_not_500(client: Any) -> None:
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
