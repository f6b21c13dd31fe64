"""Staff pages of the credit office: credit files with history charts, manual entry (handle →
review → approve), the queues of records and appeals, and the behaviour catalogue (view the
versions, check an edited or uploaded version with every problem listed, publish it)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianguan.core.access import access_object, acting_user, require_permission
from jianguan.core.errors import ApplicationError
from jianguan.core.ledger import ledger_entries_for
from jianguan.credit import selectors, services
from jianguan.credit.catalogue import catalogue_diff
from jianguan.credit.domain import Kind, SubjectType
from jianguan.credit.errors import CatalogueRefused, problem_message
from jianguan.credit.forms import AppealForm, CatalogueForm, DecideForm, RecordForm, StepForm
from jianguan.credit.models import Appeal, CatalogueVersion, Record


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, 50).get_page(request.GET.get("page"))


def _form_errors(request: HttpRequest, form: Any) -> None:
    messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})


@login_required
def subject_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "credit.view_subject", action=_("view credit files"))
    query = request.GET.get("q", "").strip()
    subjects = selectors.subject_list(user=request.user, filters={"q": query})
    return render(request, "credit/subject_list.html", {"page": _page(request, subjects), "query": query})


def _items_for(subject: Any) -> list[Any]:
    if not subject.subject_type:
        return []
    catalogue = services.catalogue_of(services.catalogue_in_force(timezone.localdate()))
    return catalogue.items_for(SubjectType(subject.subject_type))


@login_required
def subject_detail(request: HttpRequest, subject_id: int) -> HttpResponse:
    require_permission(request.user, "credit.view_subject", action=_("view credit files"))
    subject = selectors.access_subject_by_id(request.user, subject_id)
    today = timezone.localdate()
    history = selectors.credit_history(subject, today - dt.timedelta(days=3 * 365), today)
    chart = {
        "days": [s.day.isoformat() for s in history],
        "scores": [float(s.score) for s in history],
        "blacklisted": [1 if s.blacklisted else 0 for s in history],
    }
    records = subject.records.select_related("catalogue").prefetch_related("appeals").order_by("-event_date", "-id")
    can_enter = request.user.has_perm("credit.add_record")
    return render(
        request,
        "credit/subject_detail.html",
        {
            "subject": subject,
            "standing": history[-1] if history else selectors.credit_standing(subject, today),
            "chart": chart,
            "records": records,
            "today": today,
            "form": RecordForm(items=_items_for(subject)) if can_enter else None,
            "appeal_form": AppealForm() if request.user.has_perm("credit.add_appeal") else None,
            "trail": ledger_entries_for(subject),
        },
    )


@login_required
@require_POST
def record_create(request: HttpRequest, subject_id: int) -> HttpResponse:
    require_permission(request.user, "credit.add_record", action=_("enter credit records"))
    subject = selectors.access_subject_by_id(request.user, subject_id)
    form = RecordForm(request.POST, items=_items_for(subject))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("credit:subject", subject_id=subject.pk)
    data = form.cleaned_data
    penalty = None
    if data["source"] == Record.Source.PENALTY:
        penalty = {k: data[k] for k in ("decision_number", "facts", "basis", "penalty", "decided_on")}
    try:
        services.record_handle(
            actor=acting_user(request),
            subject=subject,
            code=data["code"],
            event_date=data["event_date"],
            source=data["source"],
            quantity=data["quantity"],
            penalty=penalty,
            penalty_until=data["penalty_until"],
            note=data["note"],
        )
    except ApplicationError as error:
        messages.error(request, error.render())
    else:
        messages.success(request, _("Record entered; it now awaits review by a second person."))
    return redirect("credit:subject", subject_id=subject.pk)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "credit.view_record", action=_("view credit records"))
    return render(
        request,
        "credit/queue.html",
        {
            "records": selectors.records_awaiting(user=request.user).order_by("created_at"),
            "appeals": selectors.appeals_pending(user=request.user),
            "today": timezone.localdate(),
            "decide_form": DecideForm(),
        },
    )


def _record_in_scope(request: HttpRequest, record_id: int) -> Record:
    return access_object(Record.objects.all(), request.user, record_id, what=_("Record"), field="subject__jurisdiction")


@login_required
@require_POST
def record_step(request: HttpRequest, record_id: int, step: str) -> HttpResponse:
    permission = "credit.review_record" if step == "review" else "credit.approve_record"
    require_permission(request.user, permission, action=_("review or approve credit records"))
    record = _record_in_scope(request, record_id)
    form = StepForm(request.POST)
    form.is_valid()
    accept = bool(form.cleaned_data.get("accept"))
    service = services.record_review if step == "review" else services.record_approve
    try:
        service(actor=acting_user(request), record=record, accept=accept, note=form.cleaned_data.get("note", ""))
    except ApplicationError as error:
        messages.error(request, error.render())
    else:
        messages.success(request, _("Done."))
    return redirect("credit:queue")


@login_required
@require_POST
def appeal_create(request: HttpRequest, record_id: int) -> HttpResponse:
    require_permission(request.user, "credit.add_appeal", action=_("register appeals"))
    record = _record_in_scope(request, record_id)
    form = AppealForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.appeal_lodge(
                actor=acting_user(request),
                record=record,
                applicant=form.cleaned_data["applicant"],
                grounds=form.cleaned_data["grounds"],
                received_on=form.cleaned_data["received_on"],
            )
        except ApplicationError as error:
            messages.error(request, error.render())
        else:
            messages.success(request, _("Appeal registered."))
    return redirect("credit:subject", subject_id=record.subject_id)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    require_permission(request.user, "credit.decide_appeal", action=_("decide appeals"))
    appeal = access_object(
        Appeal.objects.all(), request.user, appeal_id, what=_("Appeal"), field="record__subject__jurisdiction"
    )
    form = DecideForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("credit:queue")
    try:
        services.appeal_decide(actor=acting_user(request), appeal=appeal, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.render())
    else:
        messages.success(request, _("Appeal decided."))
    return redirect("credit:queue")


# --- the behaviour catalogue ---------------------------------------------------------------------


def _catalogue_sections(catalogue: Any) -> list[dict[str, Any]]:
    """The catalogue's items grouped by subject type, bad before good, for display."""
    sections = []
    for entry in catalogue.subject_types.values():
        sections.append(
            {
                "entry": entry,
                "bad": catalogue.items_for(entry.code, Kind.BAD),
                "good": catalogue.items_for(entry.code, Kind.GOOD),
            }
        )
    return sections


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue in force today, item by item, and every stored version."""
    require_permission(request.user, "credit.view_catalogueversion", action=_("view the behaviour catalogue"))
    today = timezone.localdate()
    current = services.catalogue_in_force(today)
    return render(
        request,
        "credit/catalogue.html",
        {
            "current": current,
            "catalogue": services.catalogue_of(current),
            "sections": _catalogue_sections(services.catalogue_of(current)),
            "versions": CatalogueVersion.objects.order_by("-effective_from", "-id"),
            "today": today,
        },
    )


@login_required
def catalogue_download(request: HttpRequest, version_id: int) -> JsonResponse:
    require_permission(request.user, "credit.view_catalogueversion", action=_("view the behaviour catalogue"))
    version = CatalogueVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise Http404(_("No such catalogue version."))
    response = JsonResponse(version.document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="credit-catalogue-{version.version}.json"'
    return response


def _document_of(form: CatalogueForm) -> str | bytes:
    upload = form.cleaned_data.get("upload")
    if upload is not None:
        return bytes(upload.read())
    return str(form.cleaned_data.get("document") or "")


@login_required
def catalogue_edit(request: HttpRequest) -> HttpResponse:
    """Edit the current version's JSON or upload a file; "check" lists every problem or what the new
    version changes; "publish" stores it as a new version (in the ledger) for those allowed."""
    require_permission(request.user, "credit.add_catalogueversion", action=_("publish catalogue versions"))
    current = services.catalogue_in_force(timezone.localdate())
    context: dict[str, Any] = {"current": current, "problems": [], "checked": None, "changes": []}
    if request.method != "POST":
        form = CatalogueForm(initial={"document": json.dumps(current.document, ensure_ascii=False, indent=2)})
        context["form"] = form
        return render(request, "credit/catalogue_edit.html", context)
    form = CatalogueForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "credit/catalogue_edit.html", context, status=400)
    document = _document_of(form)
    if isinstance(document, bytes):
        # an uploaded file is shown in the editor afterwards, so it can be corrected in place
        data = request.POST.copy()
        data["document"] = document.decode("utf-8", errors="replace")
        form.data = data
    publish = request.POST.get("action") == "publish"
    try:
        checked = services.catalogue_check(document)
        if publish:
            version = services.catalogue_publish(actor=acting_user(request), document=document)
    except CatalogueRefused as refused:
        context["problems"] = [
            problem_message(p["reason"], {k: v for k, v in p.items() if k != "reason"})
            for p in refused.extra["problems"]
        ]
        return render(request, "credit/catalogue_edit.html", context, status=400)
    except ApplicationError as error:
        context["problems"] = [error.render()]
        return render(request, "credit/catalogue_edit.html", context, status=error.status)
    if publish:
        messages.success(
            request,
            _("Catalogue version %(version)s was published; it applies to behaviour from %(date)s.")
            % {"version": version.version, "date": version.effective_from.isoformat()},
        )
        return redirect("credit:catalogue")
    context["checked"] = checked
    context["changes"] = catalogue_diff(services.catalogue_of(current), checked)
    return render(request, "credit/catalogue_edit.html", context)
