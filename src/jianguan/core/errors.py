"""One error type for the whole application.

An :class:`ApplicationError` has a stable ``code`` (clients and tests rely on it), an HTTP
status, a translatable message with named parameters, and extra data. The API's exception
handler and the web UI's middleware render it; the message is given in Chinese and English.
Messages are module constants so tests can assert them.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Message = str | Promise

MESSAGE_LANGUAGES = ("zh-hans", "en")

GENERIC_ERROR = _("The request could not be completed.")
NOT_FOUND = _("%(what)s %(id)s does not exist or is outside your jurisdiction.")
PERMISSION_DENIED = _("You do not have permission to %(action)s.")
INVALID_INPUT = _("The input is invalid; see the fields for details.")
ACCOUNT_LOCKED = _("Too many failed sign-ins: the account is locked for %(minutes)s minutes.")
DEVICE_ALREADY_SUSPENDED = _("Device %(serial)s is already suspended.")
DEVICE_NOT_SUSPENDED = _("Device %(serial)s is not suspended.")
REASON_REQUIRED = _("A reason is required.")
DEVICE_SERIAL_TAKEN = _("A device with serial %(serial)s already exists.")
SIGNATURE_MISSING = _("The request is not signed: header %(header)s is missing.")
SIGNATURE_INVALID = _("The request signature does not match.")
SIGNATURE_CLOCK_SKEW = _("The request time differs from the server's by more than %(seconds)s seconds.")
SIGNATURE_REPLAYED = _("This nonce was already used: the request is a replay.")
DEVICE_UNKNOWN = _("Device %(serial)s is not registered.")
DEVICE_SUSPENDED = _("Device %(serial)s is suspended.")


RULE_UNKNOWN = _("There is no decision rule called %(name)s.")
RULE_VERSION_UNKNOWN = _("Decision rule %(name)s has no version %(version)s.")
RULE_INVALID = _("The decision graph is invalid: %(reason)s")
RULE_TEST_FAILED = _("The decision graph fails its own test case %(case)s: expected %(expected)s, got %(actual)s.")
RULE_EVALUATION_FAILED = _("Decision rule %(name)s could not be evaluated: %(reason)s")
RULE_NAME_INVALID = _("A rule name is lower-case letters, digits, dots and underscores, such as licensing.permit.")


class ApplicationError(Exception):
    """Base of every error the application raises on purpose."""

    code = "error"
    status = 400
    default_message: Message = GENERIC_ERROR

    def __init__(
        self,
        message: Message | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.params = params
        self.extra = extra or {}
        super().__init__(self.render("en"))

    def render(self, language: str | None = None) -> str:
        """The message in one language (the active one when not given)."""
        if language is None:
            return self._format(str(self.message))
        with translation.override(language):
            return self._format(str(self.message))

    def _format(self, text: str) -> str:
        params = {key: str(value) for key, value in self.params.items()}
        return text % params if params else text

    def messages(self) -> dict[str, str]:
        return {language: self.render(language) for language in MESSAGE_LANGUAGES}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.render(),
            "messages": self.messages(),
            "extra": self.extra,
        }


class ValidationFailed(ApplicationError):
    code = "invalid"
    status = 400
    default_message = INVALID_INPUT


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = NOT_FOUND


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = PERMISSION_DENIED


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


class NotAuthenticated(ApplicationError):
    code = "not_authenticated"
    status = 401


class AccountLocked(ApplicationError):
    code = "account_locked"
    status = 423
    default_message = ACCOUNT_LOCKED
