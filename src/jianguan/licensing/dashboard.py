"""Licensing's panel on the command centre's dashboard: the share of applications decided within
their statutory time limit (working days, correction time excluded: the deadline moves when an
application is suspended for correction) over the last 90 days, in the user's jurisdictions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel

WINDOW_DAYS = 90


def decided_within_time(user: AnyUser, *, today: dt.date | None = None) -> dict[str, Any]:
    from jianguan.core.access import scope_queryset
    from jianguan.licensing.models import Application

    today = today or timezone.localdate()
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    decided = Q(status__in=[Application.Status.APPROVED, Application.Status.REJECTED], decided_at__gte=since)
    open_ = Q(status__in=[Application.Status.IN_PROGRESS])
    counts = (
        scope_queryset(Application.objects.all(), user)
        .annotate(decided_on=TruncDate("decided_at"))
        .aggregate(
            decided=Count("pk", filter=decided),
            in_time=Count("pk", filter=decided & Q(decided_on__lte=F("deadline"))),
            overdue=Count("pk", filter=open_ & Q(deadline__lt=today)),
        )
    )
    if not counts["decided"]:
        return {"value": None, "unit": "%", "note": str(_("no application decided in the last 90 days"))}
    return {
        "value": round(100 * counts["in_time"] / counts["decided"], 1),
        "unit": "%",
        "note": str(
            _("%(in_time)s of %(decided)s decided within the time limit; %(overdue)s open past their deadline") % counts
        ),
    }


PANELS = [
    Panel(
        "licensing.decided_within_time",
        _("Licences decided within statutory time"),
        "figure",
        decided_within_time,
        "licensing.view_application",
        order=5,
    ),
]
