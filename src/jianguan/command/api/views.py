"""The command centre's API: warnings, dispatch, and the work on tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jianguan.command import selectors, services
from jianguan.command.models import Alert, Task, TaskAction
from jianguan.core.access import acting_user, require_permission
from jianguan.core.api.pagination import paginated_response
from jianguan.core.dashboards import dashboard_data
from jianguan.core.models import Department, User


class AlertOutput(serializers.ModelSerializer[Alert]):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    department = serializers.CharField(source="department.code")
    kind_label = serializers.CharField(source="label")
    message = serializers.CharField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "kind_label",
            "message",
            "source",
            "subject_type",
            "subject_id",
            "subject_label",
            "jurisdiction",
            "department",
            "severity",
            "status",
            "params",
            "evidence",
            "decision",
            "raised_at",
            "last_seen_at",
            "occurrences",
            "deadline",
            "closed_at",
            "closure_note",
        ]


class TaskActionOutput(serializers.ModelSerializer[TaskAction]):
    class Meta:
        model = TaskAction
        fields = ["kind", "actor_label", "text", "attachment_name", "attachment_sha256", "created_at"]


class TaskOutput(serializers.ModelSerializer[Task]):
    department = serializers.CharField(source="department.code")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    dispatched_by = serializers.CharField(source="dispatched_by.username")
    actions = TaskActionOutput(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "warning",
            "department",
            "assignee",
            "instructions",
            "deadline",
            "status",
            "escalation_level",
            "dispatched_by",
            "dispatched_at",
            "actions",
        ]


class DashboardApi(APIView):
    """Every dashboard panel the caller may see, with its data (the page polls this)."""

    class OutputSerializer(serializers.Serializer[Any]):
        code = serializers.CharField()
        title = serializers.CharField()
        kind = serializers.CharField()
        wide = serializers.BooleanField()
        data = serializers.JSONField()  # type: ignore[assignment]  # the panel's data, as clients read it

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        require_permission(request.user, "command.view_alert", action=_("view the dashboard"))
        return Response(self.OutputSerializer(dashboard_data(request.user), many=True).data)


class AlertListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=["active", *Alert.Status.values], required=False)
        severity = serializers.ChoiceField(choices=Alert.Severity.choices, required=False)
        kind = serializers.CharField(required=False, max_length=100)
        jurisdiction = serializers.RegexField(r"^[0-9]{6}$", required=False)
        q = serializers.CharField(required=False, max_length=100)

    @extend_schema(parameters=[FilterSerializer], responses=AlertOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.alert_list(user=request.user, filters=filters.validated_data)
        return paginated_response(queryset=queryset, serializer_class=AlertOutput, request=request, view=self)


class AlertDetailApi(APIView):
    @extend_schema(responses=AlertOutput)
    def get(self, request: Request, alert_id: int) -> Response:
        return Response(AlertOutput(selectors.access_alert_by_id(request.user, alert_id)).data)


class AlertDispatchApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all())
        assignee = serializers.SlugRelatedField(
            slug_field="username", queryset=User.objects.filter(is_active=True), required=False, allow_null=True
        )
        instructions = serializers.CharField(max_length=2000)
        deadline = serializers.DateField(required=False)

    @extend_schema(request=InputSerializer, responses={201: TaskOutput})
    def post(self, request: Request, alert_id: int) -> Response:
        alert = selectors.access_alert_by_id(request.user, alert_id)
        require_permission(request.user, "command.dispatch_warning", action=_("dispatch warnings"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        day: dt.date | None = data.validated_data.get("deadline")
        deadline = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59))) if day else None
        task = services.warning_dispatch(
            actor=acting_user(request),
            alert=alert,
            department=data.validated_data["department"],
            assignee=data.validated_data.get("assignee"),
            instructions=data.validated_data["instructions"],
            deadline=deadline,
        )
        return Response(TaskOutput(task).data, status=status.HTTP_201_CREATED)


class _ReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000)


class AlertDismissApi(APIView):
    @extend_schema(request=_ReasonInput, responses=AlertOutput)
    def post(self, request: Request, alert_id: int) -> Response:
        alert = selectors.access_alert_by_id(request.user, alert_id)
        require_permission(request.user, "command.close_warning", action=_("dismiss warnings"))
        data = _ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.warning_dismiss(actor=acting_user(request), alert=alert, reason=data.validated_data["reason"])
        return Response(AlertOutput(alert).data)


class TaskListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=["active", *Task.Status.values], required=False)
        mine = serializers.BooleanField(required=False)
        overdue = serializers.BooleanField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=TaskOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.task_list(user=request.user, filters=filters.validated_data).prefetch_related("actions")
        return paginated_response(queryset=queryset, serializer_class=TaskOutput, request=request, view=self)


class TaskDetailApi(APIView):
    @extend_schema(responses=TaskOutput)
    def get(self, request: Request, task_id: int) -> Response:
        return Response(TaskOutput(selectors.access_task_by_id(request.user, task_id)).data)


class TaskAcceptApi(APIView):
    @extend_schema(request=None, responses=TaskOutput)
    def post(self, request: Request, task_id: int) -> Response:
        task = selectors.access_task_by_id(request.user, task_id)
        require_permission(request.user, "command.work_task", action=_("work on tasks"))
        return Response(TaskOutput(services.task_accept(actor=acting_user(request), task=task)).data)


class TaskRecordApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=["note", "inspection", "notice"])
        text = serializers.CharField(max_length=4000)
        attachment = serializers.FileField(required=False)

    @extend_schema(request=InputSerializer, responses={201: TaskActionOutput})
    def post(self, request: Request, task_id: int) -> Response:
        task = selectors.access_task_by_id(request.user, task_id)
        require_permission(request.user, "command.work_task", action=_("work on tasks"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = services.task_record(
            actor=acting_user(request),
            task=task,
            kind=data.validated_data["kind"],
            text=data.validated_data["text"],
            upload=data.validated_data.get("attachment"),
        )
        return Response(TaskActionOutput(action).data, status=status.HTTP_201_CREATED)


class TaskReportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer[Any]):
        text = serializers.CharField(max_length=4000)
        attachment = serializers.FileField()

    @extend_schema(request=InputSerializer, responses=TaskOutput)
    def post(self, request: Request, task_id: int) -> Response:
        task = selectors.access_task_by_id(request.user, task_id)
        require_permission(request.user, "command.work_task", action=_("work on tasks"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_report(
            actor=acting_user(request),
            task=task,
            text=data.validated_data["text"],
            upload=data.validated_data["attachment"],
        )
        return Response(TaskOutput(task).data)


class TaskReviewApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        accepted = serializers.BooleanField()
        text = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses=TaskOutput)
    def post(self, request: Request, task_id: int) -> Response:
        task = selectors.access_task_by_id(request.user, task_id)
        require_permission(request.user, "command.dispatch_warning", action=_("review tasks"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_review(
            actor=acting_user(request),
            task=task,
            accepted=data.validated_data["accepted"],
            text=data.validated_data["text"],
        )
        return Response(TaskOutput(task).data)
