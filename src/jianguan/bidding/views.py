"""Pages of the bidding module: leads for the discipline inspection department (every viewing in
the ledger), award concentration with the co-bidding network, and the trading-centre import."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianguan.bidding import selectors, services
from jianguan.bidding.markers import ARTICLES, KIND_LABELS
from jianguan.bidding.models import Lead
from jianguan.core.access import acting_user, require_permission
from jianguan.core.documents import Column, excel_response, pdf_response, render_pdf, workbook_bytes
from jianguan.core.errors import ApplicationError
from jianguan.registry.models import ManagementRelation

MAX_FEED_BYTES = 20 * 1024 * 1024


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in ("q", "article", "min_score")}


SEGMENT_LABELS = {
    "building": gettext_lazy("Building works"),
    "municipal": gettext_lazy("Municipal works"),
    "decoration": gettext_lazy("Decoration"),
}
EVIDENCE_LABELS = {
    "preparer": gettext_lazy("document prepared by"),
    "handler": gettext_lazy("bidding handled by"),
    "dongle_serial": gettext_lazy("pricing-software dongle serial"),
    "machine_code": gettext_lazy("file-making machine code"),
    "mac": gettext_lazy("MAC address"),
    "cpu_serial": gettext_lazy("CPU serial"),
    "disk_serial": gettext_lazy("disk serial"),
    "upload_ips": gettext_lazy("upload IP"),
    "security_account": gettext_lazy("bid security paid from account"),
    "legal_representative": gettext_lazy("legal representative"),
    "id_number": gettext_lazy("resident ID number"),
    "id_number_missing": gettext_lazy("no ID number of the legal representative on record"),
    "controller": gettext_lazy("controlled by"),
    "holdings": gettext_lazy("majority holdings (registry records)"),
    "managing_unit": gettext_lazy("managing unit"),
    "managed_unit": gettext_lazy("managed unit"),
    "relation": gettext_lazy("relationship"),
    "basis": gettext_lazy("basis (document)"),
    "record": gettext_lazy("registry record"),
    "project_manager": gettext_lazy("project manager named"),
    "amounts": gettext_lazy("bid price (yuan)"),
    "step": gettext_lazy("step (yuan)"),
    "ratio": gettext_lazy("ratio"),
}


def _evidence_text(key: str, value: Any) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value))
    if key == "relation":
        return str(ManagementRelation.Kind(value).label) if value in ManagementRelation.Kind.values else str(value)
    return str(value)


def _marker_rows(lead: Lead) -> list[dict[str, Any]]:
    return [
        {
            **marker,
            "label": KIND_LABELS.get(marker["kind"], marker["kind"]),
            "article_text": ARTICLES.get(marker["article"], marker["article"]),
            "evidence_items": [
                (EVIDENCE_LABELS.get(key, key), _evidence_text(key, value))
                for key, value in marker["evidence"].items()
                if value not in ("", None, [])
            ],
        }
        for marker in lead.markers
    ]


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    leads = selectors.lead_list(user=request.user, filters=filters)
    page = Paginator(leads, 50).get_page(request.GET.get("page"))
    for lead in page:
        summary = "；".join(sorted({str(KIND_LABELS.get(m["kind"], m["kind"])) for m in lead.markers}))
        lead.marker_summary = summary  # type: ignore[attr-defined]
    return render(
        request, "bidding/lead_list.html", {"page": page, "filters": filters, "articles": sorted(ARTICLES.items())}
    )


@login_required
def lead_export(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    leads = list(selectors.lead_list(user=request.user, filters=filters)[:5000])
    user = acting_user(request)
    for lead in leads:
        services.lead_viewed(user=user, lead=lead, how="excel")
    columns = [
        Column("code", _("Tender code"), 22),
        Column("name", _("Tender"), 36),
        Column("opened_on", _("Opened on"), 12),
        Column("score", _("Lead score"), 10),
        Column("articles", _("Articles"), 16),
        Column("markers", _("Markers"), 60),
        Column("evidence", _("Evidence"), 80),
        Column("risk", _("Statistical risk"), 12),
    ]
    rows = [
        {
            "code": lead.tender.code,
            "name": lead.tender.name,
            "opened_on": lead.tender.opened_on,
            "score": lead.score,
            "articles": "、".join(sorted({m["article"] for m in lead.markers})),
            "markers": "；".join(
                f"{KIND_LABELS.get(m['kind'], m['kind'])}：{'、'.join(m['bidders'])}" for m in lead.markers
            ),
            "evidence": "\n".join(
                f"{row['label']}：" + "；".join(f"{label}：{text}" for label, text in row["evidence_items"])
                for row in _marker_rows(lead)
            ),
            "risk": lead.screens.get("risk"),
        }
        for lead in leads
    ]
    content = workbook_bytes(title=_("Bid-rigging leads"), columns=columns, rows=rows)
    return excel_response(content, f"围串标线索-{timezone.localdate():%Y%m%d}.xlsx")


def _lead_context(lead: Lead) -> dict[str, Any]:
    bids = list(lead.tender.bids.select_related("bidder", "project_manager").order_by("amount"))
    return {"lead": lead, "markers": _marker_rows(lead), "bids": bids, "screens": lead.screens}


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = selectors.access_lead_by_id(request.user, lead_id)
    services.lead_viewed(user=acting_user(request), lead=lead, how="page")
    return render(request, "bidding/lead_detail.html", _lead_context(lead))


@login_required
def lead_pdf(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = selectors.access_lead_by_id(request.user, lead_id)
    services.lead_viewed(user=acting_user(request), lead=lead, how="pdf")
    context = {**_lead_context(lead), "printed_at": timezone.localtime(), "printed_by": request.user}
    return pdf_response(render_pdf("bidding/lead_pdf.html", context), f"线索-{lead.tender.code}.pdf")


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parties(frame: Any, key: str, limit: int = 30) -> list[dict[str, Any]]:
    """The largest winner's share per owner (or agent) that awarded at least two tenders."""
    if frame.empty:
        return []
    top = frame[frame["tenders"] >= 2].drop_duplicates(subset=[key])
    return [
        {
            "party": row[f"{key}_name"],
            "tenders": row["tenders"],
            "name": row["name"],
            "wins": row["wins"],
            "share": row["share"],
        }
        for row in top.head(limit).to_dict("records")
    ]


@login_required
def concentration(request: HttpRequest) -> HttpResponse:
    start, end = _day(request.GET.get("start")), _day(request.GET.get("end"))
    result = selectors.concentration_for(user=request.user, start=start, end=end)
    top = result.enterprises.head(30).to_dict("records") if not result.enterprises.empty else []
    hhi = result.hhi.to_dict("records") if not result.hhi.empty else []
    for row in hhi:
        row["segment"] = SEGMENT_LABELS.get(row["segment"], row["segment"])
    return render(
        request,
        "bidding/concentration.html",
        {
            "top": top,
            "hhi": hhi,
            "groups": result.groups[:30],
            "losers": result.always_lose_to[:30],
            "network": json.dumps(result.network, ensure_ascii=False),
            "by_owner": _parties(result.by_owner, "owner"),
            "by_agent": _parties(result.by_agent, "agent"),
            "start": start,
            "end": end,
        },
    )


@login_required
def tender_import(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "bidding.import_tenders", action=_("import tenders"))
    report = None
    error = None
    if request.method == "POST":
        upload = request.FILES.get("feed")
        try:
            if upload is None:
                raise ApplicationError(services.FEED_UNREADABLE, code="feed_missing", reason=_("no file was sent"))
            if upload.size and upload.size > MAX_FEED_BYTES:
                raise ApplicationError(
                    services.FEED_UNREADABLE, code="feed_too_large", reason=_("the file is too large")
                )
            tenders = services.parse_feed(upload.read(), filename=upload.name or "feed.json")
            report = services.tenders_import(actor=acting_user(request), tenders=tenders)
            if report.created or report.updated:
                services.leads_refresh(actor=acting_user(request))
        except ApplicationError as exc:
            error = exc
    return render(request, "bidding/import.html", {"report": report, "error": error})
