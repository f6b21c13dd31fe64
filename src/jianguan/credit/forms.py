"""Forms of the staff pages. Points never appear: the behaviour code is chosen from the catalogue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jianguan.credit.models import Appeal, Record


class RecordForm(forms.Form):
    code = forms.ChoiceField(label=_("Behaviour"))
    event_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(s.value, s.label) for s in (Record.Source.PENALTY, Record.Source.ACCIDENT, Record.Source.MANUAL)],
    )
    quantity = forms.IntegerField(label=_("Quantity (items counted per unit only)"), min_value=1, initial=1)
    decision_number = forms.CharField(label=_("Decision number"), required=False, max_length=64)
    decided_on = forms.DateField(label=_("Decided on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    facts = forms.CharField(label=_("Facts"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    basis = forms.CharField(label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    penalty = forms.CharField(label=_("Penalty"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    penalty_until = forms.DateField(
        label=_("Penalty ends (if longer than the disclosure period)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                i.code,
                f"{i.code} {i.title} ({i.severity + ' ' if i.severity else ''}"
                f"{'−' if i.kind.value == 'bad' else '+'}{i.points}{' / ' + i.unit if i.unit else ''})",
            )
            for i in items
        ]


class StepForm(forms.Form):
    accept = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=2000)


class AppealForm(forms.Form):
    applicant = forms.CharField(label=_("Applicant"), max_length=128, required=False)
    grounds = forms.CharField(label=_("Grounds"), widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(
        label=_("Received on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Appeal.Outcome.choices)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    corrected_code = forms.CharField(label=_("Corrected behaviour code"), required=False, max_length=16)


MAX_CATALOGUE_BYTES = 2 * 1024 * 1024


class CatalogueForm(forms.Form):
    """A catalogue version as JSON: edited in the text area, or uploaded as a file (which wins)."""

    document = forms.CharField(
        label=_("Catalogue (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code"}),
    )
    upload = forms.FileField(label=_("Or upload a file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        if upload is not None and upload.size > MAX_CATALOGUE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB."), params={"size": MAX_CATALOGUE_BYTES // (1024 * 1024)}
            )
        if upload is None and not str(data.get("document") or "").strip():
            raise forms.ValidationError(_("Please paste the catalogue or upload a file."))
        return data
