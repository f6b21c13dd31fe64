"""Reads of the concrete module, scoped by jurisdiction."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jianguan.concrete.models import BatchVerdict, CustodyFlag, SpecimenGroup
from jianguan.core.access import AnyUser, access_object, require_permission, scope_queryset


def verdict_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[BatchVerdict]:
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    queryset = scope_queryset(BatchVerdict.objects.select_related("bid_section__project"), user)
    filters = filters or {}
    if filters.get("passed") in {"0", "1"}:
        queryset = queryset.filter(passed=filters["passed"] == "1")
    if filters.get("section"):
        queryset = queryset.filter(bid_section_id=filters["section"])
    if filters.get("lab"):
        queryset = queryset.filter(bid_section__specimen_groups__lab_id=filters["lab"]).distinct()
    return queryset.order_by("passed", "-evaluated_at")


def group_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[SpecimenGroup]:
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    queryset = scope_queryset(SpecimenGroup.objects.select_related("bid_section", "lab"), user)
    filters = filters or {}
    for key in ("lab", "bid_section"):
        if filters.get(key):
            queryset = queryset.filter(**{f"{key}_id": filters[key]})
    if filters.get("batch"):
        section_code, grade, mix = str(filters["batch"]).rsplit("-", 2)
        queryset = queryset.filter(bid_section__code=section_code, grade=grade, mix_code=mix)
    return queryset.order_by("-sampled_at")


def access_group_by_id(user: AnyUser, group_id: Any) -> SpecimenGroup:
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    return access_object(
        SpecimenGroup.objects.select_related("bid_section__project", "lab", "witness"),
        user,
        group_id,
        what=_("Specimen group"),
    )


def flag_list(*, user: AnyUser) -> QuerySet[CustodyFlag]:
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    return scope_queryset(CustodyFlag.objects.select_related("group", "device"), user).order_by("-raised_at")
