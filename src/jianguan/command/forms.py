from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.command.models import TaskAction
from jianguan.core.models import Department, Jurisdiction, User


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    assignee = forms.ModelChoiceField(label=_("Officer (optional)"), queryset=User.objects.none(), required=False)
    instructions = forms.CharField(label=_("Instructions"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignees is not None:
            self.fields["assignee"].queryset = assignees  # type: ignore[attr-defined]

    def deadline_at(self) -> dt.datetime:
        day: dt.date = self.cleaned_data["deadline"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class RecordForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What was done"),
        choices=[(k, label) for k, label in TaskAction.Kind.choices if k in ("note", "inspection", "notice")],
    )
    text = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    attachment = forms.FileField(label=_("Attachment (PDF, JPEG or PNG)"), required=False)


class TaskReportForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    attachment = forms.FileField(label=_("Evidence (PDF, JPEG or PNG)"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept and close")), ("return", _("Return for more work"))]
    )
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReportForm(forms.Form):
    """Which supervision report to generate: the period containing a day, for a jurisdiction."""

    period = forms.ChoiceField(label=_("Period"), choices=[("week", _("Weekly")), ("month", _("Monthly"))])
    day = forms.DateField(label=_("A day in the period"), widget=forms.DateInput(attrs={"type": "date"}))
    jurisdiction = forms.ModelChoiceField(label=_("Jurisdiction"), queryset=Jurisdiction.objects.none())

    def __init__(self, *args: Any, jurisdictions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if jurisdictions is not None:
            self.fields["jurisdiction"].queryset = jurisdictions  # type: ignore[attr-defined]
