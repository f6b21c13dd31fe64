"""Forms of the office pages: they check the shape of what was typed; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jianguan.supervision.models import Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class InspectionStartForm(forms.Form):
    bid_section = forms.CharField(label=_("Bid section code"), max_length=20)
    checklist = forms.TypedChoiceField(label=_("Checklist"), coerce=int, choices=[])
    inspectors = forms.TypedMultipleChoiceField(
        label=_("Inspectors (at least two)"), coerce=int, choices=[], widget=forms.CheckboxSelectMultiple
    )
    draw = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (required for an unplanned inspection)"), max_length=200, required=False, strip=True
    )

    def __init__(self, *args: Any, checklists: list[Any], inspectors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.title} v{c.version}") for c in checklists
        ]
        self.fields["inspectors"].choices = [  # type: ignore[attr-defined]
            (u.pk, f"{u.display_name} ({u.username})") for u in inspectors
        ]


class FindingReviewForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Accept the finding")), ("no", _("Withdraw the finding"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (required when withdrawing)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrderIssueForm(forms.Form):
    RECTIFICATION = "rectification"
    STOP_WORK = "stop_work"

    findings = forms.TypedMultipleChoiceField(label=_("Findings"), coerce=int, choices=[])
    action = forms.ChoiceField(choices=[(RECTIFICATION, RECTIFICATION), (STOP_WORK, STOP_WORK)])
    working_days = forms.IntegerField(label=_("Working days allowed"), required=False, min_value=1, max_value=60)
    reason = forms.CharField(
        label=_("Reason for stopping work"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, finding_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["findings"].choices = [(pk, str(pk)) for pk in finding_ids]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("What was rectified"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=_("Evidence (photos, PDF)"), required=False)


class OrderReviewForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Re-inspection result"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Rectified: close the order")), ("no", _("Not rectified: return to the enterprise"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (required when returning)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason for lifting"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DrawForm(forms.Form):
    jurisdiction = forms.TypedChoiceField(label=_("Jurisdiction"), coerce=int, choices=[])
    kind = forms.ChoiceField(label=_("Kind of inspection"), choices=Kind.choices)
    targets = forms.IntegerField(label=_("Sites to draw"), min_value=1, max_value=500, initial=5)
    inspectors_per_target = forms.IntegerField(label=_("Inspectors per site"), min_value=2, max_value=5, initial=2)
    seed = forms.CharField(
        label=_("Seed (leave empty for a fresh random seed)"), max_length=64, required=False, strip=True
    )

    def __init__(self, *args: Any, jurisdictions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [  # type: ignore[attr-defined]
            (j.pk, f"{j.name} ({j.code})") for j in jurisdictions
        ]


def form_error_text(form: forms.Form) -> str:
    """The form's errors as one line: field label, then its messages."""
    parts = []
    for name, problems in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        text = " ".join(str(p).rstrip("。.") for p in problems)
        parts.append(f"{label}：{text}" if label else text)
    return "；".join(parts)
