"""Pages: batches and their verdicts (per project or per lab), a group's chain of custody, flags."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from jianguan.concrete import selectors
from jianguan.concrete.models import PressReading


@login_required
def verdict_list(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("passed", "section", "project", "lab")}
    verdicts = selectors.verdict_list(user=request.user, filters=filters)
    page = Paginator(verdicts, 50).get_page(request.GET.get("page"))
    first = verdicts.first() if (filters["project"] or filters["section"]) else None
    english = (translation.get_language() or "").startswith("en")
    for verdict in page:
        verdict.explanation = verdict.explanation_en if english else verdict.explanation_zh  # type: ignore[attr-defined]
    flags = selectors.flag_list(user=request.user)[:20]
    project = first.bid_section.project if first else None
    return render(
        request, "concrete/verdict_list.html", {"page": page, "filters": filters, "flags": flags, "project": project}
    )


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("lab", "bid_section", "batch")}
    page = Paginator(selectors.group_list(user=request.user, filters=filters), 50).get_page(request.GET.get("page"))
    return render(request, "concrete/group_list.html", {"page": page, "filters": filters})


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = selectors.access_group_by_id(request.user, group_id)
    readings = PressReading.objects.filter(specimen__group=group).select_related("device", "specimen")
    return render(
        request,
        "concrete/group_detail.html",
        {"group": group, "specimens": group.specimens.all(), "readings": readings, "flags": group.flags.all()},
    )


@login_required
def lab_list(request: HttpRequest) -> HttpResponse:
    labs = selectors.lab_list(user=request.user)
    return render(request, "concrete/lab_list.html", {"labs": labs})


@login_required
def lab_detail(request: HttpRequest, lab_id: int) -> HttpResponse:
    """One laboratory: the batches tested there with their verdicts, its forgery leads with their
    evidence, its presses (registered, and those its results came from), its custody flags."""
    lab = selectors.access_lab_by_id(request.user, lab_id)
    passed = request.GET.get("passed", "")
    verdicts = selectors.lab_verdicts(user=request.user, lab=lab, passed=passed)
    page = Paginator(verdicts.select_related("bid_section__project"), 25).get_page(request.GET.get("page"))
    english = (translation.get_language() or "").startswith("en")
    for verdict in page:
        verdict.explanation = verdict.explanation_en if english else verdict.explanation_zh  # type: ignore[attr-defined]
    leads = list(selectors.lab_leads(user=request.user, lab=lab))
    for lead in leads:
        lead.summary = lead.summary_en if english else lead.summary_zh  # type: ignore[attr-defined]
        lead.shown = [  # type: ignore[attr-defined]
            {**row, "text": row.get("detail_en") if english else row.get("detail")} for row in lead.evidence[:50]
        ]
    return render(
        request,
        "concrete/lab_detail.html",
        {
            "lab": lab,
            "page": page,
            "filters": {"passed": passed},
            "figures": selectors.lab_figures(user=request.user, lab=lab),
            "leads": leads,
            "presses": selectors.lab_presses(user=request.user, lab=lab),
            "flags": selectors.lab_flags(user=request.user, lab=lab)[:20],
        },
    )
