"""Core's web pages: sign-in, the workbench, devices, the ledger, error pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianguan.core import selectors, services
from jianguan.core.access import acting_user, require_permission
from jianguan.core.auth import password_policy_summary
from jianguan.core.forms import LoginForm, ReasonForm
from jianguan.core.ledger import ledger_entries_for, ledger_verify
from jianguan.core.models import Device, LedgerEntry
from jianguan.core.roles import role_name


def health(request: HttpRequest) -> JsonResponse:
    """A trivial endpoint: load balancers, and the baseline in benchmarks."""
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:workbench")
    return redirect("core:login")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = "/workbench/"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["policy"] = password_policy_summary()
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = request.user
    recent = LedgerEntry.objects.filter(actor_id=user.pk).order_by("-seq")[:10]
    roles = [role_name(group.name) for group in user.groups.all()]
    return render(request, "core/workbench.html", {"recent": recent, "roles": roles})


def _page(request: HttpRequest, queryset: Any, per_page: int = 50) -> Any:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("kind", "status", "q")}
    page = _page(request, selectors.device_list(user=request.user, filters=filters))
    context = {"page": page, "filters": filters, "kinds": Device.Kind.choices, "statuses": Device.Status.choices}
    template = "core/device_rows.html" if request.headers.get("HX-Request") else "core/device_list.html"
    return render(request, template, context)


@login_required
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    device = selectors.access_device_by_id(request.user, device_id)
    return render(
        request,
        "core/device_detail.html",
        {
            "device": device,
            "trail": ledger_entries_for(device),
            "can_suspend": request.user.has_perm("core.suspend_device"),
            "form": ReasonForm(),
        },
    )


@login_required
@require_POST
def device_status_change(request: HttpRequest, device_id: int, change: str) -> HttpResponse:
    device = selectors.access_device_by_id(request.user, device_id)
    require_permission(request.user, "core.suspend_device", action=_("suspend or resume devices"))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason is required."))
        return redirect("core:device-detail", device_id=device.pk)
    if change == "suspend":
        services.device_suspend(actor=acting_user(request), device=device, reason=form.cleaned_data["reason"])
        messages.success(request, _("Device suspended."))
    else:
        services.device_resume(actor=acting_user(request), device=device, reason=form.cleaned_data["reason"])
        messages.success(request, _("Device resumed."))
    return redirect("core:device-detail", device_id=device.pk)


@login_required
def ledger_list(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("action", "object_type", "object_id", "actor")}
    page = _page(request, selectors.ledger_list(user=request.user, filters=filters))
    return render(request, "core/ledger_list.html", {"page": page, "filters": filters})


@login_required
@require_POST
def ledger_verify_view(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "core.verify_ledger", action=_("verify the ledger"))
    return render(request, "core/ledger_verify_result.html", {"result": ledger_verify()})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 400, "title": _("Bad request")}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 403, "title": _("Access denied")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 404, "title": _("Page not found")}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 500, "title": _("Server error")}, status=500)
