"""The attendance API: signed check-ins from hand-held terminals."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.attendance import services
from jianguan.core.signing import DeviceSignatureAuthentication, IsDevice, signing_device


class CheckInBatchApi(APIView):
    """For a hand-held terminal (signed request, see core.signing): one or more check-ins.

    Each record: ``pin``, ``time`` (ISO 8601; without an offset it is the device's local time,
    UTC+8), optional ``latitude``/``longitude`` (WGS-84), ``match_score`` (0–100), ``status``,
    ``verify`` and ``photo`` (a JPEG snapshot, Base64). The answer comes after the records are
    committed; sending the same record again (same PIN and time) stores nothing new. Records
    outside the geofence, with a low match score, of an unknown PIN or of a person not on the
    section's roster are stored and flagged (``flagged``: index → flags). A record that cannot be
    read is quarantined and named in ``rejected`` (index → reason, in English); the others are stored.
    """

    authentication_classes = [DeviceSignatureAuthentication]
    permission_classes = [IsDevice]

    class InputSerializer(serializers.Serializer[Any]):
        records = serializers.ListField(child=serializers.DictField(), max_length=services.MAX_SIGNED_BATCH)

    class OutputSerializer(serializers.Serializer[Any]):
        received = serializers.IntegerField()
        flagged = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
        rejected = serializers.DictField(child=serializers.CharField())

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        device = signing_device(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.signed_checkins_record(
            device=device, records=data.validated_data["records"], body=request._request.body
        )
        output = {
            "received": result.received,
            "flagged": {str(k): v for k, v in result.flagged.items()},
            "rejected": {str(k): v for k, v in result.rejected.items()},
        }
        return Response(self.OutputSerializer(output).data, status=status.HTTP_201_CREATED)
