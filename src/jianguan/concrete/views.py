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
    filters = {key: request.GET.get(key, "") for key in ("passed", "section", "lab")}
    page = Paginator(selectors.verdict_list(user=request.user, filters=filters), 50).get_page(request.GET.get("page"))
    english = (translation.get_language() or "").startswith("en")
    for verdict in page:
        verdict.explanation = verdict.explanation_en if english else verdict.explanation_zh  # type: ignore[attr-defined]
    flags = selectors.flag_list(user=request.user)[:20]
    return render(request, "concrete/verdict_list.html", {"page": page, "filters": filters, "flags": flags})


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
