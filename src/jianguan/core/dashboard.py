"""The kernel's dashboard panels."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser, scope_queryset
from jianguan.core.dashboards import Panel
from jianguan.core.models import Device


def _devices(user: AnyUser) -> dict[str, Any]:
    rows = scope_queryset(Device.objects.all(), user).order_by().values("kind", "status").annotate(n=Count("pk"))
    labels = dict(Device.Kind.choices)
    kinds = sorted({row["kind"] for row in rows})
    series = []
    for status, status_label in Device.Status.choices:
        counts = {row["kind"]: row["n"] for row in rows if row["status"] == status}
        series.append({"name": str(status_label), "data": [counts.get(kind, 0) for kind in kinds]})
    return {"categories": [str(labels.get(kind, kind)) for kind in kinds], "series": series, "stacked": True}


PANELS = [Panel("core.devices", _("Devices by kind and status"), "bar", _devices, "core.view_device", order=900)]
