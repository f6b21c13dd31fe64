"""API of bulk exchange: import a file (the same rules and result as the import page), and the
provincial sync runs with their reports."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core.access import acting_user, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.registry.exchange.models import SyncRun
from jianguan.registry.exchange.records import ENTITIES
from jianguan.registry.exchange.tabular import import_recorded


class RowErrorOutput(serializers.Serializer[Any]):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField()
    zh = serializers.CharField()
    en = serializers.CharField()


class ImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer[Any]):
        entity = serializers.ChoiceField(choices=list(ENTITIES))
        file = serializers.FileField(max_length=255)

    class OutputSerializer(serializers.Serializer[Any]):
        run = serializers.IntegerField()
        entity = serializers.CharField()
        rows = serializers.IntegerField()
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        failed = serializers.IntegerField()
        row_errors = RowErrorOutput(many=True, source="errors")

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        require_permission(request.user, "registry.import_data", action=_("import registry data"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        run, result = import_recorded(
            actor=acting_user(request),
            entity=data.validated_data["entity"],
            filename=upload.name or "upload",
            content=upload.read(),
        )
        return Response(self.OutputSerializer({"run": run.pk, **result.as_dict()}).data)


class SyncRunOutput(serializers.ModelSerializer[SyncRun]):
    class Meta:
        model = SyncRun
        fields = [
            "id",
            "source",
            "location",
            "started_at",
            "finished_at",
            "status",
            "from_cursor",
            "to_cursor",
            "counts",
            "rejected",
            "conflicts",
            "error",
        ]


class SyncRunListApi(APIView):
    @extend_schema(responses=SyncRunOutput(many=True))
    def get(self, request: Request) -> Response:
        require_permission(request.user, "registry.import_data", action=_("import registry data"))
        return paginated_response(
            queryset=SyncRun.objects.all(), serializer_class=SyncRunOutput, request=request, view=self
        )
