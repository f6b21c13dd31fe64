"""The bidding API: the trading centre posts tenders; investigators read leads (each read in the ledger)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.bidding import selectors, services
from jianguan.bidding.models import Lead
from jianguan.core.access import acting_user, require_permission
from jianguan.core.api.pagination import paginated_response


class BidInput(serializers.Serializer[dict[str, Any]]):
    bidder_uscc = serializers.CharField(max_length=18)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    security_account = serializers.CharField(max_length=64, required=False, allow_blank=True)
    preparer = serializers.CharField(max_length=128, required=False, allow_blank=True)
    handler = serializers.CharField(max_length=128, required=False, allow_blank=True)
    project_manager_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    machine_code = serializers.CharField(max_length=128, required=False, allow_blank=True)
    mac = serializers.CharField(max_length=64, required=False, allow_blank=True)
    cpu_serial = serializers.CharField(max_length=64, required=False, allow_blank=True)
    disk_serial = serializers.CharField(max_length=64, required=False, allow_blank=True)
    dongle_serial = serializers.CharField(max_length=64, required=False, allow_blank=True)
    upload_ip = serializers.IPAddressField(required=False, allow_blank=True)
    uploaded_on_site = serializers.BooleanField(required=False, default=False)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    won = serializers.BooleanField(required=False, default=False)


class TenderInput(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    jurisdiction = serializers.CharField(max_length=6)
    bid_section = serializers.CharField(max_length=20, required=False, allow_blank=True)
    owner_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    agent_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    segment = serializers.CharField(max_length=32, required=False, default="building")
    procedure = serializers.ChoiceField(choices=["open", "invited"], required=False, default="open")
    control_price = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    published_on = serializers.DateField()
    opened_on = serializers.DateField()
    winner_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    bids = BidInput(many=True)


class TendersImportApi(APIView):
    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        tenders = TenderInput(many=True)

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        refused = serializers.ListField(child=serializers.DictField(), source="errors")

    @extend_schema(request=InputSerializer, responses=OutputSerializer, summary="Import tenders (trading-centre feed)")
    def post(self, request: Request) -> Response:
        require_permission(request.user, "bidding.import_tenders", action=_("import tenders"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenders = [
            {**tender, "bids": [dict(bid) for bid in tender["bids"]]} for tender in data.validated_data["tenders"]
        ]
        report = services.tenders_import(actor=acting_user(request), tenders=tenders)
        if report.created or report.updated:
            services.leads_refresh(actor=acting_user(request))
        return Response(self.OutputSerializer(report.as_dict()).data)


class LeadOutput(serializers.ModelSerializer[Lead]):
    tender_code = serializers.CharField(source="tender.code")
    tender_name = serializers.CharField(source="tender.name")
    opened_on = serializers.DateField(source="tender.opened_on")

    class Meta:
        model = Lead
        fields = ["id", "tender_code", "tender_name", "opened_on", "score", "markers", "screens", "found_at"]


class LeadListApi(APIView):
    @extend_schema(responses=LeadOutput(many=True), summary="Bid-rigging leads, highest score first")
    def get(self, request: Request) -> Response:
        leads = selectors.lead_list(
            user=request.user, filters={k: request.query_params.get(k, "") for k in ("q", "article", "min_score")}
        )
        response = paginated_response(request=request, queryset=leads, serializer_class=LeadOutput, view=self)
        user = acting_user(request)
        ids = [item["id"] for item in response.data.get("results", [])]
        for lead in Lead.objects.filter(pk__in=ids).select_related("tender"):
            services.lead_viewed(user=user, lead=lead, how="api")
        return response
