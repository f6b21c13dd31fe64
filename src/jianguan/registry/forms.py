"""Forms of the base registry's pages. They only parse input; the services decide, and their
bilingual errors are put back on the form (``apply_error``) next to the field concerned."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jianguan.core.errors import ApplicationError
from jianguan.core.models import Jurisdiction
from jianguan.registry.domain import CLASSES
from jianguan.registry.models import (
    Enterprise,
    KeyPerson,
    ManagementRelation,
    Participant,
    Project,
    Registration,
    UnitProject,
)


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's error on the field it names, or above the form."""
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, error.render())


def _divisions() -> Any:
    return Jurisdiction.objects.order_by("code")


class DivisionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg,unused-ignore]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class EnterpriseForm(forms.Form):
    uscc = forms.CharField(label=_("unified social credit code"), max_length=24)
    name = forms.CharField(label=_("name"), max_length=128)
    kind = forms.ChoiceField(label=_("kind"), choices=Enterprise.Kind.choices)
    legal_representative = forms.CharField(label=_("legal representative"), max_length=64)
    legal_representative_id_number = forms.CharField(
        label=_("legal representative's resident ID number"), max_length=24, required=False
    )
    registered_capital = forms.DecimalField(
        label=_("registered capital (10,000 yuan)"), max_digits=14, decimal_places=2, required=False, min_value=0
    )
    jurisdiction = DivisionChoiceField(label=_("administrative division"), queryset=_divisions())
    address = forms.CharField(label=_("address"), max_length=255, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["jurisdiction"] = data["jurisdiction"].code
        return data


def _class_choices() -> list[tuple[str, str]]:
    from jianguan.registry.domain import class_label

    return [
        (f"{cat}:{klass}", f"{cat} · {class_label(cat, klass)}")
        for cat, classes in CLASSES.items()
        for klass in classes
    ]


class CertificateFields(forms.Form):
    number = forms.CharField(label=_("certificate number"), max_length=64)
    issuer = forms.CharField(label=_("issued by"), max_length=128, initial="湖北省住房和城乡建设厅")
    valid_from = forms.DateField(label=_("valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("valid until"), widget=forms.DateInput(attrs={"type": "date"}))


class QualificationForm(CertificateFields):
    category_class = forms.ChoiceField(label=_("qualification class"), choices=_class_choices)
    grade = forms.CharField(label=_("grade"), max_length=8, required=False)

    field_order = ["category_class", "grade", "number", "issuer", "valid_from", "valid_until"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["category"], data["klass"] = data.pop("category_class").split(":", 1)
        return data


class SafetyLicenceForm(CertificateFields):
    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class PersonForm(forms.Form):
    id_number = forms.CharField(label=_("resident ID number"), max_length=24)
    name = forms.CharField(label=_("name"), max_length=64)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)


class RegistrationForm(CertificateFields):
    kind = forms.ChoiceField(label=_("kind"), choices=Registration.Kind.choices)
    specialty = forms.CharField(label=_("specialty"), max_length=32, required=False)
    enterprise = forms.CharField(label=_("registered to (unified social credit code)"), max_length=24)

    field_order = ["kind", "specialty", "enterprise", "number", "issuer", "valid_from", "valid_until"]


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    owner = forms.CharField(label=_("owner (unified social credit code)"), max_length=24)
    jurisdiction = DivisionChoiceField(label=_("administrative division"), queryset=_divisions())
    address = forms.CharField(label=_("address"), max_length=255)
    investment = forms.DecimalField(label=_("investment (10,000 yuan)"), max_digits=14, decimal_places=2, min_value=0)
    floor_area = forms.DecimalField(label=_("floor area (m²)"), max_digits=12, decimal_places=2, min_value=0)
    category = forms.ChoiceField(label=_("category"), choices=Project.Category.choices)
    function = forms.ChoiceField(label=_("function"), choices=Project.Function.choices)
    structure = forms.ChoiceField(label=_("structure"), choices=[("", "—"), *Project.Structure.choices], required=False)
    latitude = forms.FloatField(label=_("latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("longitude"), required=False, min_value=-180, max_value=180)


class BidSectionForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    contract_price = forms.DecimalField(
        label=_("contract price (10,000 yuan)"), max_digits=14, decimal_places=2, required=False, min_value=0
    )
    units: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("unit projects"), queryset=UnitProject.objects.none(), required=False
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = project.units.all()  # type: ignore[attr-defined]


class ParticipantForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Participant.Role.choices)
    enterprise = forms.CharField(label=_("enterprise (unified social credit code)"), max_length=24)


class KeyPersonForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=KeyPerson.Role.choices)
    person = forms.CharField(label=_("person (resident ID number)"), max_length=24)
    started_on = forms.DateField(label=_("started on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class ShareholdingForm(forms.Form):
    """A shareholder of this enterprise: an enterprise by credit code, or a person by ID number
    (with the name, to register a person not yet on record)."""

    holder_uscc = forms.CharField(
        label=_("shareholder: enterprise (unified social credit code)"), max_length=24, required=False
    )
    holder_id_number = forms.CharField(
        label=_("shareholder: person (resident ID number)"), max_length=24, required=False
    )
    holder_name = forms.CharField(
        label=_("shareholder's name (a person not yet registered)"), max_length=64, required=False
    )
    share = forms.DecimalField(label=_("share (%)"), max_digits=7, decimal_places=4)
    since = forms.DateField(label=_("since"), required=False, widget=_date_input())
    until = forms.DateField(label=_("until (last day)"), required=False, widget=_date_input())


class ManagementForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("this enterprise"),
        choices=[("manages", _("manages the other unit")), ("managed_by", _("is managed by the other unit"))],
    )
    other = forms.CharField(label=_("other unit (unified social credit code)"), max_length=24)
    kind = forms.ChoiceField(label=_("kind"), choices=ManagementRelation.Kind.choices)
    basis = forms.CharField(label=_("basis (document)"), max_length=200, required=False)
    since = forms.DateField(label=_("since"), required=False, widget=_date_input())
    until = forms.DateField(label=_("until (last day)"), required=False, widget=_date_input())
