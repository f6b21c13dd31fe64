from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class StageOpenForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput())
    responsible = forms.CharField(label=_("Responsible people (comma-separated)"), max_length=500, required=False)
    notice_on = forms.DateField(label=_("Quality station told on"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class StageCompleteForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[])
    reference = forms.CharField(label=_("Reference (certificate or filing number)"), max_length=64, required=False)
    documents = MultipleFileField(label=_("Documents (PDF, JPEG, PNG)"), required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def __init__(self, *args: Any, outcomes: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes  # type: ignore[attr-defined]


class FindingForm(forms.Form):
    report_number = forms.CharField(label=_("Review report number"), max_length=64)
    standard = forms.CharField(label=_("Standard"), max_length=64, help_text="GB 50010-2010")
    clause = forms.CharField(label=_("Clause"), max_length=32, help_text="8.5.1")
    location = forms.CharField(label=_("Location in the drawings"), max_length=255)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("open", _("not corrected")), ("check_on_site", _("check on site"))]
    )


class FindingUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[("corrected", _("corrected")), ("check_on_site", _("check on site")), ("closed", _("closed on site"))],
    )
    revision = forms.CharField(label=_("Drawing revision"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
