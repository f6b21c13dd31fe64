"""Scoped reads of supervision. Single objects only through ``access_<x>_by_id``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser, access_object, require_permission, scope_queryset
from jianguan.supervision.models import Draw, Finding, Inspection, RectificationOrder, StopWorkOrder


def inspection_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Inspection]:
    require_permission(user, "supervision.view_inspection", action=_("view inspections"))
    queryset = scope_queryset(Inspection.objects.select_related("bid_section", "checklist", "jurisdiction"), user)
    filters = filters or {}
    if filters.get("origin"):
        queryset = queryset.filter(origin=filters["origin"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("mine"):
        queryset = queryset.filter(inspectors__pk=user.pk or 0)
    return queryset.order_by("-started_at", "-id")


def access_inspection_by_id(user: AnyUser, inspection_id: Any) -> Inspection:
    require_permission(user, "supervision.view_inspection", action=_("view inspections"))
    return access_object(
        Inspection.objects.select_related("bid_section__project", "checklist", "jurisdiction", "draw"),
        user,
        inspection_id,
        what=_("Inspection"),
    )


def inspection_counts(*, user: AnyUser) -> dict[str, int]:
    """Planned and unplanned inspections are counted separately."""
    rows = inspection_list(user=user).values("origin").annotate(n=Count("id"))
    counts = dict.fromkeys(Inspection.Origin.values, 0)
    counts.update({row["origin"]: row["n"] for row in rows})
    return counts


def finding_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Finding]:
    require_permission(user, "supervision.view_inspection", action=_("view findings"))
    queryset = scope_queryset(Finding.objects.select_related("bid_section", "enterprise", "inspection"), user)
    if (filters or {}).get("status"):
        queryset = queryset.filter(status=filters["status"])  # type: ignore[index]
    return queryset.order_by("-found_on", "-id")


def access_finding_by_id(user: AnyUser, finding_id: Any) -> Finding:
    require_permission(user, "supervision.view_inspection", action=_("view findings"))
    return access_object(
        Finding.objects.select_related("inspection", "enterprise"), user, finding_id, what=_("Finding")
    )


def order_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[RectificationOrder]:
    require_permission(user, "supervision.view_inspection", action=_("view rectification orders"))
    queryset = scope_queryset(RectificationOrder.objects.select_related("bid_section", "enterprise"), user)
    status = (filters or {}).get("status")
    if status == "open":
        queryset = queryset.filter(~Q(status=RectificationOrder.Status.CLOSED))
    elif status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-issued_at", "-id")


def access_order_by_id(user: AnyUser, order_id: Any) -> RectificationOrder:
    require_permission(user, "supervision.view_inspection", action=_("view rectification orders"))
    return access_object(
        RectificationOrder.objects.select_related("bid_section__project", "enterprise", "jurisdiction", "issued_by"),
        user,
        order_id,
        what=_("Rectification order"),
    )


def access_stop_work_by_id(user: AnyUser, order_id: Any) -> StopWorkOrder:
    require_permission(user, "supervision.view_inspection", action=_("view stop-work orders"))
    return access_object(
        StopWorkOrder.objects.select_related("bid_section__project", "enterprise", "jurisdiction", "issued_by"),
        user,
        order_id,
        what=_("Stop-work order"),
    )


def draw_list(*, user: AnyUser) -> QuerySet[Draw]:
    require_permission(user, "supervision.view_draw", action=_("view draws"))
    return scope_queryset(Draw.objects.select_related("jurisdiction"), user).order_by("-drawn_at", "-id")


def access_draw_by_id(user: AnyUser, draw_id: Any) -> Draw:
    require_permission(user, "supervision.view_draw", action=_("view draws"))
    return access_object(Draw.objects.select_related("jurisdiction"), user, draw_id, what=_("Draw"))


def access_assigned_draw(user: AnyUser, draw_id: Any) -> Draw:
    """A draw in the user's scope, or one that assigned the user (district inspectors are drawn
    by the city)."""
    draw = Draw.objects.filter(pk=draw_id).first() if str(draw_id).isdigit() else None
    if draw is not None and any(user.pk in row["inspectors"] for row in draw.result):
        return draw
    return access_draw_by_id(user, draw_id)


def published_draws() -> QuerySet[Draw]:
    """For the public page: published draws only (shown without personal data)."""
    return Draw.objects.filter(published_at__isnull=False).select_related("jurisdiction").order_by("-drawn_at")
