"""Licensing pages: applications, the staff work queue, task decisions, permits and the public
verification page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianguan.core.access import acting_user, require_permission
from jianguan.core.documents import pdf_response, qr_data_uri, render_pdf
from jianguan.core.errors import ApplicationError
from jianguan.core.ledger import ledger_entries_for
from jianguan.licensing import selectors, services
from jianguan.licensing.models import Application, Permit


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.application_list(user=request.user, filters=request.GET.dict())
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    rows = [(a, selectors.countdown(a)) for a in page]
    return render(
        request,
        "licensing/application_list.html",
        {"page": page, "rows": rows, "statuses": Application.Status.choices, "title": _("Licence applications")},
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "licensing.view_application", action=_("see the licensing work queue"))
    rows = [(a, selectors.countdown(a)) for a in selectors.work_queue(user=request.user)[:200]]
    return render(
        request, "licensing/application_list.html", {"rows": rows, "title": _("My work queue"), "queue": True}
    )


@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.access_application_by_id(request.user, application_id)
    lane = application.lane
    can_work = (
        application.status == Application.Status.IN_PROGRESS
        and lane in services.LANE_PERMISSION
        and request.user.has_perm(services.LANE_PERMISSION[lane])
    )
    result = (application.decision or {}).get("result", {})
    return render(
        request,
        "licensing/application_detail.html",
        {
            "application": application,
            "countdown": selectors.countdown(application),
            "explanations": result.get("explanations", []),
            "result": result,
            "can_work": can_work,
            "choices": services.DECISIONS.get(lane, ()),
            "lane_label": services.LANE_LABELS.get(lane, ""),
            "permit": Permit.objects.filter(application=application).first(),
            "trail": ledger_entries_for(application),
        },
    )


@login_required
@require_POST
def task_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.access_application_by_id(request.user, application_id)
    try:
        services.task_complete(
            actor=acting_user(request),
            application=application,
            step=request.POST.get("step", ""),
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.render())
    else:
        messages.success(request, _("Your decision was recorded."))
    return redirect("licensing:application-detail", application_id=application.pk)


@login_required
def permit_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "licensing.view_permit", action=_("see permits"))
    page = Paginator(selectors.permit_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "licensing/permit_list.html", {"page": page})


def _verify_url(request: HttpRequest, permit: Permit) -> str:
    return request.build_absolute_uri(reverse("licensing:verify", args=[services.permit_token(permit)]))


@login_required
def permit_pdf(request: HttpRequest, permit_id: int) -> HttpResponse:
    permit = selectors.access_permit_by_id(request.user, permit_id)
    url = _verify_url(request, permit)
    content = render_pdf("licensing/permit_pdf.html", {"permit": permit, "qr": qr_data_uri(url), "verify_url": url})
    return pdf_response(content, f"{permit.number}.pdf")


@login_required
@require_POST
def permit_revoke(request: HttpRequest, permit_id: int) -> HttpResponse:
    permit = selectors.access_permit_by_id(request.user, permit_id)
    try:
        services.permit_revoke(actor=acting_user(request), permit=permit, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, error.render())
    else:
        messages.success(request, _("The permit was revoked."))
    return redirect("licensing:application-detail", application_id=permit.application_id)


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: whether a permit is genuine and still valid. No sign-in needed."""
    permit, verdict = services.permit_from_token(token)
    return render(
        request, "licensing/verify.html", {"permit": permit, "verdict": verdict}, status=200 if permit else 404
    )
