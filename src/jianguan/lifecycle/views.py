"""The stage line's pages: a bid section's timeline (opening a stage shows its gate decision), the
city's passed deadlines and out-of-order stages, drawing-review findings."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from jianguan.core import errors
from jianguan.core.access import acting_user, require_permission, scope_queryset
from jianguan.core.documents import Column, excel_response, pdf_response, render_pdf, workbook_bytes
from jianguan.core.errors import ApplicationError
from jianguan.lifecycle import selectors, services
from jianguan.lifecycle.forms import FindingForm, FindingUpdateForm, StageCompleteForm, StageOpenForm
from jianguan.lifecycle.models import ReviewFinding, StageRecord
from jianguan.lifecycle.stages import OUTCOME_LABELS, Stage, deadline_rules, stage_by_code, stages
from jianguan.registry.models import BidSection
from jianguan.registry.selectors import access_bid_section_by_id, access_project_by_id


def _stage(code: str) -> Stage:
    stage = stage_by_code(code)
    if stage is None:
        raise errors.NotFound(what=_("Stage"), id=code)
    return stage


@login_required
def section_list(request: HttpRequest) -> HttpResponse:
    """Bid sections in the user's jurisdictions with the furthest stage each has reached."""
    require_permission(request.user, selectors.VIEW, action=_("view the stage line"))
    sections = scope_queryset(BidSection.objects.select_related("project", "jurisdiction"), request.user).order_by(
        "code"
    )
    q = (request.GET.get("q") or "").strip()
    if q:
        sections = sections.filter(code__contains=q) | sections.filter(project__name__contains=q)
    page = Paginator(sections, 50).get_page(request.GET.get("page"))
    order = {s.code: s for s in stages()}
    reached: dict[int, Stage] = {}
    for sid, code in StageRecord.objects.filter(bid_section__in=list(page.object_list)).values_list(
        "bid_section_id", "stage"
    ):
        stage = order.get(code)
        if stage and (sid not in reached or stage.order > reached[sid].order):
            reached[sid] = stage
    rows = [(section, reached.get(section.pk)) for section in page.object_list]
    return render(request, "lifecycle/section_list.html", {"page": page, "rows": rows, "q": q, "total": len(order)})


def _detail_context(request: HttpRequest, section: BidSection, stage: Stage) -> dict[str, Any]:
    record = StageRecord.objects.filter(bid_section=section, stage=stage.code).prefetch_related("documents").first()
    gate = None
    if record is None:
        gate = services.gate_check(section=section, stage=stage.code)
    can_record = request.user.has_perm("lifecycle.add_stagerecord")
    return {
        "section": section,
        "stage": stage,
        "record": record,
        "gate": gate,
        "stored_gate": record.gate_decision if record else None,
        "outcome_label": OUTCOME_LABELS.get(record.outcome, record.outcome) if record else "",
        "can_record": can_record,
        "open_form": StageOpenForm(initial={"on": timezone.localdate()}) if can_record and record is None else None,
        "complete_form": StageCompleteForm(
            initial={"on": timezone.localdate()}, outcomes=[(o, OUTCOME_LABELS[o]) for o in stage.outcomes]
        )
        if can_record and record is not None and record.status == StageRecord.Status.OPEN
        else None,
    }


@login_required
def section_detail(request: HttpRequest, section_id: int) -> HttpResponse:
    section = access_bid_section_by_id(request.user, section_id)
    line, items = selectors.section_timeline(user=request.user, section=section)
    disorder = selectors.stages_out_of_order(sections=BidSection.objects.filter(pk=section.pk))
    findings = list(ReviewFinding.objects.filter(bid_section=section).order_by("id"))
    selected = request.GET.get("stage") or next(
        (t.stage.code for t in line if t.state in ("open", "late", "failed")),
        next((t.stage.code for t in line if t.state == "pending"), line[-1].stage.code),
    )
    context = {
        "section": section,
        "line": line,
        "items": items,
        "disorder": disorder,
        "findings": findings,
        "prompts": selectors.drawing_review_prompts(section),
        "finding_form": FindingForm() if request.user.has_perm("lifecycle.add_reviewfinding") else None,
        "update_form": FindingUpdateForm() if request.user.has_perm("lifecycle.change_reviewfinding") else None,
        **_detail_context(request, section, _stage(selected)),
    }
    if apps.is_installed("jianguan.fees") and request.user.has_perm("fees.view_feefile"):
        # the cross-stage area check (issue 6 item 3) is the fee module's data
        from jianguan.fees.selectors import area_comparison

        context["fee_areas"] = area_comparison(section.project)
    return render(request, "lifecycle/section_detail.html", context)


@login_required
def stage_detail(request: HttpRequest, section_id: int, stage: str) -> HttpResponse:
    section = access_bid_section_by_id(request.user, section_id)
    require_permission(request.user, selectors.VIEW, action=_("view the stage line"))
    context = _detail_context(request, section, _stage(stage))
    if request.headers.get("HX-Request"):
        return render(request, "lifecycle/stage_detail.html", context)
    return redirect(f"/lifecycle/sections/{section.pk}/?stage={stage}")


def _back(section: BidSection, stage: str) -> HttpResponseBase:
    return redirect(f"/lifecycle/sections/{section.pk}/?stage={stage}")


@login_required
@require_POST
def stage_open(request: HttpRequest, section_id: int, stage: str) -> HttpResponseBase:
    section = access_bid_section_by_id(request.user, section_id)
    require_permission(request.user, "lifecycle.add_stagerecord", action=_("record stages"))
    _stage(stage)
    form = StageOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})
        return _back(section, stage)
    try:
        services.stage_open(
            actor=acting_user(request),
            section=section,
            stage=stage,
            on=form.cleaned_data["on"],
            responsible=form.cleaned_data["responsible"].replace("，", ",").split(","),
            notice_on=form.cleaned_data.get("notice_on"),
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        messages.error(request, error.render())
    else:
        messages.success(request, _("Stage opened."))
    return _back(section, stage)


@login_required
@require_POST
def stage_complete(request: HttpRequest, section_id: int, stage: str) -> HttpResponseBase:
    section = access_bid_section_by_id(request.user, section_id)
    require_permission(request.user, "lifecycle.add_stagerecord", action=_("record stages"))
    definition = _stage(stage)
    form = StageCompleteForm(
        request.POST, request.FILES, outcomes=[(o, OUTCOME_LABELS[o]) for o in definition.outcomes]
    )
    if not form.is_valid():
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})
        return _back(section, stage)
    try:
        services.stage_complete(
            actor=acting_user(request),
            section=section,
            stage=stage,
            on=form.cleaned_data["on"],
            outcome=form.cleaned_data["outcome"],
            documents=form.cleaned_data["documents"],
            reference=form.cleaned_data["reference"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        messages.error(request, error.render())
    else:
        messages.success(request, _("Stage completed."))
    return _back(section, stage)


@login_required
@require_POST
def finding_add(request: HttpRequest, section_id: int) -> HttpResponseBase:
    section = access_bid_section_by_id(request.user, section_id)
    require_permission(request.user, "lifecycle.add_reviewfinding", action=_("record drawing-review findings"))
    form = FindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})
    else:
        try:
            services.finding_add(actor=acting_user(request), section=section, data=form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.render())
        else:
            messages.success(request, _("Finding recorded."))
    return redirect(f"/lifecycle/sections/{section.pk}/#findings")


@login_required
@require_POST
def finding_update(request: HttpRequest, section_id: int, finding_id: int) -> HttpResponseBase:
    section = access_bid_section_by_id(request.user, section_id)
    require_permission(request.user, "lifecycle.change_reviewfinding", action=_("update drawing-review findings"))
    finding = ReviewFinding.objects.filter(bid_section=section, pk=finding_id).first()
    if finding is None:
        raise errors.NotFound(what=_("Drawing-review finding"), id=finding_id)
    form = FindingUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})
    else:
        try:
            services.finding_update(
                actor=acting_user(request),
                finding=finding,
                status=form.cleaned_data["status"],
                revision=form.cleaned_data["revision"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            messages.error(request, error.render())
        else:
            messages.success(request, _("Finding updated."))
    return redirect(f"/lifecycle/sections/{section.pk}/#findings")


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """The city's passed statutory deadlines and stages opened out of order."""
    filters = _overdue_filters(request)
    state, rule = filters["state"], filters["rule"]
    rows = selectors.overdue_list(user=request.user, filters=filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    parties = selectors.section_parties({row.section.pk for row in page.object_list})
    disorder = selectors.out_of_order_list(user=request.user)
    counts = {
        "overdue": sum(r.item.state == "overdue" for r in rows),
        "late": sum(r.item.state == "late" for r in rows),
    }
    return render(
        request,
        "lifecycle/overdue.html",
        {
            "page": page,
            "rows": [(row, parties[row.section.pk]) for row in page.object_list],
            "query": request.GET.urlencode(),
            "counts": counts,
            "disorder": disorder[:200],
            "disorder_total": len(disorder),
            "rules": deadline_rules(),
            "filters": {"state": state, "rule": rule},
        },
    )


def _overdue_filters(request: HttpRequest) -> dict[str, str]:
    state = request.GET.get("state", "") if request.GET.get("state") in ("overdue", "late") else ""
    rule = request.GET.get("rule", "") if request.GET.get("rule") in {r.code for r in deadline_rules()} else ""
    return {"state": state, "rule": rule}


STATE_LABELS = {"overdue": _lazy("overdue"), "late": _lazy("done late")}


def _overdue_export_rows(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.overdue_list(user=request.user, filters=_overdue_filters(request))
    parties = selectors.section_parties({row.section.pk for row in rows})
    return [
        {
            "section": row.section.code,
            "project": row.section.project.name,
            "name": row.section.name,
            "jurisdiction": row.section.jurisdiction.name,
            "deadline": row.item.rule.label,
            "anchor_on": row.item.anchor_on,
            "due_on": row.item.due_on,
            "met_on": row.item.met_on,
            "state": str(STATE_LABELS[row.item.state]),
            "days_late": row.days_late,
            "owner": parties[row.section.pk].owner,
            "owner_person": parties[row.section.pk].owner_representative,
            "manager": parties[row.section.pk].project_manager,
            "supervisor": parties[row.section.pk].chief_supervision_engineer,
        }
        for row in rows
    ]


@login_required
def overdue_excel(request: HttpRequest) -> HttpResponse:
    """The overdue list (with the current filters) as an Excel workbook, with who is responsible."""
    rows = _overdue_export_rows(request)
    columns = [
        Column("section", _("Bid section code"), 18),
        Column("project", _("Project"), 30),
        Column("name", _("Bid section"), 14),
        Column("jurisdiction", _("Jurisdiction"), 12),
        Column("deadline", _("Deadline"), 40),
        Column("anchor_on", _("From"), 12),
        Column("due_on", _("Due"), 12),
        Column("met_on", _("Done"), 12),
        Column("state", _("State"), 10),
        Column("days_late", _("Days late"), 10),
        Column("owner", _("Owner (responsible)"), 30),
        Column("owner_person", _("Owner's representative"), 14),
        Column("manager", _("Project manager"), 12),
        Column("supervisor", _("Chief supervision engineer"), 14),
    ]
    content = workbook_bytes(title=str(_("Overdue stage deadlines")), columns=columns, rows=rows)
    return excel_response(content, f"阶段逾期清单-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def overdue_pdf(request: HttpRequest) -> HttpResponse:
    """The overdue list (with the current filters) as a printable PDF."""
    rows = _overdue_export_rows(request)
    filters = _overdue_filters(request)
    rule = next((r for r in deadline_rules() if r.code == filters["rule"]), None)
    context = {
        "rows": rows,
        "state": STATE_LABELS.get(filters["state"], ""),
        "rule": rule.label if rule else "",
        "printed_by": acting_user(request),
        "printed_at": timezone.localtime(),
        "total": len(rows),
    }
    return pdf_response(
        render_pdf("lifecycle/overdue_pdf.html", context), f"阶段逾期清单-{timezone.localdate():%Y%m%d}.pdf"
    )


@login_required
def section_timeline(request: HttpRequest, section_id: int) -> HttpResponse:
    """A bid section's stages as a vertical timeline: dates, days taken, who recorded them, what
    is late and who answers for it, and the permit's parties against today's."""
    section = access_bid_section_by_id(request.user, section_id)
    timeline = selectors.section_timeline_full(user=request.user, section=section)
    comparison = selectors.permit_comparison(user=request.user, section=section)
    return render(
        request,
        "lifecycle/section_timeline.html",
        {"section": section, "t": timeline, "comparison": comparison, "today": timezone.localdate()},
    )


@login_required
def project_timeline(request: HttpRequest, project_id: int) -> HttpResponse:
    """Every bid section of a project on one stage grid: where each is, what is late, who answers."""
    project = access_project_by_id(request.user, project_id)
    timelines = selectors.project_timeline(user=request.user, project=project)
    late = [(t, item) for t in timelines for item in t.late]
    return render(
        request,
        "lifecycle/project_timeline.html",
        {"project": project, "timelines": timelines, "late": late, "stages": stages()},
    )
