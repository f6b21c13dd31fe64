"""Sign-in: lockout after repeated failures (every door), password policy, idle timeout."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from jianguan.core.models import LedgerEntry, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(city: Any) -> User:
    return UserFactory(username="alice", jurisdiction=city)


def _fail_web(client: Client, times: int) -> None:
    for _ in range(times):
        response = client.post("/accounts/login/", {"username": "alice", "password": "wrong-Password1"})
        assert response.status_code == 200


def test_web_login_succeeds_with_the_right_password(alice: User) -> None:
    response = Client().post("/accounts/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/workbench/"


def test_five_failures_lock_the_account_even_for_the_right_password(alice: User, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    _fail_web(client, 4)
    assert not LedgerEntry.objects.filter(action="core.account.locked").exists()
    _fail_web(client, 1)
    locked = LedgerEntry.objects.get(action="core.account.locked")
    assert locked.data["username"] == "alice"
    response = client.post("/accounts/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "account_locked" not in response.content.decode()  # a message for people, not a code
    assert "15" in response.content.decode()


def test_lockout_applies_to_the_api_token_door(alice: User) -> None:
    client = APIClient()
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 423
    body = response.json()["error"]
    assert body["code"] == "account_locked"
    assert "锁定" in body["messages"]["zh-hans"]
    assert "locked" in body["messages"]["en"]


def test_lockout_expires(alice: User, settings: Any) -> None:
    settings.LOGIN_LOCKOUT_SECONDS = 0
    client = Client()
    _fail_web(client, 5)
    response = client.post("/accounts/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_success_clears_earlier_failures(alice: User) -> None:
    client = Client()
    _fail_web(client, 4)
    client.post("/accounts/login/", {"username": "alice", "password": TEST_PASSWORD})
    client.logout()
    _fail_web(client, 4)
    assert client.post("/accounts/login/", {"username": "alice", "password": TEST_PASSWORD}).status_code == 302


def test_api_token_authenticates(alice: User) -> None:
    token = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "alice", "password": TEST_PASSWORD}, format="json")
        .json()["token"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "alice"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short1A!", False),  # too short
        ("alllowercaseletters", False),  # one class
        ("lowercase123456", False),  # two classes
        ("12345678901234", False),  # numeric
        ("Jianguan@2026", True),
        ("安全口令Abc12345", True),
    ],
)
def test_password_policy(password: str, ok: bool) -> None:
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_session_times_out_after_30_idle_minutes(alice: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert client.session.get_expiry_age() == 30 * 60
    assert client.session.get_expire_at_browser_close()


def test_password_change_enforces_policy(alice: User) -> None:
    client = Client()
    client.login(username="alice", password=TEST_PASSWORD)
    weak = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "abcdefghijk", "new_password2": "abcdefghijk"},
    )
    assert weak.status_code == 200
    strong = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "Yichang#2027x", "new_password2": "Yichang#2027x"},
    )
    assert strong.status_code == 302
