"""Licensing API: submit with attachments, follow status and the rule's reasons, the staff work
queue and decisions, correction, permits and public verification, process versions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core import errors
from jianguan.core.access import acting_user, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.core.rules import rule_version_upload
from jianguan.licensing import selectors, services
from jianguan.licensing.models import Application, Permit, ProcessVersion
from jianguan.registry.models import BidSection, Enterprise, Person

FILE_PREFIX = "file_"
NOT_A_LICENSING_RULE = _("%(name)s is not a licensing rule; licensing rules are named licensing.<something>.")
DECLARED_NOT_OBJECT = _("declared must be a JSON object of the facts the applicant declares.")


class ApplicationOutput(serializers.ModelSerializer[Application]):
    applicant = serializers.CharField(source="applicant.uscc")
    applicant_name = serializers.CharField(source="applicant.name")
    bid_section = serializers.CharField(source="bid_section.code", allow_null=True, default=None)
    process_version = serializers.IntegerField(source="process.version")
    countdown = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    permit_number = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id", "number", "kind", "status", "title", "applicant", "applicant_name", "bid_section",
            "process_version", "step", "lane", "submitted_on", "time_limit", "suspended_days", "deadline",
            "countdown", "decision", "outcome_reason", "attachments", "permit_number",
        ]  # fmt: skip

    def get_countdown(self, obj: Application) -> dict[str, Any]:
        return selectors.countdown(obj)

    def get_attachments(self, obj: Application) -> list[dict[str, Any]]:
        return [
            {"material": a.material, "name": a.name, "kind": a.kind, "size": a.size, "sha256": a.sha256}
            for a in obj.attachments.all()
        ]

    def get_permit_number(self, obj: Application) -> str | None:
        permit = Permit.objects.filter(application=obj).first()
        return permit.number if permit else None


class PermitOutput(serializers.ModelSerializer[Permit]):
    holder = serializers.CharField(source="holder.name")
    application = serializers.CharField(source="application.number")

    class Meta:
        model = Permit
        fields = ["id", "number", "kind", "holder", "application", "issued_on", "start_by", "status", "status_reason"]


def _files(request: Request) -> dict[str, Any]:
    return {key[len(FILE_PREFIX) :]: f for key, f in request.FILES.items() if key.startswith(FILE_PREFIX)}


class ApplicationListApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=Application.Status.choices, required=False)
        kind = serializers.ChoiceField(choices=Application.Kind.choices, required=False)

    class InputSerializer(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=Application.Kind.choices)
        applicant = serializers.SlugRelatedField(slug_field="uscc", queryset=Enterprise.objects.all())
        bid_section = serializers.SlugRelatedField(
            slug_field="code", queryset=BidSection.objects.all(), required=False, allow_null=True
        )
        person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
        declared = serializers.JSONField(required=False, binary=True, default=dict)
        title = serializers.CharField(required=False, max_length=255, default="")
        client_key = serializers.CharField(required=False, max_length=64, default="")

    @extend_schema(parameters=[FilterSerializer], responses=ApplicationOutput(many=True))
    def get(self, request: Request) -> Response:
        if getattr(request.user, "kind", "") != "enterprise":
            require_permission(request.user, "licensing.view_application", action=_("see licence applications"))
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.application_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=ApplicationOutput, request=request, view=self)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: ApplicationOutput, 200: ApplicationOutput},
        description="Attach each material as a file field named file_<material>, e.g. file_contract.",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not isinstance(values["declared"], dict):
            raise errors.ValidationFailed(DECLARED_NOT_OBJECT, code="declared_not_object")
        application, created = services.application_submit(
            actor=acting_user(request),
            kind=values["kind"],
            applicant=values["applicant"],
            bid_section=values.get("bid_section"),
            person=values.get("person"),
            declared=values["declared"],
            files=_files(request),
            title=values["title"],
            client_key=values["client_key"],
        )
        return Response(
            ApplicationOutput(application).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ApplicationDetailApi(APIView):
    @extend_schema(responses=ApplicationOutput)
    def get(self, request: Request, application_id: int) -> Response:
        return Response(ApplicationOutput(selectors.access_application_by_id(request.user, application_id)).data)


class QueueApi(APIView):
    @extend_schema(responses=ApplicationOutput(many=True))
    def get(self, request: Request) -> Response:
        require_permission(request.user, "licensing.view_application", action=_("see the licensing work queue"))
        queryset = selectors.work_queue(user=request.user)
        return paginated_response(queryset=queryset, serializer_class=ApplicationOutput, request=request, view=self)


class ClaimApi(APIView):
    @extend_schema(request=None, responses=ApplicationOutput)
    def post(self, request: Request, application_id: int) -> Response:
        application = selectors.access_application_by_id(request.user, application_id)
        claimed = services.task_claim(actor=acting_user(request), application=application)
        return Response(ApplicationOutput(claimed).data)


class DecideApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        step = serializers.CharField(max_length=64)
        decision = serializers.ChoiceField(choices=["accept", "correct", "return", "reject"])
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=ApplicationOutput)
    def post(self, request: Request, application_id: int) -> Response:
        application = selectors.access_application_by_id(request.user, application_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.task_complete(actor=acting_user(request), application=application, **data.validated_data)
        return Response(ApplicationOutput(done).data)


class ResubmitApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer[Any]):
        declared = serializers.JSONField(required=False, binary=True, default=dict)

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses=ApplicationOutput)
    def post(self, request: Request, application_id: int) -> Response:
        application = selectors.access_application_by_id(request.user, application_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not isinstance(data.validated_data["declared"], dict):
            raise errors.ValidationFailed(DECLARED_NOT_OBJECT, code="declared_not_object")
        done = services.application_resubmit(
            actor=acting_user(request),
            application=application,
            declared=data.validated_data["declared"],
            files=_files(request),
        )
        return Response(ApplicationOutput(done).data)


class PermitListApi(APIView):
    @extend_schema(responses=PermitOutput(many=True))
    def get(self, request: Request) -> Response:
        require_permission(request.user, "licensing.view_permit", action=_("see permits"))
        queryset = selectors.permit_list(user=request.user)
        return paginated_response(queryset=queryset, serializer_class=PermitOutput, request=request, view=self)


class PermitRevokeApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(max_length=1000)

    @extend_schema(request=InputSerializer, responses=PermitOutput)
    def post(self, request: Request, permit_id: int) -> Response:
        permit = selectors.access_permit_by_id(request.user, permit_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.permit_revoke(actor=acting_user(request), permit=permit, reason=data.validated_data["reason"])
        return Response(PermitOutput(done).data)


class VerifyApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer[Any]):
        verdict = serializers.ChoiceField(choices=["genuine", "tampered", "unknown"])
        valid = serializers.BooleanField()
        number = serializers.CharField(allow_null=True)
        holder = serializers.CharField(allow_null=True)
        project = serializers.CharField(allow_null=True)
        issued_on = serializers.DateField(allow_null=True)
        status = serializers.CharField(allow_null=True)

    @extend_schema(responses={200: OutputSerializer, 404: OutputSerializer})
    def get(self, request: Request, token: str) -> Response:
        permit, verdict = services.permit_from_token(token)
        body = {
            "verdict": verdict,
            "valid": bool(permit and permit.status == Permit.Status.VALID),
            "number": permit.number if permit else None,
            "holder": permit.holder.name if permit else None,
            "project": permit.application.title if permit else None,
            "issued_on": permit.issued_on if permit else None,
            "status": permit.status if permit else None,
        }
        return Response(self.OutputSerializer(body).data, status=200 if permit else 404)


class ProcessVersionApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer[Any]):
        bpmn = serializers.CharField(max_length=2_000_000)
        note = serializers.CharField(max_length=255, required=False, default="")

    class OutputSerializer(serializers.ModelSerializer[ProcessVersion]):
        class Meta:
            model = ProcessVersion
            fields = ["key", "version", "sha256", "source", "note", "created_at"]

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, key: str) -> Response:
        require_permission(request.user, "licensing.manage_processes", action=_("upload process versions"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.process_version_upload(
            actor=acting_user(request), key=key, content=data.validated_data["bpmn"], note=data.validated_data["note"]
        )
        return Response(self.OutputSerializer(version).data, status=status.HTTP_201_CREATED)


class RuleVersionApi(APIView):
    """A new version of one of licensing's JDM rules (``licensing.*``), validated first (JSON, graph
    shape, zen-engine compiles it, its embedded test cases pass). Running applications keep the
    version they were first checked with; new applications use the new one."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer[Any]):
        content = serializers.CharField(max_length=2_000_000)
        note = serializers.CharField(max_length=255, required=False, default="")

    class OutputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField()
        version = serializers.IntegerField()
        sha256 = serializers.CharField()
        note = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, name: str) -> Response:
        require_permission(request.user, "licensing.manage_processes", action=_("upload rule versions"))
        if not name.startswith("licensing."):
            raise errors.NotFound(NOT_A_LICENSING_RULE, code="rule_not_licensing", name=name)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = rule_version_upload(
            actor=acting_user(request),
            name=name,
            content=data.validated_data["content"],
            note=data.validated_data["note"],
        )
        body = {"name": rule.name, "version": rule.version, "sha256": rule.sha256, "note": rule.note}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)
