"""Licensing pages: applications, the staff work queue, task decisions, permits and the public
verification page."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jianguan.core.access import acting_user, require_permission
from jianguan.core.documents import pdf_response, qr_data_uri, render_pdf
from jianguan.core.errors import ApplicationError, ValidationFailed
from jianguan.core.ledger import ledger_entries_for
from jianguan.core.models import User
from jianguan.licensing import selectors, services
from jianguan.licensing.models import Application, Permit
from jianguan.registry.domain import CLASSES
from jianguan.registry.models import BidSection, Enterprise, Person, Qualification
from jianguan.registry.selectors import account_enterprise

UNKNOWN_ENTERPRISE = gettext_lazy("No enterprise with this unified social credit code is registered.")
UNKNOWN_SECTION = gettext_lazy("No bid section with this code is registered.")
NOT_A_NUMBER = gettext_lazy("%(field)s must be a whole number.")


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "kind", "") != User.Kind.ENTERPRISE:
        require_permission(request.user, "licensing.view_application", action=_("see licence applications"))
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
            "can_correct": application.status == Application.Status.CORRECTION
            and (
                request.user.pk == application.submitted_by_id or request.user.has_perm("licensing.handle_application")
            ),
            "declarations": [
                (code, label, bool(application.facts.get(code)))
                for code, label in services.DECLARATIONS[application.kind].items()
            ],
            "materials": services.MATERIALS[application.kind].items(),
            "attachments": [
                (services.MATERIALS[application.kind].get(a.material, a.material), a)
                for a in application.attachments.all()
            ],
            "trail": ledger_entries_for(application),
            "done_steps": sorted(
                {
                    e.data.get("step", "")
                    for e in ledger_entries_for(application).filter(action="licensing.task.completed")
                }
            ),
        },
    )


@login_required
def application_diagram(request: HttpRequest, application_id: int) -> HttpResponse:
    """The BPMN of the version this application runs on, for the diagram viewer."""
    application = selectors.access_application_by_id(request.user, application_id)
    return HttpResponse(application.process.bpmn, content_type="application/xml; charset=utf-8")


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


def _enterprises_for(user: User) -> list[Enterprise]:
    if user.kind == User.Kind.ENTERPRISE:
        enterprise = account_enterprise(user)
        return [enterprise] if enterprise else []
    return []


@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    """Apply online: the kind first, then its declarations and materials (each file checked)."""
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in services.DEFAULT_TIME_LIMITS:
        return render(request, "licensing/application_new.html", {"kinds": Application.Kind.choices})
    user = acting_user(request)
    context: dict[str, Any] = {
        "kind": kind,
        "kind_label": Application.Kind(kind).label,
        "declarations": services.DECLARATIONS[kind].items(),
        "materials": services.MATERIALS[kind].items(),
        "enterprises": _enterprises_for(user),
        "client_key": request.POST.get("client_key") or uuid.uuid4().hex,
        "values": request.POST,
        "time_limit": services.time_limit_for(kind),
        "qualification_classes": _qualification_classes() if kind == "qualification_application" else [],
    }
    if request.method == "POST":
        try:
            applicant = Enterprise.objects.filter(uscc=request.POST.get("applicant", "").strip()).first()
            section = BidSection.objects.filter(code=request.POST.get("bid_section", "").strip()).first()
            person_id = request.POST.get("person", "").strip()
            person = Person.objects.filter(pk=int(person_id)).first() if person_id.isdigit() else None
            if applicant is None:
                raise ValidationFailed(UNKNOWN_ENTERPRISE, code="enterprise_unknown")
            if request.POST.get("bid_section") and section is None:
                raise ValidationFailed(UNKNOWN_SECTION, code="bid_section_unknown")
            declared: dict[str, Any] = {key: key in request.POST for key in services.DECLARATIONS[kind]}
            if kind == "qualification_application":
                declared.update(_qualification_numbers(request))
            files = _uploads(request, kind)
            application, _created = services.application_submit(
                actor=user,
                kind=kind,
                applicant=applicant,
                bid_section=section,
                person=person,
                declared=declared,
                files=files,
                client_key=context["client_key"],
            )
        except ApplicationError as error:
            context["error"] = error.render()
        else:
            messages.success(request, _("Application %(number)s was submitted.") % {"number": application.number})
            return redirect("licensing:application-detail", application_id=application.pk)
    return render(request, "licensing/application_form.html", context)


def _uploads(request: HttpRequest, kind: str) -> dict[str, UploadedFile]:
    found = {code: request.FILES.get(f"file_{code}") for code in services.MATERIALS[kind]}
    return {code: upload for code, upload in found.items() if isinstance(upload, UploadedFile)}


def _qualification_numbers(request: HttpRequest) -> dict[str, Any]:
    """The class and grade applied for and the completed projects listed; registered people, the
    credit grade and accidents come from the registry and the credit file, not from the form."""
    category, _sep, klass = request.POST.get("qualification", "").partition(":")
    values: dict[str, Any] = {
        "category": category,
        "klass": klass,
        "requested_grade": request.POST.get("requested_grade", ""),
    }
    raw = request.POST.get("completed_projects", "0").strip()
    if not raw.isdigit():
        raise ValidationFailed(NOT_A_NUMBER, code="not_a_number", field=_("Completed projects"))
    values["completed_projects"] = int(raw)
    return values


def _qualification_classes() -> list[tuple[str, list[tuple[str, str]]]]:
    """Construction qualification classes to apply for, grouped by category (建市〔2020〕94号)."""
    labels = dict(Qualification.Category.choices)
    return [
        (str(labels[category]), [(f"{category}:{klass}", name) for klass, name in CLASSES[category].items()])
        for category in services.QUALIFICATION_CATEGORIES
    ]


@login_required
def application_correct(request: HttpRequest, application_id: int) -> HttpResponse:
    """The applicant's correction (补正): more materials or declarations; the clock resumes."""
    application = selectors.access_application_by_id(request.user, application_id)
    if request.method == "POST":
        declared = {key: key in request.POST for key in services.DECLARATIONS[application.kind]}
        files = _uploads(request, application.kind)
        try:
            services.application_resubmit(
                actor=acting_user(request), application=application, declared=declared, files=files
            )
        except ApplicationError as error:
            messages.error(request, error.render())
        else:
            messages.success(request, _("The corrected application was submitted; the clock runs again."))
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
