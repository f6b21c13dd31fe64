"""Scoped reads of supervision. Single objects only through ``access_<x>_by_id``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.access import (
    AnyUser,
    access_object,
    jurisdiction_ancestor_ids,
    require_permission,
    scope_for,
    scope_queryset,
)
from jianguan.core.models import Jurisdiction, User
from jianguan.registry.models import BidSection
from jianguan.supervision import domain
from jianguan.supervision.models import Checklist, Draw, Finding, Inspection, RectificationOrder, StopWorkOrder


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
    queryset = scope_queryset(
        Finding.objects.select_related("bid_section", "enterprise", "inspection").prefetch_related(
            "rectification_orders", "stop_work_orders"
        ),
        user,
    )
    filters = filters or {}
    if filters.get("status") == "open":
        queryset = queryset.filter(status__in=[Finding.Status.PROPOSED, Finding.Status.REVIEWED])
    elif filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("inspection"):
        queryset = queryset.filter(inspection_id=filters["inspection"])
    return queryset.order_by("-found_on", "-id")


def access_finding_by_id(user: AnyUser, finding_id: Any) -> Finding:
    require_permission(user, "supervision.view_inspection", action=_("view findings"))
    return access_object(
        Finding.objects.select_related(
            "inspection", "enterprise", "bid_section__project", "reviewed_by", "confirmed_by", "answer"
        ),
        user,
        finding_id,
        what=_("Finding"),
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


def stop_work_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[StopWorkOrder]:
    require_permission(user, "supervision.view_inspection", action=_("view stop-work orders"))
    queryset = scope_queryset(StopWorkOrder.objects.select_related("bid_section", "enterprise"), user)
    status = (filters or {}).get("status")
    if status in StopWorkOrder.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-issued_at", "-id")


def access_order_for_reply(user: AnyUser, order_id: Any) -> RectificationOrder:
    """Staff reach an order in their scope; an enterprise account (linked to its enterprise in the
    registry) reaches only the orders addressed to its enterprise."""
    if getattr(user, "kind", "") == User.Kind.ENTERPRISE:
        from jianguan.registry.selectors import account_enterprise

        enterprise = account_enterprise(user)
        order = (
            RectificationOrder.objects.filter(pk=order_id, enterprise=enterprise)
            .select_related("bid_section__project", "enterprise", "jurisdiction", "issued_by")
            .first()
            if enterprise is not None and str(order_id).isdigit()
            else None
        )
        if order is None:
            raise errors.NotFound(what=_("Rectification order"), id=order_id)
        return order
    return access_order_by_id(user, order_id)


def checklist_choices() -> list[Checklist]:
    """The newest version of every checklist, for starting an inspection."""
    newest: dict[str, Checklist] = {}
    for checklist in Checklist.objects.order_by("code", "-version"):
        newest.setdefault(checklist.code, checklist)
    return list(newest.values())


def startable_sections(*, user: AnyUser) -> QuerySet[BidSection]:
    """Bid sections under construction in the user's scope (the ones one inspects)."""
    from jianguan.registry.selectors import bid_section_list

    return bid_section_list(user=user, filters={"status": BidSection.Status.ACTIVE})


def section_by_code(*, user: AnyUser, code: str) -> BidSection:
    from jianguan.registry.selectors import bid_section_list

    section = bid_section_list(user=user).filter(code=code.strip()).first()
    if section is None:
        raise errors.NotFound(what=_("Bid section"), id=code.strip() or "—")
    return section


def inspector_choices(*, user: AnyUser) -> QuerySet[User]:
    """Staff who may inspect in the user's area: those of its jurisdictions and of the ones above
    (a city inspector inspects district sites). The service checks each one again."""
    permission = Permission.objects.filter(codename="inspect", content_type__app_label="supervision").first()
    queryset = User.objects.filter(is_active=True, kind=User.Kind.STAFF).filter(
        Q(groups__permissions=permission) | Q(user_permissions=permission)
    )
    scope = scope_for(user)
    if not scope.everything:
        area = set(scope.jurisdiction_ids)
        home: int | None = getattr(user, "jurisdiction_id", None)
        if home is not None:
            area |= jurisdiction_ancestor_ids(home)
        queryset = queryset.filter(jurisdiction_id__in=area)
    return queryset.distinct().order_by("username")


def draw_jurisdictions(*, user: AnyUser) -> QuerySet[Jurisdiction]:
    return scope_queryset(Jurisdiction.objects.all(), user, field="pk").order_by("code")


@dataclass(frozen=True)
class DrawRow:
    section: BidSection | None
    code: str
    weight: float
    inspectors: list[User]
    inspection: Inspection | None


def draw_rows(draw: Draw) -> list[DrawRow]:
    """The draw's result for staff: each site with its weight, the inspectors drawn (by name) and
    the inspection started from it, if any."""
    sections = BidSection.objects.select_related("project").in_bulk([row["section"] for row in draw.result])
    users = User.objects.in_bulk([pk for row in draw.result for pk in row["inspectors"]])
    started = {i.bid_section_id: i for i in draw.inspections.all()}
    return [
        DrawRow(
            section=sections.get(row["section"]),
            code=row["code"],
            weight=row["weight"],
            inspectors=[users[pk] for pk in row["inspectors"] if pk in users],
            inspection=started.get(row["section"]),
        )
        for row in draw.result
    ]


def draw_reproduces(draw: Draw) -> bool:
    """Whether the stored candidates and seed give the stored result again."""
    try:
        again = domain.draw(
            draw.candidates, seed=draw.seed, targets=draw.targets, per_target=draw.inspectors_per_target
        )
    except domain.NotEnoughInspectors:
        return False
    return again == draw.result


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
