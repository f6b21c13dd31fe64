"""Sign-in protection: lockout after repeated failures, and the password policy.

Every sign-in path (web form, admin, API token) goes through :class:`LockoutModelBackend`, so
the lockout cannot be side-stepped by choosing another door.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jianguan.core import errors
from jianguan.core.ledger import ledger_append
from jianguan.core.models import LoginFailure, User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def login_locked_until(username: str) -> dt.datetime | None:
    """When the account's lockout ends, or None if it may try now."""
    now = timezone.now()
    window_start = now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = list(
        LoginFailure.objects.filter(username__iexact=username, occurred_at__gte=window_start)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)[: settings.LOGIN_FAILURE_LIMIT]
    )
    if len(recent) < settings.LOGIN_FAILURE_LIMIT:
        return None
    until = recent[0] + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    return until if until > now else None


@transaction.atomic
def login_failure_record(*, username: str, ip_address: str | None) -> None:
    """Count a failed sign-in; the one that trips the lock is written to the ledger."""
    LoginFailure.objects.create(username=username[:150], ip_address=ip_address)
    if login_locked_until(username) is not None:
        ledger_append(
            actor="system:auth",
            action="core.account.locked",
            object_type="core.user",
            object_id=username[:64],
            payload={"username": username, "ip_address": ip_address, "minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
        )


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


class LockoutModelBackend(ModelBackend):
    """Django's model backend behind a lockout: locked accounts are refused before checking."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        if login_locked_until(username) is not None:
            raise errors.AccountLocked(minutes=settings.LOGIN_LOCKOUT_SECONDS // 60)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, ip_address=client_ip(request))
            if login_locked_until(username) is not None:
                raise errors.AccountLocked(minutes=settings.LOGIN_LOCKOUT_SECONDS // 60)
            return None
        login_failures_clear(username=username)
        return user


class CharacterClassesValidator:
    """Passwords mix at least N of: lower-case, upper-case, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must mix at least %(n)d kind of character (lower-case, upper-case, digits, symbols).",
            "Your password must mix at least %(n)d kinds of character (lower-case, upper-case, digits, symbols).",
            self.min_classes,
        ) % {"n": self.min_classes}


def password_policy_summary() -> str:
    return _("At least 10 characters, mixing at least 3 of: lower-case, upper-case, digits, symbols.")
