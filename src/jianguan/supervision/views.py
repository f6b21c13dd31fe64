"""Supervision's pages: inspections (the phone page and the office form that starts one), findings
(review and confirmation by different people), rectification and stop-work orders (issue, reply,
re-inspection, lifting), random draws; and two public pages without sign-in: published draws (no
personal data) and the verification of a notice.

Views check the shape of the input with a form and call one service; a refusal (an
``ApplicationError``) is shown on the same page with its status code, the form kept as typed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jianguan.core import errors
from jianguan.core.access import acting_user, require_permission
from jianguan.core.ledger import ledger_entries_for
from jianguan.core.models import User
from jianguan.registry.models import BidSection
from jianguan.supervision import documents, forms, integrations, selectors, services
from jianguan.supervision.checklists import checklist_current
from jianguan.supervision.models import Draw, Finding, Inspection, RectificationOrder, StopWorkOrder

FORM_INVALID = gettext_lazy("Please correct the form: %(errors)s")
UNKNOWN_CHECKLIST = gettext_lazy("Checklist %(id)s does not exist.")


def _form_problem(form: Any) -> errors.ValidationFailed:
    return errors.ValidationFailed(FORM_INVALID, code="form_invalid", errors=forms.form_error_text(form))


def _refused(
    request: HttpRequest, template: str, context: dict[str, Any], error: errors.ApplicationError
) -> HttpResponse:
    """The page again, with the refusal on top and the status of the error."""
    return render(request, template, {**context, "error": error}, status=error.status)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, 50).get_page(request.GET.get("page"))


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    origin = request.GET.get("origin", "")
    filters = {"origin": origin} if origin in Inspection.Origin.values else {}
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "page": _page(request, selectors.inspection_list(user=request.user, filters=filters)),
            "counts": selectors.inspection_counts(user=request.user),
            "origin": origin,
        },
    )


@login_required
def inspection_do(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The phone page: every item with large answer buttons, photo capture and notes. Answers are
    kept in the browser (localStorage) and sent to the API with a key each; offline they wait."""
    inspection = selectors.access_inspection_by_id(request.user, inspection_id)
    answers = {a.item_id: a for a in inspection.answers.prefetch_related("photos")}
    items = [(item, answers.get(item.pk)) for item in inspection.checklist.items.all()]
    section: BidSection = inspection.bid_section
    today = timezone.localdate()
    state = {
        item.code: {
            "result": a.result,
            "note": a.note,
            "measurement": a.measurement,
            "signature": a.signature,
            "key": a.key,
            "photos": a.photos.count(),
        }
        for item, a in items
        if a is not None
    }
    return render(
        request,
        "supervision/inspection_do.html",
        {
            "inspection": inspection,
            "items": items,
            "section": section,
            "prompts": integrations.drawing_review_prompts(section),
            "presence": integrations.key_people_presence(section, today),
            "server_state": json.dumps(state, ensure_ascii=False),
            "is_inspector": inspection.inspectors.filter(pk=getattr(request.user, "pk", 0) or 0).exists(),
            "findings": inspection.findings.all(),
            "trail": ledger_entries_for(inspection),
        },
    )


@login_required
def inspection_new(request: HttpRequest) -> HttpResponse:
    """Start an inspection: a bid section, a checklist version and at least two inspectors; either
    from a draw (planned, the drawn inspectors) or unplanned with a reason."""
    actor = acting_user(request)
    require_permission(actor, "supervision.inspect", action=_("start inspections"))
    source = request.POST if request.method == "POST" else request.GET
    draw = selectors.access_assigned_draw(actor, source["draw"]) if str(source.get("draw", "")).isdigit() else None
    inspectors = list(selectors.inspector_choices(user=actor))
    initial: dict[str, Any] = {}
    if draw is not None:
        drawn = {u.pk: u for row in selectors.draw_rows(draw) for u in row.inspectors}
        inspectors += [u for pk, u in drawn.items() if pk not in {i.pk for i in inspectors}]
        row = next((r for r in draw.result if str(r["section"]) == str(request.GET.get("section"))), None)
        checklist = checklist_current(draw.kind)
        initial = {
            "draw": draw.pk,
            "bid_section": row["code"] if row else "",
            "inspectors": row["inspectors"] if row else [],
            "checklist": checklist.pk if checklist else None,
        }
    form = forms.InspectionStartForm(
        request.POST or None, initial=initial, checklists=selectors.checklist_choices(), inspectors=inspectors
    )
    context = {"form": form, "draw": draw, "sections": selectors.startable_sections(user=actor)[:1000]}
    if request.method != "POST":
        return render(request, "supervision/inspection_new.html", context)
    try:
        if not form.is_valid():
            raise _form_problem(form)
        values = form.cleaned_data
        section = selectors.section_by_code(user=actor, code=values["bid_section"])
        checklist = next((c for c in selectors.checklist_choices() if c.pk == values["checklist"]), None)
        if checklist is None:
            raise errors.ValidationFailed(UNKNOWN_CHECKLIST, code="no_checklist", id=values["checklist"])
        inspection = services.inspection_start(
            actor=actor,
            bid_section=section,
            checklist=checklist,
            inspectors=[u for u in inspectors if u.pk in set(values["inspectors"])],
            draw=draw,
            reason=values["reason"],
        )
    except errors.ApplicationError as error:
        return _refused(request, "supervision/inspection_new.html", context, error)
    messages.success(request, _("Inspection %(number)s was started.") % {"number": inspection.number})
    return redirect("supervision:inspection-do", inspection_id=inspection.pk)


FINDING_TABS = ("open", Finding.Status.CONFIRMED, Finding.Status.WITHDRAWN)


def _finding_list_context(request: HttpRequest, status: str) -> dict[str, Any]:
    page = _page(request, selectors.finding_list(user=request.user, filters={"status": status}))
    return {
        "page": page,
        "status": status,
        "can_issue": status == Finding.Status.CONFIRMED and request.user.has_perm("supervision.issue_order"),
        "issue_form": forms.OrderIssueForm(request.POST or None, finding_ids=[f.pk for f in page]),
    }


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    """Findings by state: open ones await review or confirmation; from confirmed ones the head
    issues a rectification order or, for severe ones, a stop-work order."""
    status = request.GET.get("status", "open")
    status = status if status in FINDING_TABS else "open"
    return render(request, "supervision/finding_list.html", _finding_list_context(request, status))


@login_required
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.access_finding_by_id(request.user, finding_id)
    return render(request, "supervision/finding_detail.html", _finding_context(request, finding))


def _finding_context(request: HttpRequest, finding: Finding) -> dict[str, Any]:
    user = request.user
    return {
        "finding": finding,
        "inspectors": finding.inspection.inspectors.order_by("username"),
        "photos": finding.answer.photos.all() if finding.answer else [],
        "review_form": forms.FindingReviewForm(
            request.POST if request.method == "POST" and "accepted" in request.POST else None
        ),
        "can_review": finding.status == Finding.Status.PROPOSED and user.has_perm("supervision.review_finding"),
        "can_confirm": finding.status == Finding.Status.REVIEWED and user.has_perm("supervision.confirm_finding"),
        "orders": finding.rectification_orders.all(),
        "stop_orders": finding.stop_work_orders.all(),
        "trail": ledger_entries_for(finding),
    }


@login_required
@require_POST
def finding_review(request: HttpRequest, finding_id: int) -> HttpResponse:
    actor = acting_user(request)
    finding = selectors.access_finding_by_id(actor, finding_id)
    form = forms.FindingReviewForm(request.POST)
    try:
        require_permission(actor, "supervision.review_finding", action=_("review findings"))
        if not form.is_valid():
            raise _form_problem(form)
        services.finding_review(actor=actor, finding=finding, **form.cleaned_data)
    except errors.ApplicationError as error:
        return _refused(request, "supervision/finding_detail.html", _finding_context(request, finding), error)
    messages.success(request, _("Review recorded."))
    return redirect("supervision:finding-detail", finding_id=finding.pk)


@login_required
@require_POST
def finding_confirm(request: HttpRequest, finding_id: int) -> HttpResponse:
    actor = acting_user(request)
    finding = selectors.access_finding_by_id(actor, finding_id)
    try:
        require_permission(actor, "supervision.confirm_finding", action=_("confirm findings"))
        services.finding_confirm(actor=actor, finding=finding)
    except errors.ApplicationError as error:
        return _refused(request, "supervision/finding_detail.html", _finding_context(request, finding), error)
    messages.success(request, _("Finding confirmed."))
    return redirect("supervision:finding-detail", finding_id=finding.pk)


@login_required
@require_POST
def order_issue(request: HttpRequest) -> HttpResponse:
    """From ticked confirmed findings: a rectification order (working days) or a stop-work order (reason)."""
    actor = acting_user(request)
    ids = [int(v) for v in request.POST.getlist("findings") if v.isdigit()][:100]
    form = forms.OrderIssueForm(request.POST, finding_ids=ids)
    context = _finding_list_context(request, Finding.Status.CONFIRMED)
    context["issue_form"] = form
    try:
        require_permission(actor, "supervision.issue_order", action=_("issue rectification and stop-work orders"))
        if not form.is_valid():
            raise _form_problem(form)
        values = form.cleaned_data
        findings = [selectors.access_finding_by_id(actor, pk) for pk in values["findings"]]
        if values["action"] == forms.OrderIssueForm.STOP_WORK:
            stop = services.stop_work_issue(actor=actor, findings=findings, reason=values["reason"] or "")
            messages.success(request, _("Stop-work order %(number)s was issued.") % {"number": stop.number})
            return redirect("supervision:stopwork-detail", order_id=stop.pk)
        if values["working_days"] is None:
            raise errors.ValidationFailed(services.WORKING_DAYS, code="working_days")
        order = services.rectification_issue(actor=actor, findings=findings, working_days=values["working_days"])
    except errors.ApplicationError as error:
        return _refused(request, "supervision/finding_list.html", context, error)
    messages.success(request, _("Rectification order %(number)s was issued.") % {"number": order.number})
    return redirect("supervision:order-detail", order_id=order.pk)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    return render(
        request,
        "supervision/order_list.html",
        {
            "page": _page(request, selectors.order_list(user=request.user, filters={"status": status})),
            "status": status,
            "today": timezone.localdate(),
        },
    )


def _order_context(request: HttpRequest, order: RectificationOrder) -> dict[str, Any]:
    user = request.user
    is_enterprise = getattr(user, "kind", "") == User.Kind.ENTERPRISE
    posted = request.POST if request.method == "POST" else None
    return {
        "order": order,
        "findings": order.findings.all(),
        "evidence": order.evidence.all(),
        "trail": [] if is_enterprise else ledger_entries_for(order),
        "today": timezone.localdate(),
        "is_enterprise": is_enterprise,
        "can_reply": order.status == RectificationOrder.Status.ISSUED
        and (is_enterprise or user.has_perm("supervision.issue_order")),
        "can_review": order.status == RectificationOrder.Status.REPLIED and user.has_perm("supervision.issue_order"),
        "reply_form": forms.ReplyForm(posted if posted and "text" in posted else None),
        "review_form": forms.OrderReviewForm(posted if posted and "accepted" in posted else None),
    }


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.access_order_for_reply(request.user, order_id)
    return render(request, "supervision/order_detail.html", _order_context(request, order))


@login_required
@require_POST
def order_reply(request: HttpRequest, order_id: int) -> HttpResponse:
    """The enterprise's reply with its evidence, sent by the enterprise or recorded by staff from paper."""
    actor = acting_user(request)
    order = selectors.access_order_for_reply(actor, order_id)
    form = forms.ReplyForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise _form_problem(form)
        services.rectification_reply(
            actor=actor, order=order, text=form.cleaned_data["text"], files=form.cleaned_data["evidence"]
        )
    except errors.ApplicationError as error:
        return _refused(request, "supervision/order_detail.html", _order_context(request, order), error)
    messages.success(request, _("The reply was recorded; the order awaits re-inspection."))
    return redirect("supervision:order-detail", order_id=order.pk)


@login_required
@require_POST
def order_review(request: HttpRequest, order_id: int) -> HttpResponse:
    """Re-inspection of the reply: close the order or return it to the enterprise."""
    actor = acting_user(request)
    order = selectors.access_order_by_id(actor, order_id)
    form = forms.OrderReviewForm(request.POST)
    try:
        require_permission(actor, "supervision.issue_order", action=_("review rectification replies"))
        if not form.is_valid():
            raise _form_problem(form)
        order = services.rectification_review(actor=actor, order=order, **form.cleaned_data)
    except errors.ApplicationError as error:
        return _refused(request, "supervision/order_detail.html", _order_context(request, order), error)
    if order.status == RectificationOrder.Status.CLOSED:
        messages.success(request, _("The order is closed."))
    else:
        messages.success(request, _("The order was returned to the enterprise."))
    return redirect("supervision:order-detail", order_id=order.pk)


@login_required
def order_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    return documents.rectification_pdf_response(request, selectors.access_order_for_reply(request.user, order_id))


@login_required
def stop_work_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", StopWorkOrder.Status.IN_FORCE)
    return render(
        request,
        "supervision/stop_work_list.html",
        {
            "page": _page(request, selectors.stop_work_list(user=request.user, filters={"status": status})),
            "status": status,
        },
    )


def _stop_work_context(request: HttpRequest, order: StopWorkOrder) -> dict[str, Any]:
    return {
        "order": order,
        "findings": order.findings.all(),
        "can_lift": order.status == StopWorkOrder.Status.IN_FORCE and request.user.has_perm("supervision.issue_order"),
        "lift_form": forms.LiftForm(request.POST if request.method == "POST" else None),
        "orders": RectificationOrder.objects.filter(findings__in=order.findings.all()).distinct(),
        "trail": ledger_entries_for(order),
    }


@login_required
def stop_work_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.access_stop_work_by_id(request.user, order_id)
    return render(request, "supervision/stop_work_detail.html", _stop_work_context(request, order))


@login_required
@require_POST
def stop_work_lift(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = acting_user(request)
    order = selectors.access_stop_work_by_id(actor, order_id)
    form = forms.LiftForm(request.POST)
    try:
        require_permission(actor, "supervision.issue_order", action=_("lift stop-work orders"))
        if not form.is_valid():
            raise _form_problem(form)
        services.stop_work_lift(actor=actor, order=order, reason=form.cleaned_data["reason"])
    except errors.ApplicationError as error:
        return _refused(request, "supervision/stop_work_detail.html", _stop_work_context(request, order), error)
    messages.success(request, _("The stop-work order was lifted."))
    return redirect("supervision:stopwork-detail", order_id=order.pk)


@login_required
def stop_work_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    return documents.stop_work_pdf_response(request, selectors.access_stop_work_by_id(request.user, order_id))


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    """The draws so far and, for those who may, the form for a new one."""
    actor = acting_user(request)
    jurisdictions = list(selectors.draw_jurisdictions(user=actor))
    form = forms.DrawForm(request.POST or None, jurisdictions=jurisdictions)
    context = {
        "page": _page(request, selectors.draw_list(user=actor)),
        "form": form,
        "can_draw": actor.has_perm("supervision.make_draw"),
    }
    if request.method != "POST":
        return render(request, "supervision/draw_list.html", context)
    try:
        require_permission(actor, "supervision.make_draw", action=_("make random draws"))
        if not form.is_valid():
            raise _form_problem(form)
        values = form.cleaned_data
        draw = services.draw_make(
            actor=actor,
            jurisdiction=next(j for j in jurisdictions if j.pk == values["jurisdiction"]),
            kind=values["kind"],
            targets=values["targets"],
            inspectors_per_target=values["inspectors_per_target"],
            seed=values["seed"] or None,
        )
    except errors.ApplicationError as error:
        return _refused(request, "supervision/draw_list.html", context, error)
    messages.success(request, _("Draw %(number)s was made.") % {"number": draw.number})
    return redirect("supervision:draw-detail", draw_id=draw.pk)


@login_required
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    """One draw: its parameters, seed, candidate digest, the sites and inspectors drawn, and a
    check that the stored candidates and seed give the same result again."""
    draw = selectors.access_draw_by_id(request.user, draw_id)
    return render(request, "supervision/draw_detail.html", _draw_context(request, draw))


def _draw_context(request: HttpRequest, draw: Draw) -> dict[str, Any]:
    from jianguan.supervision import domain

    return {
        "draw": draw,
        "rows": selectors.draw_rows(draw),
        "reproduces": selectors.draw_reproduces(draw),
        "digest": domain.candidates_digest(draw.candidates),
        "candidate_sections": len(draw.candidates.get("sections", [])),
        "candidate_inspectors": len(draw.candidates.get("inspectors", [])),
        "can_publish": draw.published_at is None and request.user.has_perm("supervision.publish_draw"),
        "can_start": request.user.has_perm("supervision.inspect"),
        "trail": ledger_entries_for(draw),
    }


@login_required
@require_POST
def draw_publish(request: HttpRequest, draw_id: int) -> HttpResponse:
    actor = acting_user(request)
    draw = selectors.access_draw_by_id(actor, draw_id)
    try:
        require_permission(actor, "supervision.publish_draw", action=_("publish draws"))
        services.draw_publish(actor=actor, draw=draw)
    except errors.ApplicationError as error:
        return _refused(request, "supervision/draw_detail.html", _draw_context(request, draw), error)
    messages.success(request, _("Draw %(number)s is published.") % {"number": draw.number})
    return redirect("supervision:draw-detail", draw_id=draw.pk)


def _public_rows(draw: Draw) -> list[dict[str, Any]]:
    sections = {
        s.pk: s for s in BidSection.objects.filter(pk__in=[r["section"] for r in draw.result]).select_related("project")
    }
    return [
        {
            "code": r["code"],
            "name": f"{sections[r['section']].project.name} {sections[r['section']].name}"
            if r["section"] in sections
            else r["code"],
            "inspectors": len(r["inspectors"]),
        }
        for r in draw.result
    ]


def draws_public(request: HttpRequest) -> HttpResponse:
    """双随机一公开: every published draw — sites, seed, how many inspectors; never their names."""
    draws = [(draw, _public_rows(draw)) for draw in selectors.published_draws()[:50]]
    return render(request, "supervision/draws_public.html", {"draws": draws})


def verify(request: HttpRequest, number: str) -> HttpResponse:
    """What the QR code on a notice opens: whether the number is genuine and its current state."""
    order: RectificationOrder | StopWorkOrder | None = (
        RectificationOrder.objects.filter(number=number).select_related("enterprise", "bid_section").first()
        or StopWorkOrder.objects.filter(number=number).select_related("enterprise", "bid_section").first()
    )
    if order is None:
        raise Http404(_("No notice has this number."))
    kind = _("Rectification order") if isinstance(order, RectificationOrder) else _("Stop-work order")
    return render(
        request, "supervision/verify.html", {"order": order, "kind": kind, "checked_at": dt.datetime.now(tz=dt.UTC)}
    )
