"""The one DRF exception handler: every error body has the same shape.

``{"error": {"code", "message", "messages": {"zh-hans", "en"}, "fields", "extra"}}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from jianguan.core import errors

_DRF_MESSAGES = {
    "parse_error": _("Malformed request."),
    "authentication_failed": _("Incorrect authentication credentials."),
    "not_authenticated": _("Authentication credentials were not provided."),
    "permission_denied": _("You do not have permission to perform this action."),
    "not_found": _("Not found."),
    "method_not_allowed": _("Method not allowed."),
    "not_acceptable": _("Could not satisfy the request Accept header."),
    "unsupported_media_type": _("Unsupported media type in request."),
    "throttled": _("Request was throttled."),
}


def _bilingual(message: Any) -> dict[str, str]:
    result = {}
    for language in errors.MESSAGE_LANGUAGES:
        with translation.override(language):
            result[language] = str(message)
    return result


def _body(code: str, message: str, messages: dict[str, str], fields: Any = None, extra: Any = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "messages": messages, "fields": fields or {}, "extra": extra or {}}
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, errors.ApplicationError):
        body = _body(exc.code, exc.render(), exc.messages(), extra=exc.extra)
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = _body("invalid", str(errors.INVALID_INPUT), _bilingual(errors.INVALID_INPUT), fields=fields)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        default = _DRF_MESSAGES.get(str(code))
        message = str(exc.detail)
        messages = (
            _bilingual(default)
            if default is not None and message == str(default)
            else dict.fromkeys(errors.MESSAGE_LANGUAGES, message)
        )
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        return Response(_body(str(code), message, messages), status=exc.status_code, headers=headers)
    return None
