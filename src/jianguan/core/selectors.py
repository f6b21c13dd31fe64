"""Reads of the shared kernel, always through the acting user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser, access_object, require_permission, scope_queryset
from jianguan.core.models import Device, Jurisdiction, LedgerEntry


def jurisdiction_list(*, user: AnyUser) -> QuerySet[Jurisdiction]:
    """Jurisdictions the user may see (their own and those below it)."""
    return scope_queryset(Jurisdiction.objects.all(), user, field="pk").order_by("code")


def device_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Device]:
    """Devices in the user's jurisdictions, optionally filtered by kind, status, jurisdiction or text."""
    require_permission(user, "core.view_device", action=_("view devices"))
    queryset = scope_queryset(Device.objects.select_related("jurisdiction"), user)
    filters = filters or {}
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("jurisdiction"):
        queryset = queryset.filter(jurisdiction__code=filters["jurisdiction"])
    if filters.get("q"):
        text = str(filters["q"]).strip()
        queryset = queryset.filter(Q(serial__icontains=text) | Q(name__icontains=text))
    return queryset.order_by("serial")


def access_device_by_id(user: AnyUser, device_id: Any) -> Device:
    """The one way views and APIs reach a device: in scope, or NotFound."""
    require_permission(user, "core.view_device", action=_("view devices"))
    return access_object(Device.objects.select_related("jurisdiction"), user, device_id, what=_("Device"))


def ledger_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[LedgerEntry]:
    """The whole ledger, newest first, for those entitled to audit it (city-wide by nature)."""
    require_permission(user, "core.view_ledgerentry", action=_("read the ledger"))
    queryset = LedgerEntry.objects.all()
    filters = filters or {}
    if filters.get("action"):
        queryset = queryset.filter(action__startswith=filters["action"])
    if filters.get("object_type"):
        queryset = queryset.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        queryset = queryset.filter(object_id=str(filters["object_id"]))
    if filters.get("actor"):
        queryset = queryset.filter(actor_label__icontains=filters["actor"])
    return queryset.order_by("-seq")
