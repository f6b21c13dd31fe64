"""Supervision's API: checklists, inspections and answers (idempotent), findings, rectification and
stop-work orders, random draws."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core import errors
from jianguan.core.access import acting_user, require_permission, scope_queryset
from jianguan.core.api.pagination import paginated_response
from jianguan.core.models import Jurisdiction, User
from jianguan.registry.models import Enterprise
from jianguan.registry.selectors import access_bid_section_by_id
from jianguan.supervision import documents, selectors, services
from jianguan.supervision.models import (
    Answer,
    Checklist,
    ChecklistItem,
    Draw,
    Finding,
    Inspection,
    InspectorConflict,
    Kind,
    RectificationOrder,
    StopWorkOrder,
)

UNKNOWN_USERS = _("Unknown inspectors: %(names)s.")
UNKNOWN_CHECKLIST = _("There is no checklist for %(kind)s.")


class ItemOutput(serializers.ModelSerializer[ChecklistItem]):
    class Meta:
        model = ChecklistItem
        fields = ["code", "text", "basis", "severity", "evidence", "behaviour_code"]


class ChecklistOutput(serializers.ModelSerializer[Checklist]):
    items = ItemOutput(many=True, read_only=True)

    class Meta:
        model = Checklist
        fields = ["id", "code", "version", "kind", "stage", "title", "sha256", "items"]


class ItemAnswerOutput(serializers.ModelSerializer[Answer]):
    item = serializers.CharField(source="item.code")
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = ["item", "result", "note", "measurement", "signature", "key", "revision", "answered_at", "photos"]

    def get_photos(self, answer: Answer) -> list[dict[str, Any]]:
        return [
            {"sha256": p.sha256, "captured_at": p.captured_at, "latitude": p.latitude, "longitude": p.longitude}
            for p in answer.photos.all()
        ]


class InspectionOutput(serializers.ModelSerializer[Inspection]):
    bid_section = serializers.CharField(source="bid_section.code")
    checklist = serializers.CharField(source="checklist.code")
    checklist_version = serializers.IntegerField(source="checklist.version")
    inspectors: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="username"
    )
    draw = serializers.CharField(source="draw.number", allow_null=True, default=None)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "number",
            "bid_section",
            "checklist",
            "checklist_version",
            "origin",
            "draw",
            "reason",
            "inspectors",
            "status",
            "started_at",
            "submitted_at",
        ]


class InspectionDetailOutput(InspectionOutput):
    answers = ItemAnswerOutput(many=True, read_only=True)
    unanswered = serializers.SerializerMethodField()

    class Meta(InspectionOutput.Meta):
        fields = [*InspectionOutput.Meta.fields, "answers", "unanswered"]

    def get_unanswered(self, inspection: Inspection) -> list[str]:
        answered = set(inspection.answers.values_list("item_id", flat=True))
        return [item.code for item in inspection.checklist.items.all() if item.pk not in answered]


class FindingOutput(serializers.ModelSerializer[Finding]):
    inspection = serializers.CharField(source="inspection.number")
    bid_section = serializers.CharField(source="bid_section.code")
    enterprise = serializers.CharField(source="enterprise.name", allow_null=True, default=None)

    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            "bid_section",
            "item_code",
            "description",
            "basis",
            "severity",
            "behaviour_code",
            "enterprise",
            "status",
            "found_on",
            "confirmed_at",
        ]


class OrderOutput(serializers.ModelSerializer[RectificationOrder]):
    bid_section = serializers.CharField(source="bid_section.code")
    enterprise = serializers.CharField(source="enterprise.name")
    findings: serializers.PrimaryKeyRelatedField[Finding] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = RectificationOrder
        fields = [
            "id",
            "number",
            "bid_section",
            "enterprise",
            "findings",
            "working_days",
            "deadline",
            "status",
            "issued_at",
            "reply_text",
            "replied_at",
            "review_note",
            "closed_at",
        ]


class StopWorkOutput(serializers.ModelSerializer[StopWorkOrder]):
    bid_section = serializers.CharField(source="bid_section.code")
    enterprise = serializers.CharField(source="enterprise.name")

    class Meta:
        model = StopWorkOrder
        fields = [
            "id",
            "number",
            "bid_section",
            "enterprise",
            "reason",
            "status",
            "issued_at",
            "lifted_at",
            "lift_reason",
        ]


class DrawOutput(serializers.ModelSerializer[Draw]):
    jurisdiction = serializers.CharField(source="jurisdiction.code")

    class Meta:
        model = Draw
        fields = [
            "id",
            "number",
            "jurisdiction",
            "kind",
            "seed",
            "targets",
            "inspectors_per_target",
            "result",
            "drawn_at",
            "published_at",
        ]


def _users(names: list[str]) -> list[User]:
    users = list(User.objects.filter(username__in=names))
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise errors.ValidationFailed(UNKNOWN_USERS, code="unknown_users", names=", ".join(missing))
    return users


class ChecklistListApi(APIView):
    @extend_schema(responses=ChecklistOutput(many=True))
    def get(self, request: Request) -> Response:
        require_permission(request.user, "supervision.view_inspection", action=_("view checklists"))
        queryset = Checklist.objects.prefetch_related("items").order_by("code", "-version")
        return paginated_response(queryset=queryset, serializer_class=ChecklistOutput, request=request, view=self)


class InspectionListApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        bid_section = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=Kind.choices)
        inspectors = serializers.ListField(child=serializers.CharField(max_length=150), min_length=1, max_length=10)
        draw = serializers.IntegerField(required=False, allow_null=True)
        reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    class FilterSerializer(serializers.Serializer[Any]):
        origin = serializers.ChoiceField(choices=Inspection.Origin.choices, required=False)
        status = serializers.ChoiceField(choices=Inspection.Status.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=InspectionOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.inspection_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=InspectionOutput, request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: InspectionOutput})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.inspect", action=_("start inspections"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        section = access_bid_section_by_id(actor, values["bid_section"])
        from jianguan.supervision.checklists import checklist_current

        checklist = checklist_current(values["kind"])
        if checklist is None:
            raise errors.ValidationFailed(UNKNOWN_CHECKLIST, code="no_checklist", kind=values["kind"])
        draw = selectors.access_assigned_draw(actor, values["draw"]) if values.get("draw") else None
        inspection = services.inspection_start(
            actor=actor,
            bid_section=section,
            checklist=checklist,
            inspectors=_users(values["inspectors"]),
            draw=draw,
            reason=values["reason"],
        )
        return Response(InspectionOutput(inspection).data, status=status.HTTP_201_CREATED)


class InspectionDetailApi(APIView):
    @extend_schema(responses=InspectionDetailOutput)
    def get(self, request: Request, inspection_id: int) -> Response:
        inspection = selectors.access_inspection_by_id(request.user, inspection_id)
        return Response(InspectionDetailOutput(inspection).data)


class AnswerApi(APIView):
    """Record one item's answer. The client sends its own idempotency key per answer: re-sending
    the same key (an offline draft synced twice) changes nothing; a new key replaces the answer."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer[Any]):
        item = serializers.CharField(max_length=32)
        result = serializers.ChoiceField(choices=Answer.Result.choices)
        key = serializers.CharField(max_length=64)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
        measurement = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
        signature = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
        photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)
        captured_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        latitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
        longitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)

    class OutputSerializer(ItemAnswerOutput):
        changed = serializers.BooleanField()

        class Meta(ItemAnswerOutput.Meta):
            fields = [*ItemAnswerOutput.Meta.fields, "changed"]

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request, inspection_id: int) -> Response:
        actor = acting_user(request)
        inspection = selectors.access_inspection_by_id(actor, inspection_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        captured: dt.datetime | None = values["captured_at"]
        answer, changed = services.answer_upsert(
            actor=actor,
            inspection=inspection,
            item_code=values["item"],
            result=values["result"],
            key=values["key"],
            note=values["note"],
            measurement=values["measurement"],
            signature=values["signature"],
            photos=[
                services.PhotoInput(
                    upload, captured_at=captured, latitude=values["latitude"], longitude=values["longitude"]
                )
                for upload in values["photos"]
            ],
        )
        answer.changed = changed  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(answer).data)


class InspectionSubmitApi(APIView):
    @extend_schema(request=None, responses=FindingOutput(many=True))
    def post(self, request: Request, inspection_id: int) -> Response:
        actor = acting_user(request)
        inspection = selectors.access_inspection_by_id(actor, inspection_id)
        findings = services.inspection_submit(actor=actor, inspection=inspection)
        return Response(FindingOutput(findings, many=True).data)


class FindingListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=Finding.Status.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=FindingOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.finding_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=FindingOutput, request=request, view=self)


class FindingReviewApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        accepted = serializers.BooleanField()
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    @extend_schema(request=InputSerializer, responses=FindingOutput)
    def post(self, request: Request, finding_id: int) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.review_finding", action=_("review findings"))
        finding = selectors.access_finding_by_id(actor, finding_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_review(actor=actor, finding=finding, **data.validated_data)
        return Response(FindingOutput(finding).data)


class FindingConfirmApi(APIView):
    @extend_schema(request=None, responses=FindingOutput)
    def post(self, request: Request, finding_id: int) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.confirm_finding", action=_("confirm findings"))
        finding = services.finding_confirm(actor=actor, finding=selectors.access_finding_by_id(actor, finding_id))
        return Response(FindingOutput(finding).data)


def _findings(actor: User, ids: list[int]) -> list[Finding]:
    return [selectors.access_finding_by_id(actor, pk) for pk in ids]


class OrderListApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        findings = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100)
        working_days = serializers.IntegerField(min_value=1, max_value=60)

    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=[*RectificationOrder.Status.choices, ("open", "open")], required=False)

    @extend_schema(parameters=[FilterSerializer], responses=OrderOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.order_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=OrderOutput, request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: OrderOutput})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.issue_order", action=_("issue rectification orders"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.rectification_issue(
            actor=actor,
            findings=_findings(actor, data.validated_data["findings"]),
            working_days=data.validated_data["working_days"],
        )
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderOutput)
    def get(self, request: Request, order_id: int) -> Response:
        return Response(OrderOutput(selectors.access_order_by_id(request.user, order_id)).data)


class OrderReplyApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer[Any]):
        text = serializers.CharField(max_length=4000)
        files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=10)

    @extend_schema(request=InputSerializer, responses=OrderOutput)
    def post(self, request: Request, order_id: int) -> Response:
        actor = acting_user(request)
        order = selectors.access_order_for_reply(actor, order_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.rectification_reply(actor=actor, order=order, **data.validated_data)
        return Response(OrderOutput(order).data)


class OrderReviewApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        accepted = serializers.BooleanField()
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    @extend_schema(request=InputSerializer, responses=OrderOutput)
    def post(self, request: Request, order_id: int) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.issue_order", action=_("review rectification replies"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.rectification_review(
            actor=actor, order=selectors.access_order_by_id(actor, order_id), **data.validated_data
        )
        return Response(OrderOutput(order).data)


class OrderPdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, order_id: int) -> HttpResponse:
        return documents.rectification_pdf_response(request, selectors.access_order_by_id(request.user, order_id))


class StopWorkListApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        findings = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100)
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: StopWorkOutput})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.issue_order", action=_("issue stop-work orders"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.stop_work_issue(
            actor=actor,
            findings=_findings(actor, data.validated_data["findings"]),
            reason=data.validated_data["reason"],
        )
        return Response(StopWorkOutput(order).data, status=status.HTTP_201_CREATED)


class StopWorkLiftApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses=StopWorkOutput)
    def post(self, request: Request, order_id: int) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.issue_order", action=_("lift stop-work orders"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.stop_work_lift(
            actor=actor, order=selectors.access_stop_work_by_id(actor, order_id), reason=data.validated_data["reason"]
        )
        return Response(StopWorkOutput(order).data)


class StopWorkPdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, order_id: int) -> HttpResponse:
        return documents.stop_work_pdf_response(request, selectors.access_stop_work_by_id(request.user, order_id))


class DrawListApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        jurisdiction = serializers.CharField(max_length=12)
        kind = serializers.ChoiceField(choices=Kind.choices)
        targets = serializers.IntegerField(min_value=1, max_value=500)
        inspectors_per_target = serializers.IntegerField(min_value=2, max_value=5, default=2)
        seed = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")

    @extend_schema(responses=DrawOutput(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(
            queryset=selectors.draw_list(user=request.user), serializer_class=DrawOutput, request=request, view=self
        )

    @extend_schema(request=InputSerializer, responses={201: DrawOutput})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.make_draw", action=_("make random draws"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        jurisdiction = (
            scope_queryset(Jurisdiction.objects.all(), actor, field="pk").filter(code=values["jurisdiction"]).first()
        )
        if jurisdiction is None:
            raise errors.NotFound(what=_("Jurisdiction"), id=values["jurisdiction"])
        draw = services.draw_make(
            actor=actor,
            jurisdiction=jurisdiction,
            kind=values["kind"],
            targets=values["targets"],
            inspectors_per_target=values["inspectors_per_target"],
            seed=values["seed"] or None,
        )
        return Response(DrawOutput(draw).data, status=status.HTTP_201_CREATED)


class DrawPublishApi(APIView):
    @extend_schema(request=None, responses=DrawOutput)
    def post(self, request: Request, draw_id: int) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.publish_draw", action=_("publish draws"))
        draw = services.draw_publish(actor=actor, draw=selectors.access_draw_by_id(actor, draw_id))
        return Response(DrawOutput(draw).data)


class ConflictApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        inspector = serializers.CharField(max_length=150)
        enterprise = serializers.CharField(min_length=18, max_length=18)
        reason = serializers.ChoiceField(choices=InspectorConflict.Reason.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        require_permission(actor, "supervision.add_inspectorconflict", action=_("record conflicts of interest"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        (inspector,) = _users([values["inspector"]])
        enterprise = Enterprise.objects.filter(uscc=values["enterprise"]).first()
        if enterprise is None:
            raise errors.NotFound(what=_("Enterprise"), id=values["enterprise"])
        conflict = services.conflict_declare(
            actor=actor, inspector=inspector, enterprise=enterprise, reason=values["reason"], note=values["note"]
        )
        return Response({"id": conflict.pk}, status=status.HTTP_201_CREATED)
