"""The lake's API: batch upload from devices (signed requests) and systems (token, permission
``lake.ingest_lake``), and the tables' status."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core import errors
from jianguan.core.access import require_permission
from jianguan.core.models import Device
from jianguan.core.signing import DeviceSignatureAuthentication
from jianguan.lake.ingest import IngestError, ingest_body, known_devices
from jianguan.lake.schemas import DATA_TYPES, DEVICE_KIND_TYPES

UNKNOWN_TYPE = _("There is no data type %(name)s in the lake.")
UNKNOWN_FORMAT = _("Send the batch as text/csv, application/x-ndjson or application/vnd.apache.parquet, not %(type)s.")
UNREADABLE = _("The batch cannot be read: %(reason)s")
WRONG_TYPE = _("Device %(serial)s sends %(kind)s data, not %(name)s.")
EMPTY = _("The batch is empty.")
NOT_SIGNED_IN = _("Sign the request as a device, or send the token of a system account.")

FORMATS = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json": "jsonl",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
}


class RawBody(BaseParser):
    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream.read() if stream is not None else b""


class ProblemOutput(serializers.Serializer[Any]):
    row = serializers.IntegerField(allow_null=True)
    device = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    reason = serializers.CharField()


class BatchOutput(serializers.Serializer[Any]):
    data_type = serializers.CharField()
    batches = serializers.IntegerField()
    received = serializers.IntegerField()
    written = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    quarantined = serializers.IntegerField()
    already_committed = serializers.IntegerField()
    problems = ProblemOutput(many=True)


class BatchUploadApi(APIView):
    """Upload one batch of records of a data type (CSV, JSON lines or Parquet in the body).

    Devices sign the request (X-Device-Serial, X-Timestamp, X-Nonce, X-Signature) and can only send
    their own data; systems use a token with the permission to upload. ``X-Batch-Id`` makes a
    retried upload idempotent (default: the body's SHA-256). Valid records are written, bad ones
    quarantined with the reason; the answer counts both and names the first problems.
    """

    authentication_classes = [DeviceSignatureAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]  # checked below: a signing device, or a user with lake.ingest_lake
    parser_classes = [RawBody]

    @extend_schema(
        request={
            "text/csv": OpenApiTypes.BINARY,
            "application/x-ndjson": OpenApiTypes.BINARY,
            "application/vnd.apache.parquet": OpenApiTypes.BINARY,
        },
        parameters=[OpenApiParameter("X-Batch-Id", str, OpenApiParameter.HEADER, required=False)],
        responses=BatchOutput,
    )
    def post(self, request: Request, data_type: str) -> Response:
        device = request.auth if isinstance(request.auth, Device) else None
        if device is None:
            if not request.user or not request.user.is_authenticated:
                raise errors.NotAuthenticated(NOT_SIGNED_IN, code="not_authenticated")
            require_permission(request.user, "lake.ingest_lake", action=_("upload batches to the data lake"))
        dtype = DATA_TYPES.get(data_type)
        if dtype is None:
            raise errors.NotFound(UNKNOWN_TYPE, code="data_type_unknown", name=data_type)
        force_device = None
        if device is not None and device.kind != Device.Kind.SYSTEM:
            kind_type = DEVICE_KIND_TYPES.get(device.kind)
            if dtype.name != kind_type and device.kind not in dtype.device_kinds:
                raise errors.PermissionDenied(
                    WRONG_TYPE,
                    code="wrong_data_type",
                    serial=device.serial,
                    kind=kind_type or device.kind,
                    name=dtype.name,
                )
            force_device = device.serial
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        fmt = FORMATS.get(content_type)
        if fmt is None:
            raise errors.ValidationFailed(UNKNOWN_FORMAT, code="format_unknown", type=content_type or "?")
        body = request._request.body
        if not body.strip():
            raise errors.ValidationFailed(EMPTY, code="batch_empty")
        batch = request.headers.get("X-Batch-Id", "").strip()[:64] or None
        try:
            summary = ingest_body(
                body,
                fmt=fmt,
                dtype=dtype,
                source="http",
                batch=batch,
                devices=None if force_device else known_devices(),
                force_device=force_device,
            )
        except IngestError as exc:
            raise errors.ValidationFailed(UNREADABLE, code=exc.code, reason=str(exc)) from None
        return Response(BatchOutput(summary.as_dict()).data)


class TableOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    exists = serializers.BooleanField()
    version = serializers.IntegerField(allow_null=True)
    rows = serializers.IntegerField()
    files = serializers.IntegerField()
    audit = serializers.BooleanField()


class TableListApi(APIView):
    """The lake's tables: Delta version, rows, files, whether it is an audit table."""

    @extend_schema(responses=TableOutput(many=True))
    def get(self, request: Request) -> Response:
        from jianguan.lake.store import table_info, table_names

        require_permission(request.user, "lake.view_lake", action=_("see the data lake"))
        return Response(TableOutput([table_info(name).__dict__ for name in table_names()], many=True).data)
