"""The stage line's API: a bid section's stages and gates, opening and completing stages,
passed deadlines and out-of-order stages in the city, drawing-review findings and prompts."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core import errors
from jianguan.core.access import acting_user, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.lifecycle import selectors, services
from jianguan.lifecycle.models import ReviewFinding, StageRecord
from jianguan.lifecycle.stages import stage_by_code
from jianguan.registry.selectors import access_bid_section_by_id, access_project_by_id

RECORD = "lifecycle.add_stagerecord"


class DocumentOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    kind = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class RecordOutput(serializers.ModelSerializer[StageRecord]):
    documents = DocumentOutput(many=True, read_only=True)

    class Meta:
        model = StageRecord
        fields = [
            "id",
            "stage",
            "status",
            "started_on",
            "completed_on",
            "outcome",
            "notice_on",
            "responsible",
            "reference",
            "note",
            "source",
            "gate_decision",
            "documents",
        ]


class DeadlineOutput(serializers.Serializer[Any]):
    rule = serializers.CharField(source="rule.code")
    deadline = serializers.CharField(source="rule.label")
    anchor_on = serializers.DateField()
    due_on = serializers.DateField()
    met_on = serializers.DateField(allow_null=True)
    state = serializers.CharField()


class TimelineOutput(serializers.Serializer[Any]):
    code = serializers.CharField(source="stage.code")
    order = serializers.IntegerField(source="stage.order")
    name = serializers.CharField(source="stage.label")
    department = serializers.CharField(source="stage.department")
    state = serializers.CharField()
    record = RecordOutput(allow_null=True)
    deadlines = DeadlineOutput(many=True)


class GateOutput(serializers.Serializer[Any]):
    stage = serializers.CharField()
    on = serializers.DateField()
    allowed = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.DictField())
    missing_text = serializers.ListField(child=serializers.CharField())
    decision = serializers.DictField()


def _gate_data(gate: services.Gate) -> dict[str, Any]:
    return {
        "stage": gate.stage,
        "on": gate.on,
        "allowed": gate.allowed,
        "missing": gate.missing,
        "missing_text": gate.missing_text(),
        "decision": gate.decision,
    }


def _known_stage(code: str) -> None:
    if stage_by_code(code) is None:
        raise errors.NotFound(what=_("Stage"), id=code)


class SectionStagesApi(APIView):
    """Every stage of a bid section: its record, colour state and the deadlines on it."""

    @extend_schema(responses=TimelineOutput(many=True))
    def get(self, request: Request, section_id: int) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        line, _items = selectors.section_timeline(user=request.user, section=section)
        return Response(TimelineOutput(line, many=True).data)


class StageGateApi(APIView):
    """Whether a stage may be opened on a day (today by default), and which conditions are missing."""

    class FilterSerializer(serializers.Serializer[Any]):
        on = serializers.DateField(required=False)
        notice_on = serializers.DateField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=GateOutput)
    def get(self, request: Request, section_id: int, stage: str) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, selectors.VIEW, action=_("view the stage line"))
        _known_stage(stage)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        gate = services.gate_check(
            section=section,
            stage=stage,
            on=filters.validated_data.get("on"),
            notice_on=filters.validated_data.get("notice_on"),
        )
        return Response(GateOutput(_gate_data(gate)).data)


class StageOpenApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        on = serializers.DateField()
        responsible = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=20)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        notice_on = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: RecordOutput})
    def post(self, request: Request, section_id: int, stage: str) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, RECORD, action=_("record stages"))
        _known_stage(stage)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.stage_open(
            actor=acting_user(request),
            section=section,
            stage=stage,
            on=data.validated_data["on"],
            responsible=data.validated_data.get("responsible", []),
            note=data.validated_data.get("note", ""),
            notice_on=data.validated_data.get("notice_on"),
        )
        return Response(RecordOutput(record).data, status=status.HTTP_201_CREATED)


class StageCompleteApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer[Any]):
        on = serializers.DateField()
        outcome = serializers.ChoiceField(choices=["passed", "exempt", "failed"])
        reference = serializers.CharField(max_length=64, required=False, allow_blank=True)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        documents = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses=RecordOutput)
    def post(self, request: Request, section_id: int, stage: str) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, RECORD, action=_("record stages"))
        _known_stage(stage)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.stage_complete(
            actor=acting_user(request),
            section=section,
            stage=stage,
            on=data.validated_data["on"],
            outcome=data.validated_data["outcome"],
            documents=data.validated_data.get("documents", []),
            reference=data.validated_data.get("reference", ""),
            note=data.validated_data.get("note", ""),
        )
        return Response(RecordOutput(record).data)


class OverdueOutput(serializers.Serializer[Any]):
    section_id = serializers.IntegerField(source="section.pk")
    section_code = serializers.CharField(source="section.code")
    section_name = serializers.CharField(source="section.name")
    project = serializers.CharField(source="section.project.name")
    jurisdiction = serializers.CharField(source="section.jurisdiction.code")
    rule = serializers.CharField(source="item.rule.code")
    deadline = serializers.CharField(source="item.rule.label")
    anchor_on = serializers.DateField(source="item.anchor_on")
    due_on = serializers.DateField(source="item.due_on")
    met_on = serializers.DateField(source="item.met_on", allow_null=True)
    state = serializers.CharField(source="item.state")
    days_late = serializers.IntegerField()


class OverdueListApi(APIView):
    """Passed deadlines in the caller's jurisdictions, most late first."""

    class FilterSerializer(serializers.Serializer[Any]):
        state = serializers.ChoiceField(choices=["overdue", "late"], required=False)
        rule = serializers.CharField(max_length=32, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=OverdueOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.overdue_list(user=request.user, filters=filters.validated_data)
        return paginated_response(
            queryset=cast(QuerySet[Any], rows), serializer_class=OverdueOutput, request=request, view=self
        )


class OutOfOrderOutput(serializers.Serializer[Any]):
    section_id = serializers.IntegerField(source="section.pk")
    section_code = serializers.CharField(source="section.code")
    stage = serializers.CharField(source="stage.code")
    started_on = serializers.DateField()
    missing = serializers.ListField(child=serializers.DictField())
    missing_text = serializers.ListField(child=serializers.CharField())


class OutOfOrderListApi(APIView):
    """Stages opened before their gate's conditions were met (found in historical data)."""

    @extend_schema(responses=OutOfOrderOutput(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.out_of_order_list(user=request.user)
        return paginated_response(
            queryset=cast(QuerySet[Any], rows), serializer_class=OutOfOrderOutput, request=request, view=self
        )


class FindingOutput(serializers.ModelSerializer[ReviewFinding]):
    class Meta:
        model = ReviewFinding
        fields = [
            "id",
            "report_number",
            "standard",
            "clause",
            "description",
            "location",
            "status",
            "resolved_revision",
            "resolved_on",
            "closing_note",
        ]


class FindingListApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        report_number = serializers.CharField(max_length=64)
        standard = serializers.CharField(max_length=64)
        clause = serializers.CharField(max_length=32)
        description = serializers.CharField(max_length=4000)
        location = serializers.CharField(max_length=255)
        status = serializers.ChoiceField(choices=["open", "check_on_site"], required=False)

    @extend_schema(responses=FindingOutput(many=True))
    def get(self, request: Request, section_id: int) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        queryset = selectors.finding_list(user=request.user, section=section)
        return paginated_response(queryset=queryset, serializer_class=FindingOutput, request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: FindingOutput, 200: FindingOutput})
    def post(self, request: Request, section_id: int) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, "lifecycle.add_reviewfinding", action=_("record drawing-review findings"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding, created = services.finding_add(actor=acting_user(request), section=section, data=data.validated_data)
        return Response(FindingOutput(finding).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FindingUpdateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=["corrected", "check_on_site", "closed"])
        revision = serializers.CharField(max_length=64, required=False, allow_blank=True)
        on = serializers.DateField(required=False)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=FindingOutput)
    def post(self, request: Request, section_id: int, finding_id: int) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, "lifecycle.change_reviewfinding", action=_("update drawing-review findings"))
        finding = ReviewFinding.objects.filter(bid_section=section, pk=finding_id).first()
        if finding is None:
            raise errors.NotFound(what=_("Drawing-review finding"), id=finding_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_update(
            actor=acting_user(request),
            finding=finding,
            status=data.validated_data["status"],
            revision=data.validated_data.get("revision", ""),
            on=data.validated_data.get("on"),
            note=data.validated_data.get("note", ""),
        )
        return Response(FindingOutput(finding).data)


class PromptOutput(serializers.Serializer[Any]):
    finding_id = serializers.IntegerField()
    provision = serializers.CharField()
    standard = serializers.CharField()
    clause = serializers.CharField()
    location = serializers.CharField()
    description = serializers.CharField()
    status = serializers.CharField()
    report_number = serializers.CharField()


class PromptListApi(APIView):
    """What every inspection of the section must check: open or check-on-site review findings."""

    @extend_schema(responses=PromptOutput(many=True))
    def get(self, request: Request, section_id: int) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        require_permission(request.user, "lifecycle.view_reviewfinding", action=_("view drawing-review findings"))
        return Response(PromptOutput(selectors.drawing_review_prompts(section), many=True).data)


class PartiesOutput(serializers.Serializer[Any]):
    owner = serializers.CharField()
    contractor = serializers.CharField()
    supervisor = serializers.CharField()
    project_manager = serializers.CharField()
    chief_supervision_engineer = serializers.CharField()
    owner_representative = serializers.CharField()
    deadline_holder = serializers.CharField(help_text="who answers for the stage line's statutory deadlines")


class StageRefOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    order = serializers.IntegerField()
    name = serializers.CharField(source="label")


class SectionTimelineOutput(serializers.Serializer[Any]):
    section_id = serializers.IntegerField(source="section.pk")
    section_code = serializers.CharField(source="section.code")
    section_name = serializers.CharField(source="section.name")
    project_id = serializers.IntegerField(source="section.project_id")
    current = StageRefOutput(allow_null=True, help_text="the stage the section is at (see current_stages)")
    done = serializers.IntegerField(help_text="stages passed")
    late = DeadlineOutput(many=True, help_text="deadlines passed: not met, or met late")
    parties = PartiesOutput()
    stages = TimelineOutput(source="line", many=True)


class SectionTimelineApi(APIView):
    """A bid section's timeline: where it is, what is late, who is responsible, every stage."""

    @extend_schema(responses=SectionTimelineOutput)
    def get(self, request: Request, section_id: int) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        timeline = selectors.section_timeline_full(user=request.user, section=section)
        return Response(SectionTimelineOutput(timeline).data)


class ProjectTimelineApi(APIView):
    """The timelines of every bid section of a project (those in the caller's jurisdictions)."""

    @extend_schema(responses=SectionTimelineOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project_by_id(request.user, project_id)
        timelines = selectors.project_timeline(user=request.user, project=project)
        return Response(SectionTimelineOutput(timelines, many=True).data)


class PartyCheckOutput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["participant", "key_person"])
    role = serializers.CharField()
    role_label = serializers.CharField()
    permitted = serializers.CharField(help_text="named when the construction permit was granted (empty: unknown)")
    current = serializers.CharField()
    state = serializers.ChoiceField(choices=["same", "changed", "unknown", "vacant"])
    changed_on = serializers.DateField(allow_null=True)
    permitted_present_days = serializers.IntegerField(allow_null=True)
    current_present_days = serializers.IntegerField(allow_null=True)
    flagged = serializers.BooleanField()


class PermitComparisonOutput(serializers.Serializer[Any]):
    permit_on = serializers.DateField(allow_null=True)
    permit_reference = serializers.CharField()
    rows = PartyCheckOutput(many=True)


class PermitComparisonApi(APIView):
    """Cross-stage check: the participants and key people on the permit against those named now."""

    @extend_schema(responses=PermitComparisonOutput)
    def get(self, request: Request, section_id: int) -> Response:
        section = access_bid_section_by_id(request.user, section_id)
        return Response(PermitComparisonOutput(selectors.permit_comparison(user=request.user, section=section)).data)


class StageStatisticsOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    order = serializers.IntegerField()
    name = serializers.CharField()
    sections = serializers.IntegerField(help_text="bid sections whose furthest stage is this one")
    average_days = serializers.FloatField(allow_null=True)


class StatisticsOutput(serializers.Serializer[Any]):
    stages = StageStatisticsOutput(many=True)
    overdue = serializers.IntegerField()
    late = serializers.IntegerField()


class StageStatisticsApi(APIView):
    """City-wide (the caller's jurisdictions) stage statistics, as on the command centre."""

    @extend_schema(responses=StatisticsOutput)
    def get(self, request: Request) -> Response:
        stats = selectors.stage_statistics(user=request.user)
        rows = [
            {
                "code": s.code,
                "order": s.order,
                "name": s.label,
                "sections": stats["at_stage"][s.code],
                "average_days": stats["average_days"].get(s.code),
            }
            for s in stats["stages"]
        ]
        return Response(StatisticsOutput({"stages": rows, "overdue": stats["overdue"], "late": stats["late"]}).data)
