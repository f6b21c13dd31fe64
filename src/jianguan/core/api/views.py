"""Core's API: who am I, jurisdictions, devices, the ledger, tokens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core import selectors, services
from jianguan.core.access import acting_user, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.core.ledger import ledger_entries_for, ledger_verify
from jianguan.core.models import Device, Jurisdiction
from jianguan.core.signing import DeviceSignatureAuthentication, IsDevice, signing_device


class LedgerEntryOutput(serializers.Serializer[Any]):
    seq = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor_label = serializers.CharField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    payload = serializers.JSONField(source="data")
    prev_hash = serializers.CharField()
    hash = serializers.CharField()


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token (the sign-in lockout applies)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField()

    @extend_schema(request=AuthTokenSerializer, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        username = serializers.CharField()
        real_name = serializers.CharField()
        kind = serializers.CharField()
        department = serializers.CharField(source="department.code", allow_null=True, default=None)
        jurisdiction = serializers.CharField(source="jurisdiction.code", allow_null=True, default=None)
        roles = serializers.SerializerMethodField()

        def get_roles(self, user: Any) -> list[str]:
            return sorted(group.name for group in user.groups.all())

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)


class JurisdictionListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer[Jurisdiction]):
        parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None)

        class Meta:
            model = Jurisdiction
            fields = ["code", "name", "level", "parent_code", "latitude", "longitude"]

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        queryset = selectors.jurisdiction_list(user=request.user).select_related("parent")
        return paginated_response(queryset=queryset, serializer_class=self.OutputSerializer, request=request, view=self)


class DeviceOutput(serializers.ModelSerializer[Device]):
    jurisdiction = serializers.CharField(source="jurisdiction.code")

    class Meta:
        model = Device
        fields = ["id", "serial", "kind", "protocol", "name", "jurisdiction", "status", "status_reason", "created_at"]


class DeviceListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=Device.Kind.choices, required=False)
        status = serializers.ChoiceField(choices=Device.Status.choices, required=False)
        jurisdiction = serializers.RegexField(r"^[0-9]{6}$", required=False)
        q = serializers.CharField(required=False, max_length=64)

    @extend_schema(parameters=[FilterSerializer], responses=DeviceOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.device_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=DeviceOutput, request=request, view=self)


class DeviceRegisterApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        serial = serializers.CharField(max_length=64)
        kind = serializers.ChoiceField(choices=Device.Kind.choices)
        protocol = serializers.ChoiceField(choices=Device.Protocol.choices)
        name = serializers.CharField(max_length=128)
        jurisdiction = serializers.RegexField(r"^[0-9]{6}$")

    class OutputSerializer(DeviceOutput):
        class Meta(DeviceOutput.Meta):
            fields = [*DeviceOutput.Meta.fields, "secret"]

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        require_permission(request.user, "core.add_device", action=_("register devices"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        jurisdiction = (
            selectors.jurisdiction_list(user=request.user).filter(code=data.validated_data["jurisdiction"]).first()
        )
        if jurisdiction is None:
            raise serializers.ValidationError({"jurisdiction": [_("Not a jurisdiction you manage.")]})
        device = services.device_register(
            actor=acting_user(request),
            serial=data.validated_data["serial"],
            kind=data.validated_data["kind"],
            protocol=data.validated_data["protocol"],
            name=data.validated_data["name"],
            jurisdiction=jurisdiction,
        )
        return Response(self.OutputSerializer(device).data, status=status.HTTP_201_CREATED)


class DeviceSelfApi(APIView):
    """For a device (signed request): its own registration. Integrators use it to test signing."""

    authentication_classes = [DeviceSignatureAuthentication]
    permission_classes = [IsDevice]

    @extend_schema(responses=DeviceOutput)
    def get(self, request: Request) -> Response:
        return Response(DeviceOutput(signing_device(request)).data)


class DeviceDetailApi(APIView):
    @extend_schema(responses=DeviceOutput)
    def get(self, request: Request, device_id: int) -> Response:
        device = selectors.access_device_by_id(request.user, device_id)
        return Response(DeviceOutput(device).data)


class _ReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=255)


class DeviceSuspendApi(APIView):
    @extend_schema(request=_ReasonInput, responses=DeviceOutput)
    def post(self, request: Request, device_id: int) -> Response:
        device = selectors.access_device_by_id(request.user, device_id)
        require_permission(request.user, "core.suspend_device", action=_("suspend devices"))
        data = _ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.device_suspend(
            actor=acting_user(request), device=device, reason=data.validated_data["reason"]
        )
        return Response(DeviceOutput(device).data)


class DeviceResumeApi(APIView):
    @extend_schema(request=_ReasonInput, responses=DeviceOutput)
    def post(self, request: Request, device_id: int) -> Response:
        device = selectors.access_device_by_id(request.user, device_id)
        require_permission(request.user, "core.suspend_device", action=_("resume devices"))
        data = _ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        device = services.device_resume(actor=acting_user(request), device=device, reason=reason)
        return Response(DeviceOutput(device).data)


class DeviceAuditApi(APIView):
    @extend_schema(responses=LedgerEntryOutput(many=True))
    def get(self, request: Request, device_id: int) -> Response:
        device = selectors.access_device_by_id(request.user, device_id)
        queryset = ledger_entries_for(device)
        return paginated_response(queryset=queryset, serializer_class=LedgerEntryOutput, request=request, view=self)


class LedgerListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        action = serializers.CharField(required=False, max_length=100)
        object_type = serializers.CharField(required=False, max_length=100)
        object_id = serializers.CharField(required=False, max_length=64)
        actor = serializers.CharField(required=False, max_length=128)

    @extend_schema(parameters=[FilterSerializer], responses=LedgerEntryOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.ledger_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=LedgerEntryOutput, request=request, view=self)


class LedgerVerifyApi(APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        ok = serializers.BooleanField()
        checked = serializers.IntegerField()
        head_seq = serializers.IntegerField()
        head_hash = serializers.CharField()
        broken_seq = serializers.IntegerField(allow_null=True)
        reason = serializers.CharField(allow_blank=True)
        anchors_checked = serializers.IntegerField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        require_permission(request.user, "core.verify_ledger", action=_("verify the ledger"))
        return Response(self.OutputSerializer(ledger_verify()).data)
