"""Reads of the bidding module, scoped by the tender's jurisdiction."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jianguan.bidding.concentration import Concentration, bids_frame, concentration
from jianguan.bidding.models import Lead, Tender
from jianguan.core.access import AnyUser, access_object, require_permission, scope_for, scope_queryset


def lead_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Lead]:
    """Leads in the user's jurisdictions, highest score first; filters: q (tender code or name),
    article (e.g. 40.2), min_score."""
    require_permission(user, "bidding.view_lead", action=_("view bid-rigging leads"))
    queryset = scope_queryset(
        Lead.objects.select_related("tender", "tender__jurisdiction"), user, field="tender__jurisdiction"
    )
    filters = filters or {}
    if filters.get("q"):
        q = str(filters["q"]).strip()
        queryset = queryset.filter(tender__code__contains=q) | queryset.filter(tender__name__contains=q)
    if filters.get("min_score"):
        with contextlib.suppress(ValueError):
            queryset = queryset.filter(score__gte=float(filters["min_score"]))
    leads = queryset.order_by("-score", "tender__code")
    if filters.get("article"):
        article = str(filters["article"])
        ids = [lead.pk for lead in leads if any(m.get("article") == article for m in lead.markers)]
        leads = leads.filter(pk__in=ids)
    return leads


def access_lead_by_id(user: AnyUser, lead_id: Any) -> Lead:
    require_permission(user, "bidding.view_lead", action=_("view bid-rigging leads"))
    return access_object(
        Lead.objects.select_related("tender", "tender__jurisdiction", "tender__owner", "tender__agent"),
        user,
        lead_id,
        what=_("Lead"),
        field="tender__jurisdiction",
    )


def tender_list(*, user: AnyUser) -> QuerySet[Tender]:
    require_permission(user, "bidding.view_tender", action=_("view tenders"))
    return scope_queryset(Tender.objects.select_related("jurisdiction"), user)


def concentration_for(*, user: AnyUser, start: dt.date | None = None, end: dt.date | None = None) -> Concentration:
    require_permission(user, "bidding.view_tender", action=_("view tenders"))
    scope = scope_for(user)
    ids = None if scope.everything else scope.jurisdiction_ids
    return concentration(bids_frame(start=start, end=end, jurisdiction_ids=ids))
