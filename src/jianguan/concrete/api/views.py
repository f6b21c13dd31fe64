"""The concrete API: presses upload their raw readings (signed device requests)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.concrete.custody import readings_ingest
from jianguan.core import errors
from jianguan.core.models import Device
from jianguan.core.signing import DeviceSignatureAuthentication, IsDevice, signing_device

NOT_A_PRESS = _("Device %(serial)s is not a compression testing machine.")
NO_READINGS = _('Send a list of readings: {"readings": [...]}.')
MAX_READINGS = 1000


class PressReadingsApi(APIView):
    """A press sends what it measured: chip id, peak load (kN), loading rate (MPa/s), test time,
    optionally the strength the lab software printed (compared with the one computed from the load)."""

    authentication_classes = [DeviceSignatureAuthentication]
    permission_classes = [IsDevice]

    class ReadingInput(serializers.Serializer[dict[str, Any]]):
        chip_id = serializers.CharField(max_length=32)
        peak_load_kn = serializers.DecimalField(max_digits=8, decimal_places=2)
        loading_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
        tested_at = serializers.DateTimeField()
        reported_strength = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        readings = serializers.ListField(child=serializers.DictField(), max_length=MAX_READINGS)

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        stored = serializers.IntegerField()
        duplicates = serializers.IntegerField()
        refused = serializers.ListField(child=serializers.DictField())

    @extend_schema(request=InputSerializer, responses=OutputSerializer, summary="Upload press readings (signed device)")
    def post(self, request: Request) -> Response:
        device = signing_device(request)
        if device.kind != Device.Kind.LAB_PRESS:
            raise errors.PermissionDenied(NOT_A_PRESS, code="not_a_press", serial=device.serial)
        data = request.data if isinstance(request.data, dict) else {}
        readings = data.get("readings")
        if not isinstance(readings, list) or len(readings) > MAX_READINGS:
            raise errors.ValidationFailed(NO_READINGS, code="readings_missing")
        return Response(self.OutputSerializer(readings_ingest(device=device, readings=readings)).data)
