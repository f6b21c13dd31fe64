"""The fee's API: the city's fee files (sortable by discount rate), a project's fee with its areas at
the three bases, the writes (areas, assessment, relief, payment, recalculation), statistics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core import errors
from jianguan.core.access import acting_user, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.fees import selectors, services
from jianguan.fees.models import Assessment, Basis, FeeFile, Flag, Payment, Relief, Use
from jianguan.registry.models import BidSection

ASSESS = "fees.assess_fee"


class FileOutput(serializers.ModelSerializer[FeeFile]):
    project_id = serializers.IntegerField()
    project_code = serializers.CharField(source="project.code")
    project_name = serializers.CharField(source="project.name")
    jurisdiction = serializers.CharField(source="jurisdiction.code")

    class Meta:
        model = FeeFile
        fields = [
            "project_id",
            "project_code",
            "project_name",
            "jurisdiction",
            "use",
            "zone",
            "standard",
            "relieved",
            "due",
            "paid",
            "discount_rate",
            "status",
            "settled_on",
            "open_flags",
        ]


class FeeFileListApi(APIView):
    """Fee files in the caller's jurisdictions; ``order=-discount`` (default) lists the most discounted first."""

    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(required=False, max_length=100)
        jurisdiction = serializers.CharField(required=False, max_length=12)
        use = serializers.ChoiceField(choices=Use.choices, required=False)
        status = serializers.ChoiceField(choices=FeeFile.Status.choices, required=False)
        flagged = serializers.BooleanField(required=False)
        order = serializers.ChoiceField(choices=list(selectors.ORDERINGS), required=False)

    @extend_schema(parameters=[FilterSerializer], responses=FileOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        files = selectors.fee_file_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=files, serializer_class=FileOutput, request=request, view=self)


class AreaOutput(serializers.Serializer[Any]):
    basis = serializers.CharField()
    basis_label = serializers.CharField(source="label")
    above_ground = serializers.DecimalField(
        source="area.above_ground", max_digits=12, decimal_places=2, allow_null=True
    )
    below_ground = serializers.DecimalField(
        source="area.below_ground", max_digits=12, decimal_places=2, allow_null=True
    )
    civil_air_defence = serializers.DecimalField(
        source="area.civil_air_defence", max_digits=12, decimal_places=2, allow_null=True
    )
    levied = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    delta = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    documents = serializers.ListField(child=serializers.CharField())


class AssessmentOutput(serializers.ModelSerializer[Assessment]):
    class Meta:
        model = Assessment
        fields = [
            "number",
            "kind",
            "basis",
            "use",
            "zone",
            "rate_day",
            "basis_area",
            "rate",
            "schedule",
            "standard",
            "relieved",
            "due",
            "supplementary",
            "assessed_on",
            "decision",
        ]


class ReliefOutput(serializers.ModelSerializer[Relief]):
    class Meta:
        model = Relief
        fields = [
            "code",
            "exemption",
            "amount_factor",
            "policy_factor",
            "policy",
            "document",
            "reason",
            "status",
            "granted_on",
            "granted_by_label",
            "decision",
        ]


class PaymentOutput(serializers.ModelSerializer[Payment]):
    class Meta:
        model = Payment
        fields = ["receipt", "amount", "paid_on"]


class FlagOutput(serializers.ModelSerializer[Flag]):
    class Meta:
        model = Flag
        fields = ["kind", "params", "raised_on", "resolved_on"]


class FlagMessageOutput(FlagOutput):
    message = serializers.CharField()

    class Meta(FlagOutput.Meta):
        fields = [*FlagOutput.Meta.fields, "message"]


class ProjectFeeOutput(serializers.Serializer[Any]):
    project_id = serializers.IntegerField(source="project.pk")
    project_code = serializers.CharField(source="project.code")
    file = FileOutput(allow_null=True)
    areas = AreaOutput(many=True)
    assessments = AssessmentOutput(many=True)
    relief = ReliefOutput(allow_null=True)
    payments = PaymentOutput(many=True)
    flags = serializers.SerializerMethodField()

    @extend_schema_field(FlagMessageOutput(many=True))
    def get_flags(self, view: selectors.ProjectFee) -> list[dict[str, Any]]:
        return [{**FlagOutput(flag).data, "message": message} for flag, message in view.flags]


def _project_fee(request: Request, project_id: int) -> Response:
    project = selectors.access_fee_project_by_id(request.user, project_id)
    return Response(ProjectFeeOutput(selectors.project_fee(user=request.user, project=project)).data)


class ProjectFeeApi(APIView):
    """A project's fee: areas at planning permit, construction permit and completion survey (with the
    change against the planning permit), assessments with their rule decisions, relief, payments, flags."""

    @extend_schema(responses=ProjectFeeOutput)
    def get(self, request: Request, project_id: int) -> Response:
        return _project_fee(request, project_id)


class AreaRecordApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        basis = serializers.ChoiceField(choices=Basis.choices)
        bid_section = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
        above_ground = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
        below_ground = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=Decimal("0"))
        civil_air_defence = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=Decimal("0"))
        measured_on = serializers.DateField()
        document = serializers.CharField(max_length=64)

    @extend_schema(request=InputSerializer, responses={201: ProjectFeeOutput})
    def post(self, request: Request, project_id: int) -> Response:
        project = selectors.access_fee_project_by_id(request.user, project_id)
        require_permission(request.user, ASSESS, action=_("keep supporting fees"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        section = None
        if values.get("bid_section"):
            section = BidSection.objects.filter(pk=values["bid_section"]).first()
            if section is None:
                raise errors.NotFound(what=_("Bid section"), id=values["bid_section"])
        services.area_record(
            actor=acting_user(request),
            project=project,
            basis=values["basis"],
            above_ground=values["above_ground"],
            below_ground=values["below_ground"],
            civil_air_defence=values["civil_air_defence"],
            measured_on=values["measured_on"],
            document=values["document"],
            bid_section=section,
        )
        response = _project_fee(request, project_id)
        response.status_code = status.HTTP_201_CREATED
        return response


class AssessApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        use = serializers.ChoiceField(choices=Use.choices, required=False)
        on = serializers.DateField(required=False)

    @extend_schema(request=InputSerializer, responses={201: ProjectFeeOutput})
    def post(self, request: Request, project_id: int) -> Response:
        project = selectors.access_fee_project_by_id(request.user, project_id)
        require_permission(request.user, ASSESS, action=_("keep supporting fees"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_make(
            actor=acting_user(request),
            project=project,
            use=data.validated_data.get("use", ""),
            on=data.validated_data.get("on"),
        )
        response = _project_fee(request, project_id)
        response.status_code = status.HTTP_201_CREATED
        return response


class ReliefGrantApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        code = serializers.CharField(max_length=32)
        share = serializers.DecimalField(max_digits=5, decimal_places=4, required=False, allow_null=True)
        document = serializers.CharField(max_length=255)
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        on = serializers.DateField(required=False)

    @extend_schema(request=InputSerializer, responses={201: ProjectFeeOutput})
    def post(self, request: Request, project_id: int) -> Response:
        project = selectors.access_fee_project_by_id(request.user, project_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.relief_grant(
            actor=acting_user(request),
            project=project,
            code=values["code"],
            share=values.get("share"),
            document=values["document"],
            reason=values.get("reason", ""),
            on=values.get("on"),
        )
        response = _project_fee(request, project_id)
        response.status_code = status.HTTP_201_CREATED
        return response


class PaymentRecordApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        paid_on = serializers.DateField()
        receipt = serializers.CharField(max_length=64)

    @extend_schema(request=InputSerializer, responses={201: ProjectFeeOutput})
    def post(self, request: Request, project_id: int) -> Response:
        project = selectors.access_fee_project_by_id(request.user, project_id)
        require_permission(request.user, ASSESS, action=_("keep supporting fees"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.payment_record(actor=acting_user(request), project=project, **data.validated_data)
        response = _project_fee(request, project_id)
        response.status_code = status.HTTP_201_CREATED
        return response


class RecalculateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        on = serializers.DateField(required=False)

    @extend_schema(request=InputSerializer, responses={201: ProjectFeeOutput})
    def post(self, request: Request, project_id: int) -> Response:
        project = selectors.access_fee_project_by_id(request.user, project_id)
        require_permission(request.user, ASSESS, action=_("keep supporting fees"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_recalculate(actor=acting_user(request), project=project, on=data.validated_data.get("on"))
        response = _project_fee(request, project_id)
        response.status_code = status.HTTP_201_CREATED
        return response


class StatisticsOutput(serializers.Serializer[Any]):
    by_district = serializers.ListField(child=serializers.DictField())
    by_use = serializers.ListField(child=serializers.DictField())
    by_approver = serializers.ListField(child=serializers.DictField())


class StatisticsApi(APIView):
    """Per district, per use and per approver (reliefs granted, how many, worth how much, flagged)."""

    @extend_schema(responses=StatisticsOutput)
    def get(self, request: Request) -> Response:
        stats = selectors.statistics(user=request.user)
        clean = {
            name: [{k: (str(v) if not isinstance(v, int | str) else v) for k, v in row.items()} for row in rows]
            for name, rows in stats.items()
        }
        return Response(StatisticsOutput(clean).data)
