"""The command centre's pages: warnings, their dispatch, and the tasks departments work on."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianguan.command import selectors, services
from jianguan.command.catalogue import KINDS
from jianguan.command.forms import DispatchForm, ReasonForm, RecordForm, ReportForm, ReviewForm, TaskReportForm
from jianguan.command.models import Alert, Report, Task
from jianguan.command.reports import report_generate
from jianguan.core.access import access_object, acting_user, require_permission, scope_queryset
from jianguan.core.dashboards import dashboard_data
from jianguan.core.errors import ApplicationError
from jianguan.core.ledger import ledger_entries_for
from jianguan.core.models import Department, User
from jianguan.core.selectors import jurisdiction_list


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, 50).get_page(request.GET.get("page"))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The command centre's dashboard: every module's panels; the page refreshes them itself."""
    require_permission(request.user, "command.view_alert", action=_("view the dashboard"))
    try:
        refresh_ms = min(max(int(request.GET.get("refresh", 60)), 2), 600) * 1000
    except ValueError:
        refresh_ms = 60000
    return render(request, "command/dashboard.html", {"panels": dashboard_data(request.user), "refresh_ms": refresh_ms})


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """Archived weekly and monthly reports in the user's jurisdictions; generate a missing one."""
    require_permission(request.user, "command.view_report", action=_("view reports"))
    reports = scope_queryset(Report.objects.select_related("jurisdiction"), request.user)
    form = ReportForm(request.POST or None, jurisdictions=jurisdiction_list(user=request.user))
    if request.method == "POST":
        require_permission(request.user, "command.generate_report", action=_("generate reports"))
        if form.is_valid():
            try:
                report = report_generate(
                    actor=acting_user(request),
                    period=form.cleaned_data["period"],
                    start=form.cleaned_data["day"],
                    jurisdiction=form.cleaned_data["jurisdiction"],
                )
            except ApplicationError as error:
                messages.error(request, error.render())
            else:
                messages.success(request, _("Report generated."))
                return redirect(f"{request.path}#report-{report.pk}")
        else:
            messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})
    return render(
        request,
        "command/report_list.html",
        {
            "page": _page(request, reports),
            "form": form,
            "can_generate": request.user.has_perm("command.generate_report"),
        },
    )


@login_required
def report_file(request: HttpRequest, report_id: int, kind: str) -> HttpResponseBase:
    require_permission(request.user, "command.view_report", action=_("view reports"))
    report = access_object(Report.objects.all(), request.user, report_id, what=_("Report"))
    handle = report.pdf if kind == "pdf" else report.xlsx
    name = f"{report.jurisdiction.name}-{report.get_period_display()}-{report.start:%Y%m%d}.{kind}"
    return FileResponse(handle.open("rb"), as_attachment=kind != "pdf", filename=name)


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("status", "severity", "kind", "jurisdiction", "q")}
    if "status" not in request.GET:
        filters["status"] = "active"
    page = _page(request, selectors.alert_list(user=request.user, filters=filters))
    context = {
        "page": page,
        "filters": filters,
        "severities": Alert.Severity.choices,
        "statuses": [("active", _("Open or dispatched")), *Alert.Status.choices],
        "kinds": [(code, kind.label) for code, kind in KINDS.items()],
        "summary": selectors.alert_summary(user=request.user),
        "now": timezone.now(),
    }
    template = "command/warning_rows.html" if request.headers.get("HX-Request") else "command/warning_list.html"
    return render(request, template, context)


@login_required
def warning_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert_by_id(request.user, alert_id)
    can_dispatch = request.user.has_perm("command.dispatch_warning")
    dispatch_form = None
    if can_dispatch and alert.is_open:
        dispatch_form = DispatchForm(
            initial={"department": alert.department_id, "deadline": timezone.localdate(alert.deadline)},
            assignees=selectors.assignable_users(alert=alert, department_id=alert.department_id),
        )
    return render(
        request,
        "command/warning_detail.html",
        {
            "alert": alert,
            "tasks": alert.tasks.select_related("department", "assignee").order_by("dispatched_at"),
            "trail": ledger_entries_for(alert),
            "evidence_entries": selectors.alert_evidence_entries(alert=alert),
            "dispatch_form": dispatch_form,
            "dismiss_form": ReasonForm() if request.user.has_perm("command.close_warning") and alert.is_open else None,
        },
    )


@login_required
def assignee_options(request: HttpRequest, alert_id: int) -> HttpResponse:
    """htmx: the officers of the chosen department who may take this warning."""
    alert = selectors.access_alert_by_id(request.user, alert_id)
    department = get_object_or_404(Department, pk=request.GET.get("department") or 0)
    users = selectors.assignable_users(alert=alert, department_id=department.pk)
    return render(request, "command/assignee_options.html", {"users": users})


@login_required
@require_POST
def warning_dispatch(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert_by_id(request.user, alert_id)
    require_permission(request.user, "command.dispatch_warning", action=_("dispatch warnings"))
    # Any active officer parses here; the service refuses one outside the department or jurisdiction.
    form = DispatchForm(request.POST, assignees=User.objects.filter(is_active=True, kind=User.Kind.STAFF))
    if not form.is_valid():
        messages.error(request, _("Please correct the dispatch form: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("command:warning-detail", alert_id=alert.pk)
    task = services.warning_dispatch(
        actor=acting_user(request),
        alert=alert,
        department=form.cleaned_data["department"],
        assignee=form.cleaned_data["assignee"],
        instructions=form.cleaned_data["instructions"],
        deadline=form.deadline_at(),
    )
    messages.success(request, _("Task %(id)s dispatched.") % {"id": task.pk})
    return redirect("command:warning-detail", alert_id=alert.pk)


@login_required
@require_POST
def warning_dismiss(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert_by_id(request.user, alert_id)
    require_permission(request.user, "command.close_warning", action=_("dismiss warnings"))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason is required."))
        return redirect("command:warning-detail", alert_id=alert.pk)
    services.warning_dismiss(actor=acting_user(request), alert=alert, reason=form.cleaned_data["reason"])
    messages.success(request, _("Warning dismissed."))
    return redirect("command:warning-detail", alert_id=alert.pk)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("status", "mine", "overdue")}
    if "status" not in request.GET:
        filters["status"] = "active"
    page = _page(request, selectors.task_list(user=request.user, filters=filters))
    return render(
        request,
        "command/task_list.html",
        {"page": page, "filters": filters, "statuses": [("active", _("Being worked on")), *Task.Status.choices]},
    )


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.access_task_by_id(request.user, task_id)
    user = request.user
    works_here = user.has_perm("command.work_task") and (
        getattr(user, "department_id", None) == task.department_id or user.is_superuser
    )
    return render(
        request,
        "command/task_detail.html",
        {
            "task": task,
            "actions": task.actions.select_related("actor"),
            "trail": ledger_entries_for(task),
            "can_work": works_here and task.is_active,
            "can_accept": works_here and task.status == Task.Status.ASSIGNED,
            "can_review": user.has_perm("command.dispatch_warning") and task.status == Task.Status.REPORTED,
            "record_form": RecordForm(),
            "report_form": TaskReportForm(),
            "review_form": ReviewForm(),
        },
    )


def _task_post(request: HttpRequest, task_id: int, step: str) -> HttpResponse:
    task = selectors.access_task_by_id(request.user, task_id)
    actor = acting_user(request)
    try:
        if step == "accept":
            require_permission(actor, "command.work_task", action=_("work on tasks"))
            services.task_accept(actor=actor, task=task)
            messages.success(request, _("Task accepted."))
        elif step == "record":
            require_permission(actor, "command.work_task", action=_("work on tasks"))
            form = RecordForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValueError(form.errors.as_text())
            services.task_record(
                actor=actor,
                task=task,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                upload=form.cleaned_data["attachment"],
            )
            messages.success(request, _("Recorded."))
        elif step == "report":
            require_permission(actor, "command.work_task", action=_("work on tasks"))
            report = TaskReportForm(request.POST, request.FILES)
            if not report.is_valid():
                raise ValueError(report.errors.as_text())
            services.task_report(
                actor=actor, task=task, text=report.cleaned_data["text"], upload=report.cleaned_data["attachment"]
            )
            messages.success(request, _("Reported done; the command centre will review it."))
        elif step == "review":
            require_permission(actor, "command.dispatch_warning", action=_("review tasks"))
            review = ReviewForm(request.POST)
            if not review.is_valid():
                raise ValueError(review.errors.as_text())
            services.task_review(
                actor=actor,
                task=task,
                accepted=review.cleaned_data["decision"] == "accept",
                text=review.cleaned_data["text"],
            )
            messages.success(request, _("Review recorded."))
    except ValueError as error:
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": error})
    except ApplicationError as error:
        messages.error(request, error.render())
    return redirect("command:task-detail", task_id=task.pk)


@login_required
@require_POST
def task_step(request: HttpRequest, task_id: int, step: str) -> HttpResponse:
    return _task_post(request, task_id, step)


@login_required
def task_attachment(request: HttpRequest, task_id: int, action_id: int) -> HttpResponseBase:
    task = selectors.access_task_by_id(request.user, task_id)
    action = get_object_or_404(task.actions.exclude(attachment=""), pk=action_id)
    return FileResponse(action.attachment.open("rb"), as_attachment=True, filename=action.attachment_name)
