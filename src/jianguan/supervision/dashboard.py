"""Supervision's panel on the command centre's dashboard: the closure rate of the rectification
orders issued in the last 90 days in the user's jurisdictions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel

WINDOW_DAYS = 90


def rectification_closure(user: AnyUser, *, today: dt.date | None = None) -> dict[str, Any]:
    from jianguan.core.access import scope_queryset
    from jianguan.supervision.models import RectificationOrder

    today = today or timezone.localdate()
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    closed = RectificationOrder.Status.CLOSED
    counts = scope_queryset(RectificationOrder.objects.filter(issued_at__gte=since), user).aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(status=closed)),
        overdue=Count("pk", filter=~Q(status=closed) & Q(deadline__lt=today)),
    )
    if not counts["total"]:
        return {"value": None, "unit": "%", "note": str(_("no rectification order in the last 90 days"))}
    return {
        "value": round(100 * counts["closed"] / counts["total"], 1),
        "unit": "%",
        "note": str(
            _("%(closed)s of %(total)s orders of the last 90 days closed; %(overdue)s open past their deadline")
            % counts
        ),
    }


PANELS = [
    Panel(
        "supervision.rectification_closure",
        _("Rectification closure rate"),
        "figure",
        rectification_closure,
        "supervision.view_inspection",
        order=3,
    ),
]
