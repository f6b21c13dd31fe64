"""The credit API: a subject's standing as of a day, its records, and manual entry steps."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.core.access import access_object, acting_user, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.core.errors import ValidationFailed
from jianguan.credit import selectors, services
from jianguan.credit.models import Record
from jianguan.registry.models import Enterprise


class RecordOutput(serializers.ModelSerializer[Record]):
    class Meta:
        model = Record
        fields = [
            "id",
            "subject",
            "code",
            "title",
            "kind",
            "severity",
            "trigger",
            "quantity",
            "points",
            "event_date",
            "valid_until",
            "penalty_until",
            "revoked_on",
            "settled_on",
            "source",
            "source_ref",
            "decision_number",
            "status",
        ]


class StandingOutput(serializers.Serializer[Any]):
    subject = serializers.IntegerField()
    day = serializers.DateField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    grade = serializers.CharField()
    blacklisted = serializers.BooleanField()
    blacklist = serializers.ListField(child=serializers.CharField())
    records = serializers.ListField(child=serializers.IntegerField())


class SubjectStandingApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        on = serializers.DateField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=StandingOutput)
    def get(self, request: Request, subject_id: int) -> Response:
        require_permission(request.user, "credit.view_subject", action=_("view credit files"))
        subject = selectors.access_subject_by_id(request.user, subject_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        day = filters.validated_data.get("on") or timezone.localdate()
        standing = selectors.credit_standing(subject, day)
        return Response(
            StandingOutput(
                {
                    "subject": subject.pk,
                    "day": day,
                    "score": standing.score,
                    "grade": standing.grade,
                    "blacklisted": standing.blacklisted,
                    "blacklist": sorted(r.value for r in standing.blacklist),
                    "records": list(standing.records),
                }
            ).data
        )


class GradeOutput(serializers.Serializer[Any]):
    uscc = serializers.CharField()
    name = serializers.CharField()
    day = serializers.DateField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    grade = serializers.CharField()
    blacklisted = serializers.BooleanField()
    blacklist = serializers.ListField(child=serializers.CharField())


MAX_GRADES = 200
UNKNOWN_CODES = _("No enterprise with these unified social credit codes is registered: %(codes)s.")
TOO_MANY_CODES = _("At most %(limit)s credit codes per request.")


class GradeListApi(APIView):
    """The grade of several enterprises on one day, by credit code — for bid evaluation (every
    bidder as of the opening day), for licensing and for the weighting of random inspections."""

    class FilterSerializer(serializers.Serializer[Any]):
        uscc = serializers.ListField(child=serializers.CharField(max_length=18), min_length=1)
        on = serializers.DateField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=GradeOutput(many=True))
    def get(self, request: Request) -> Response:
        require_permission(request.user, "credit.view_subject", action=_("view credit files"))
        filters = self.FilterSerializer(
            data={
                "uscc": request.query_params.getlist("uscc"),
                **({"on": request.query_params["on"]} if "on" in request.query_params else {}),
            }
        )
        filters.is_valid(raise_exception=True)
        codes = list(dict.fromkeys(code.strip().upper() for code in filters.validated_data["uscc"]))
        if len(codes) > MAX_GRADES:
            raise ValidationFailed(
                TOO_MANY_CODES, code="credit_too_many_codes", extra={"field": "uscc"}, limit=MAX_GRADES
            )
        enterprises = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=codes)}
        missing = [code for code in codes if code not in enterprises]
        if missing:
            raise ValidationFailed(
                UNKNOWN_CODES, code="credit_subject_unknown", extra={"field": "uscc"}, codes=", ".join(missing)
            )
        day = filters.validated_data.get("on") or timezone.localdate()
        standings = selectors.credit_grades(list(enterprises.values()), day)
        return Response(
            GradeOutput(
                [
                    {
                        "uscc": code,
                        "name": enterprises[code].name,
                        "day": day,
                        "score": standings[enterprises[code].pk].score,
                        "grade": standings[enterprises[code].pk].grade,
                        "blacklisted": standings[enterprises[code].pk].blacklisted,
                        "blacklist": sorted(r.value for r in standings[enterprises[code].pk].blacklist),
                    }
                    for code in codes
                ],
                many=True,
            ).data
        )


class SubjectRecordListApi(APIView):
    @extend_schema(responses=RecordOutput(many=True))
    def get(self, request: Request, subject_id: int) -> Response:
        require_permission(request.user, "credit.view_record", action=_("view credit records"))
        subject = selectors.access_subject_by_id(request.user, subject_id)
        queryset = subject.records.order_by("-event_date", "-id")
        return paginated_response(queryset=queryset, serializer_class=RecordOutput, request=request, view=self)


class RecordHandleApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        code = serializers.CharField(max_length=16)
        event_date = serializers.DateField()
        source = serializers.ChoiceField(choices=[s.value for s in services.MANUAL_SOURCES])  # type: ignore[assignment]
        quantity = serializers.IntegerField(min_value=1, default=1)
        penalty_until = serializers.DateField(required=False, allow_null=True)
        decision_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
        facts = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        basis = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        penalty = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        decided_on = serializers.DateField(required=False, allow_null=True)
        note = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: RecordOutput})
    def post(self, request: Request, subject_id: int) -> Response:
        require_permission(request.user, "credit.add_record", action=_("enter credit records"))
        subject = selectors.access_subject_by_id(request.user, subject_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        penalty = None
        if values["source"] == Record.Source.PENALTY:
            penalty = {k: values.get(k) for k in ("decision_number", "facts", "basis", "penalty", "decided_on")}
        record = services.record_handle(
            actor=acting_user(request),
            subject=subject,
            code=values["code"],
            event_date=values["event_date"],
            source=values["source"],
            quantity=values["quantity"],
            penalty=penalty,
            penalty_until=values.get("penalty_until"),
            note=values.get("note", ""),
        )
        return Response(RecordOutput(record).data, status=status.HTTP_201_CREATED)


class RecordStepApi(APIView):
    step = "review"

    class InputSerializer(serializers.Serializer[Any]):
        accept = serializers.BooleanField()
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=RecordOutput)
    def post(self, request: Request, record_id: int) -> Response:
        permission = "credit.review_record" if self.step == "review" else "credit.approve_record"
        require_permission(request.user, permission, action=_("review or approve credit records"))
        record = access_object(
            Record.objects.all(), request.user, record_id, what=_("Record"), field="subject__jurisdiction"
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = services.record_review if self.step == "review" else services.record_approve
        record = service(
            actor=acting_user(request),
            record=record,
            accept=data.validated_data["accept"],
            note=data.validated_data.get("note", ""),
        )
        return Response(RecordOutput(record).data)


class RecordReviewApi(RecordStepApi):
    step = "review"


class RecordApproveApi(RecordStepApi):
    step = "approve"
