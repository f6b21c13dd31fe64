"""Reads of the concrete module, scoped by jurisdiction."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from jianguan.concrete.models import BatchVerdict, CustodyFlag, ForgeryLead, LabPress, PressReading, SpecimenGroup
from jianguan.core.access import AnyUser, access_object, require_permission, scope_queryset
from jianguan.core.models import Device
from jianguan.registry.models import Enterprise


def verdict_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[BatchVerdict]:
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    queryset = scope_queryset(BatchVerdict.objects.select_related("bid_section__project"), user)
    filters = filters or {}
    if filters.get("passed") in {"0", "1"}:
        queryset = queryset.filter(passed=filters["passed"] == "1")
    if str(filters.get("section") or "").isdigit():
        queryset = queryset.filter(bid_section_id=filters["section"])
    if str(filters.get("project") or "").isdigit():
        queryset = queryset.filter(bid_section__project_id=filters["project"])
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


def lab_list(*, user: AnyUser) -> QuerySet[Enterprise]:
    """Testing laboratories in scope that have tested groups or registered presses, with counts."""
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    queryset = scope_queryset(Enterprise.objects.filter(kind=Enterprise.Kind.TESTING), user)
    return (
        queryset.annotate(
            groups=Count("specimen_groups", distinct=True),
            leads=Count("forgery_leads", filter=Q(forgery_leads__active=True), distinct=True),
        )
        .filter(Q(groups__gt=0) | Q(presses__isnull=False))
        .distinct()
        .order_by("-leads", "name")
    )


def access_lab_by_id(user: AnyUser, lab_id: Any) -> Enterprise:
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    return access_object(
        Enterprise.objects.filter(kind=Enterprise.Kind.TESTING), user, lab_id, what=_("Testing laboratory")
    )


def lab_verdicts(*, user: AnyUser, lab: Enterprise, passed: str = "") -> QuerySet[BatchVerdict]:
    """Verdicts of the batches with groups tested at the lab (in the user's scope)."""
    at_lab = SpecimenGroup.objects.filter(
        lab=lab, bid_section=OuterRef("bid_section"), grade=OuterRef("grade")
    ).annotate(batch=Concat("bid_section__code", Value("-"), "grade", Value("-"), "mix_code"))
    queryset = verdict_list(user=user, filters={"passed": passed}).filter(
        Exists(at_lab.filter(batch=OuterRef("batch_id")))
    )
    return queryset.order_by("passed", "-evaluated_at", "batch_id")


def lab_figures(*, user: AnyUser, lab: Enterprise) -> dict[str, Any]:
    groups = scope_queryset(SpecimenGroup.objects.filter(lab=lab), user)
    verdicts = lab_verdicts(user=user, lab=lab)
    return {
        "groups": groups.count(),
        "tested": groups.filter(status=SpecimenGroup.Status.TESTED).count(),
        "batches": verdicts.count(),
        "failed": verdicts.filter(passed=False).count(),
        "flags": scope_queryset(CustodyFlag.objects.filter(group__lab=lab), user).count(),
    }


def lab_presses(*, user: AnyUser, lab: Enterprise) -> list[dict[str, Any]]:
    """The presses registered to the lab and those its groups were tested on, with whose they are."""
    used: dict[int, Any] = {
        row["device_id"]: row
        for row in PressReading.objects.filter(specimen__group__lab=lab)
        .values("device_id")
        .annotate(readings=Count("id"), first=Min("tested_at"), last=Max("tested_at"))
    }
    registered = {press.device_id: press for press in LabPress.objects.filter(lab=lab).select_related("device", "lab")}
    devices = {
        device.pk: device
        for device in Device.objects.filter(pk__in=set(used) | set(registered)).select_related(
            "concrete_registration__lab"
        )
    }
    rows = []
    for pk, device in devices.items():
        registration = getattr(device, "concrete_registration", None)
        rows.append(
            {
                "device": device,
                "owner": registration.lab if registration is not None else None,
                "registered_here": pk in registered,
                "readings": used.get(pk, {}).get("readings", 0),
                "first": used.get(pk, {}).get("first"),
                "last": used.get(pk, {}).get("last"),
            }
        )
    return sorted(rows, key=lambda row: (not row["registered_here"], row["device"].serial))


def lab_leads(*, user: AnyUser, lab: Enterprise) -> QuerySet[ForgeryLead]:
    """The forgery leads naming the lab (alone, or among the labs sharing a press)."""
    require_permission(user, "concrete.view_batchverdict", action=_("view concrete results"))
    return ForgeryLead.objects.filter(Q(lab=lab) | Q(labs__contains=lab.uscc)).select_related("press")


def lab_flags(*, user: AnyUser, lab: Enterprise) -> QuerySet[CustodyFlag]:
    return flag_list(user=user).filter(group__lab=lab)
