"""The base registry's API: search and detail of enterprises, people (masked unless the caller
may see personal data), projects and bid sections, and the main writes through the services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core import errors
from jianguan.core.access import acting_user, can_see_personal_data, mask_id_number, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.registry import selectors, services
from jianguan.registry.domain import CLASSES
from jianguan.registry.models import (
    BidSection,
    Enterprise,
    KeyPerson,
    ManagementRelation,
    Participant,
    PermittedWork,
    Person,
    Project,
    Qualification,
    Registration,
    SafetyLicence,
    Shareholding,
    UnitProject,
)

NO_ENTERPRISE = _("There is no enterprise with the unified social credit code %(uscc)s.")
NO_PERSON = _("There is no person with the resident ID number %(number)s.")

DIVISION = r"^[0-9]{6}$"


def _enterprise(code: str, field: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(uscc=code.strip().upper()).first()
    if enterprise is None:
        raise errors.ValidationFailed(NO_ENTERPRISE, code="enterprise_unknown", extra={"field": field}, uscc=code)
    return enterprise


def _person(number: str, field: str) -> Person:
    person = Person.objects.filter(id_number=number.strip().upper()).first()
    if person is None:
        # the number is not echoed: it is personal data
        raise errors.ValidationFailed(NO_PERSON, code="person_unknown", extra={"field": field}, number="***")
    return person


# --- output --------------------------------------------------------------------------------


class QualificationOutput(serializers.ModelSerializer[Qualification]):
    display = serializers.CharField(source="__str__")

    class Meta:
        model = Qualification
        fields = ["id", "category", "klass", "grade", "legacy_grade", "display", "number", "issuer"]
        fields += ["valid_from", "valid_until", "status"]


class SafetyLicenceOutput(serializers.ModelSerializer[SafetyLicence]):
    class Meta:
        model = SafetyLicence
        fields = ["id", "number", "issuer", "valid_from", "valid_until", "status"]


class ShareholdingOutput(serializers.ModelSerializer[Shareholding]):
    """A shareholding; a person shareholder is named and linked by id, never by ID number."""

    enterprise = serializers.CharField(source="enterprise.uscc")
    enterprise_name = serializers.CharField(source="enterprise.name")
    holder_type = serializers.SerializerMethodField()
    holder_uscc = serializers.CharField(source="holder_enterprise.uscc", default=None, allow_null=True)
    holder_name = serializers.CharField()
    controlling = serializers.SerializerMethodField()

    class Meta:
        model = Shareholding
        fields = ["id", "enterprise", "enterprise_name", "holder_type", "holder_uscc", "holder_person"]
        fields += ["holder_name", "share", "since", "until", "controlling", "source"]

    def get_holder_type(self, obj: Shareholding) -> str:
        return "enterprise" if obj.holder_enterprise_id else "person"

    def get_controlling(self, obj: Shareholding) -> bool:
        return obj.share > 50


class ManagementOutput(serializers.ModelSerializer[ManagementRelation]):
    manager = serializers.CharField(source="manager.uscc")
    manager_name = serializers.CharField(source="manager.name")
    managed = serializers.CharField(source="managed.uscc")
    managed_name = serializers.CharField(source="managed.name")

    class Meta:
        model = ManagementRelation
        fields = ["id", "manager", "manager_name", "managed", "managed_name", "kind", "basis", "since", "until"]
        fields += ["source"]


class EnterpriseOutput(serializers.ModelSerializer[Enterprise]):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    legal_representative_id_number = serializers.SerializerMethodField(
        help_text="masked unless the caller may see personal data; '' when not on record"
    )

    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name", "kind", "legal_representative", "legal_representative_id_number"]
        fields += ["registered_capital", "address", "jurisdiction", "phone", "status", "source"]
        fields += ["created_at", "updated_at"]

    def get_legal_representative_id_number(self, obj: Enterprise) -> str:
        request = self.context.get("request")
        number = obj.legal_representative_id_number
        if not number or (request is not None and can_see_personal_data(request.user)):
            return number
        return mask_id_number(number)


class EnterpriseDetailOutput(EnterpriseOutput):
    qualifications = QualificationOutput(many=True, read_only=True)
    safety_licence = serializers.SerializerMethodField()
    registered_people = serializers.SerializerMethodField()
    shareholders = ShareholdingOutput(many=True, read_only=True)
    holdings = ShareholdingOutput(many=True, read_only=True)
    manages = ManagementOutput(many=True, read_only=True)
    managed_by = ManagementOutput(many=True, read_only=True)

    class Meta(EnterpriseOutput.Meta):
        fields = [*EnterpriseOutput.Meta.fields, "qualifications", "safety_licence", "registered_people"]
        fields += ["shareholders", "holdings", "manages", "managed_by"]

    @extend_schema(responses=SafetyLicenceOutput(allow_null=True))
    def get_safety_licence(self, obj: Enterprise) -> dict[str, Any] | None:
        licence = SafetyLicence.objects.filter(enterprise=obj).first()
        return SafetyLicenceOutput(licence).data if licence else None

    def get_registered_people(self, obj: Enterprise) -> int:
        return Person.objects.filter(enterprise=obj).count()


class PersonOutput(serializers.Serializer[Any]):
    """A person as the caller may see them (``selectors.person_display``)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    gender = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    enterprise = serializers.CharField()
    masked = serializers.BooleanField()


class RegistrationOutput(serializers.ModelSerializer[Registration]):
    enterprise = serializers.CharField(source="enterprise.uscc")
    enterprise_name = serializers.CharField(source="enterprise.name")

    class Meta:
        model = Registration
        fields = ["id", "kind", "specialty", "number", "issuer", "valid_from", "valid_until", "status"]
        fields += ["enterprise", "enterprise_name"]


class KeyPersonOutput(serializers.ModelSerializer[KeyPerson]):
    person_name = serializers.CharField(source="person.name")
    enterprise = serializers.CharField(source="enterprise.uscc")
    bid_section = serializers.CharField(source="bid_section.code")

    class Meta:
        model = KeyPerson
        fields = ["id", "bid_section", "role", "person", "person_name", "enterprise", "started_on", "ended_on"]


class ProjectOutput(serializers.ModelSerializer[Project]):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    owner = serializers.CharField(source="owner.uscc")
    owner_name = serializers.CharField(source="owner.name")

    class Meta:
        model = Project
        fields = ["id", "code", "name", "owner", "owner_name", "jurisdiction", "address", "latitude", "longitude"]
        fields += ["investment", "floor_area", "category", "function", "structure", "registered_on", "status"]


class UnitProjectOutput(serializers.ModelSerializer[UnitProject]):
    class Meta:
        model = UnitProject
        fields = ["id", "code", "name", "floor_area", "above_ground_floors", "below_ground_floors", "structure"]


class ParticipantOutput(serializers.ModelSerializer[Participant]):
    enterprise = serializers.CharField(source="enterprise.uscc")
    enterprise_name = serializers.CharField(source="enterprise.name")

    class Meta:
        model = Participant
        fields = ["role", "enterprise", "enterprise_name", "since"]


class PermittedWorkOutput(serializers.ModelSerializer[PermittedWork]):
    class Meta:
        model = PermittedWork
        fields = ["permit_number", "name", "specialty", "issued_on", "floor_area", "contract_price"]


class BidSectionOutput(serializers.ModelSerializer[BidSection]):
    project = serializers.CharField(source="project.code")
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    units = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)  # type: ignore[var-annotated]
    participants = ParticipantOutput(many=True, read_only=True)
    key_people = serializers.SerializerMethodField()
    permitted_works = PermittedWorkOutput(many=True, read_only=True)

    class Meta:
        model = BidSection
        fields = ["id", "code", "name", "project", "jurisdiction", "contract_price", "status", "units"]
        fields += ["participants", "key_people", "permitted_works"]

    @extend_schema(responses=KeyPersonOutput(many=True))
    def get_key_people(self, obj: BidSection) -> list[dict[str, Any]]:
        posts = [post for post in obj.key_people.all() if post.ended_on is None]
        return list(KeyPersonOutput(posts, many=True).data)


class ProjectDetailOutput(ProjectOutput):
    units = UnitProjectOutput(many=True, read_only=True)
    bid_sections = BidSectionOutput(many=True, read_only=True)

    class Meta(ProjectOutput.Meta):
        fields = [*ProjectOutput.Meta.fields, "units", "bid_sections"]


_SECTION_PREFETCH = ("units", "participants__enterprise", "key_people__person", "key_people__enterprise")


# --- enterprises ---------------------------------------------------------------------------


class EnterpriseListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(required=False, max_length=100)
        kind = serializers.ChoiceField(choices=Enterprise.Kind.choices, required=False)
        status = serializers.ChoiceField(choices=Enterprise.Status.choices, required=False)
        jurisdiction = serializers.RegexField(DIVISION, required=False)

    class InputSerializer(serializers.Serializer[Any]):
        uscc = serializers.CharField(max_length=24)
        name = serializers.CharField(max_length=128)
        kind = serializers.ChoiceField(choices=Enterprise.Kind.choices)
        legal_representative = serializers.CharField(max_length=64)
        legal_representative_id_number = serializers.CharField(max_length=24, required=False, allow_blank=True)
        registered_capital = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
        )
        jurisdiction = serializers.RegexField(DIVISION)
        address = serializers.CharField(max_length=255, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True)

    @extend_schema(parameters=[FilterSerializer], responses=EnterpriseOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.enterprise_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=EnterpriseOutput, request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: EnterpriseDetailOutput})
    def post(self, request: Request) -> Response:
        require_permission(request.user, "registry.add_enterprise", action=_("register enterprises"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(actor=acting_user(request), data=dict(data.validated_data))
        return Response(
            EnterpriseDetailOutput(enterprise, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class EnterpriseDetailApi(APIView):
    @extend_schema(responses=EnterpriseDetailOutput)
    def get(self, request: Request, enterprise_id: int) -> Response:
        enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
        return Response(EnterpriseDetailOutput(enterprise, context={"request": request}).data)


class _PeriodInput(serializers.Serializer[Any]):
    since = serializers.DateField(required=False, allow_null=True)
    until = serializers.DateField(required=False, allow_null=True, help_text="the last day (empty: still in force)")


class ShareholdingAddApi(APIView):
    class InputSerializer(_PeriodInput):
        holder_uscc = serializers.CharField(
            max_length=24, required=False, allow_blank=True, help_text="a shareholder enterprise's credit code"
        )
        holder_id_number = serializers.CharField(
            max_length=24, required=False, allow_blank=True, help_text="a shareholder person's resident ID number"
        )
        holder_name = serializers.CharField(
            max_length=64, required=False, allow_blank=True, help_text="to register a person not yet on record"
        )
        share = serializers.DecimalField(max_digits=7, decimal_places=4, help_text="per cent, more than 0, at most 100")

    @extend_schema(request=InputSerializer, responses={201: ShareholdingOutput})
    def post(self, request: Request, enterprise_id: int) -> Response:
        enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
        require_permission(request.user, "registry.change_enterprise", action=_("record shareholders"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        actor = acting_user(request)
        uscc, number = values.pop("holder_uscc", ""), values.pop("holder_id_number", "")
        name = values.pop("holder_name", "")
        if bool(uscc) == bool(number):
            raise errors.ValidationFailed(services.HOLDER_ONE, code="shareholder_one", extra={"field": "holder_uscc"})
        if uscc:
            values["holder_enterprise"] = _enterprise(uscc, "holder_uscc")
        else:
            values["holder_person"] = services.shareholder_person(actor=actor, id_number=number, name=name)
        holding, outcome = services.shareholding_upsert(actor=actor, enterprise=enterprise, data=values)
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(ShareholdingOutput(holding).data, status=code)


class ManagementAddApi(APIView):
    class InputSerializer(_PeriodInput):
        other = serializers.CharField(max_length=24, help_text="the other unit's unified social credit code")
        direction = serializers.ChoiceField(
            choices=[("manages", "this enterprise manages the other"), ("managed_by", "the other manages this one")]
        )
        kind = serializers.ChoiceField(choices=ManagementRelation.Kind.choices)
        basis = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: ManagementOutput})
    def post(self, request: Request, enterprise_id: int) -> Response:
        enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
        require_permission(request.user, "registry.change_enterprise", action=_("record management relationships"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        other = _enterprise(values.pop("other"), "other")
        manager, managed = (enterprise, other) if values.pop("direction") == "manages" else (other, enterprise)
        relation, outcome = services.management_upsert(
            actor=acting_user(request), manager=manager, managed=managed, data=values
        )
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(ManagementOutput(relation).data, status=code)


class _CertificateInput(serializers.Serializer[Any]):
    number = serializers.CharField(max_length=64)
    issuer = serializers.CharField(max_length=128)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField()


class QualificationAddApi(APIView):
    class InputSerializer(_CertificateInput):
        category = serializers.ChoiceField(choices=list(CLASSES))
        klass = serializers.CharField(max_length=32)
        grade = serializers.CharField(max_length=8, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: QualificationOutput})
    def post(self, request: Request, enterprise_id: int) -> Response:
        enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
        require_permission(request.user, "registry.change_qualification", action=_("record qualifications"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        qualification, outcome = services.qualification_upsert(
            actor=acting_user(request), enterprise=enterprise, data=dict(data.validated_data)
        )
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(QualificationOutput(qualification).data, status=code)


class SafetyLicenceApi(APIView):
    @extend_schema(request=_CertificateInput, responses={201: SafetyLicenceOutput})
    def post(self, request: Request, enterprise_id: int) -> Response:
        enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
        require_permission(request.user, "registry.change_safetylicence", action=_("record safety licences"))
        data = _CertificateInput(data=request.data)
        data.is_valid(raise_exception=True)
        licence, outcome = services.safety_licence_upsert(
            actor=acting_user(request), enterprise=enterprise, data=dict(data.validated_data)
        )
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(SafetyLicenceOutput(licence).data, status=code)


# --- people --------------------------------------------------------------------------------


class PersonListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(required=False, max_length=64)
        enterprise = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    class InputSerializer(serializers.Serializer[Any]):
        id_number = serializers.CharField(max_length=24)
        name = serializers.CharField(max_length=64)
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True)

    @extend_schema(parameters=[FilterSerializer], responses=PersonOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.person_list(user=request.user, filters=filters.validated_data)
        user = request.user

        class Masked(PersonOutput):
            def to_representation(self, instance: Person) -> Any:
                return super().to_representation(selectors.person_display(user, instance))

        return paginated_response(queryset=queryset, serializer_class=Masked, request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: PersonOutput})
    def post(self, request: Request) -> Response:
        require_permission(request.user, "registry.add_person", action=_("register people"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.person_create(actor=acting_user(request), data=dict(data.validated_data))
        return Response(
            PersonOutput(selectors.person_display(request.user, person)).data, status=status.HTTP_201_CREATED
        )


class PersonDetailApi(APIView):
    class OutputSerializer(PersonOutput):
        registrations = RegistrationOutput(many=True)
        key_posts = KeyPersonOutput(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, person_id: int) -> Response:
        person = selectors.access_person_by_id(request.user, person_id)
        view = selectors.person_display(request.user, person)
        data = {
            **view.__dict__,
            "registrations": person.registrations.select_related("enterprise"),
            "key_posts": person.key_posts.select_related("person", "enterprise", "bid_section"),
        }
        return Response(self.OutputSerializer(data).data)


class RegistrationAddApi(APIView):
    class InputSerializer(_CertificateInput):
        kind = serializers.ChoiceField(choices=Registration.Kind.choices)
        specialty = serializers.CharField(max_length=32, required=False, allow_blank=True)
        enterprise = serializers.CharField(max_length=24, help_text="unified social credit code")

    @extend_schema(request=InputSerializer, responses={201: RegistrationOutput})
    def post(self, request: Request, person_id: int) -> Response:
        person = selectors.access_person_by_id(request.user, person_id)
        require_permission(request.user, "registry.change_registration", action=_("record registrations"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enterprise = _enterprise(values.pop("enterprise"), "enterprise")
        registration, outcome = services.registration_upsert(
            actor=acting_user(request), person=person, enterprise=enterprise, data=values
        )
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(RegistrationOutput(registration).data, status=code)


# --- projects ------------------------------------------------------------------------------


class ProjectListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(required=False, max_length=100)
        status = serializers.ChoiceField(choices=Project.Status.choices, required=False)
        category = serializers.ChoiceField(choices=Project.Category.choices, required=False)
        function = serializers.ChoiceField(choices=Project.Function.choices, required=False)
        jurisdiction = serializers.RegexField(DIVISION, required=False)
        owner = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=200)
        owner = serializers.CharField(max_length=24, help_text="unified social credit code of the owner")
        jurisdiction = serializers.RegexField(DIVISION)
        address = serializers.CharField(max_length=255)
        latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
        longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
        investment = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
        floor_area = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
        category = serializers.ChoiceField(choices=Project.Category.choices)
        function = serializers.ChoiceField(choices=Project.Function.choices)
        structure = serializers.ChoiceField(choices=Project.Structure.choices, required=False, allow_blank=True)
        code = serializers.RegexField(r"^[0-9]{16}$", required=False)

    @extend_schema(parameters=[FilterSerializer], responses=ProjectOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.project_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=ProjectOutput, request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: ProjectDetailOutput})
    def post(self, request: Request) -> Response:
        require_permission(request.user, "registry.add_project", action=_("register projects"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        owner = _enterprise(values.pop("owner"), "owner")
        project = services.project_register(actor=acting_user(request), owner=owner, data=values)
        return Response(ProjectDetailOutput(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectDetailOutput)
    def get(self, request: Request, project_id: int) -> Response:
        project = selectors.access_project_by_id(request.user, project_id)
        return Response(ProjectDetailOutput(project).data)


class BidSectionAddApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=200)
        contract_price = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
        )
        units = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=200)

    @extend_schema(request=InputSerializer, responses={201: BidSectionOutput})
    def post(self, request: Request, project_id: int) -> Response:
        project = selectors.access_project_by_id(request.user, project_id)
        require_permission(request.user, "registry.change_project", action=_("add bid sections"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        codes = values.pop("units", [])
        units = list(UnitProject.objects.filter(project=project, code__in=codes))
        if len(units) != len(set(codes)):
            raise errors.ValidationFailed(
                services.NOT_YOUR_PROJECT, code="unit_other_project", unit=", ".join(sorted(set(codes)))
            )
        section = services.bid_section_add(actor=acting_user(request), project=project, data=values, units=units)
        return Response(BidSectionOutput(section).data, status=status.HTTP_201_CREATED)


class BidSectionListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=BidSection.Status.choices, required=False)
        project = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
        enterprise = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    @extend_schema(parameters=[FilterSerializer], responses=BidSectionOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.bid_section_list(user=request.user, filters=filters.validated_data).prefetch_related(
            *_SECTION_PREFETCH, "permitted_works"
        )
        return paginated_response(queryset=queryset, serializer_class=BidSectionOutput, request=request, view=self)


class BidSectionDetailApi(APIView):
    @extend_schema(responses=BidSectionOutput)
    def get(self, request: Request, section_id: int) -> Response:
        return Response(BidSectionOutput(selectors.access_bid_section_by_id(request.user, section_id)).data)


class ParticipantSetApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        role = serializers.ChoiceField(choices=Participant.Role.choices)
        enterprise = serializers.CharField(max_length=24, help_text="unified social credit code")

    @extend_schema(request=InputSerializer, responses=BidSectionOutput)
    def post(self, request: Request, section_id: int) -> Response:
        section = selectors.access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, "registry.change_bidsection", action=_("name participants"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = _enterprise(data.validated_data["enterprise"], "enterprise")
        services.participant_set(
            actor=acting_user(request), section=section, role=data.validated_data["role"], enterprise=enterprise
        )
        return Response(BidSectionOutput(selectors.access_bid_section_by_id(request.user, section_id)).data)


class KeyPersonAssignApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        role = serializers.ChoiceField(choices=KeyPerson.Role.choices)
        person = serializers.CharField(max_length=24, help_text="resident ID number")
        started_on = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: KeyPersonOutput})
    def post(self, request: Request, section_id: int) -> Response:
        section = selectors.access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, "registry.change_keyperson", action=_("assign key people"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = _person(data.validated_data["person"], "person")
        post = services.key_person_assign(
            actor=acting_user(request),
            section=section,
            role=data.validated_data["role"],
            person=person,
            started_on=data.validated_data.get("started_on"),
        )
        return Response(KeyPersonOutput(post).data, status=status.HTTP_201_CREATED)
