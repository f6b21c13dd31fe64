from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jianguan.fees.models import Basis, Use


class DateInput(forms.DateInput):
    input_type = "date"


class AreaForm(forms.Form):
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices)
    bid_section = forms.IntegerField(label=_("Bid section"), required=False, min_value=1, max_value=2**63 - 1)
    above_ground = forms.DecimalField(
        label=_("Above-ground floor area (m²)"), min_value=0, max_digits=12, decimal_places=2
    )
    below_ground = forms.DecimalField(
        label=_("Below-ground floor area (m²)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    civil_air_defence = forms.DecimalField(
        label=_("Civil-air-defence area (m²)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    measured_on = forms.DateField(label=_("Document date"), widget=DateInput())
    document = forms.CharField(label=_("Document number"), max_length=64)


class AssessForm(forms.Form):
    use = forms.ChoiceField(label=_("Use"), choices=Use.choices)
    on = forms.DateField(label=_("Assessed on"), widget=DateInput())


class ReliefForm(forms.Form):
    code = forms.CharField(label=_("Policy code"), max_length=32)
    share = forms.DecimalField(
        label=_("Share relieved (blank: as the policy gives)"), required=False, min_value=0, max_value=1
    )
    document = forms.CharField(label=_("Decision document"), max_length=255)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label=_("Granted on"), widget=DateInput())


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    receipt = forms.CharField(label=_("Receipt number"), max_length=64)


class RecalculateForm(forms.Form):
    on = forms.DateField(label=_("Recalculated on"), widget=DateInput())
