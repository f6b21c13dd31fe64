"""Supervision's pages: inspections (the phone page), rectification orders, draws; and two public
pages without sign-in: published draws (no personal data) and the verification of a notice."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jianguan.core.ledger import ledger_entries_for
from jianguan.registry.models import BidSection
from jianguan.supervision import documents, integrations, selectors
from jianguan.supervision.models import Draw, Inspection, RectificationOrder, StopWorkOrder


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


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.access_order_by_id(request.user, order_id)
    return render(
        request,
        "supervision/order_detail.html",
        {
            "order": order,
            "findings": order.findings.all(),
            "evidence": order.evidence.all(),
            "trail": ledger_entries_for(order),
            "today": timezone.localdate(),
        },
    )


@login_required
def order_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    return documents.rectification_pdf_response(request, selectors.access_order_by_id(request.user, order_id))


@login_required
def stop_work_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    return documents.stop_work_pdf_response(request, selectors.access_stop_work_by_id(request.user, order_id))


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "supervision/draw_list.html", {"page": _page(request, selectors.draw_list(user=request.user))}
    )


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
