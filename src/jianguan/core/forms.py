from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from jianguan.core.errors import ApplicationError


class LoginForm(AuthenticationForm):
    """Django's sign-in form, showing a lockout as a form error rather than a crash."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ApplicationError as error:
            raise forms.ValidationError(error.render(), code=error.code) from None


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, strip=True)
