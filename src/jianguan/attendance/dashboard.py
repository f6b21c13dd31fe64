"""Attendance's panel on the command centre's dashboard: how much of their due time the key people
(project managers, chief supervision engineers, safety officers) were on site, from the latest
month's duty evaluation in the user's jurisdictions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel


def key_person_attendance(user: AnyUser) -> dict[str, Any]:
    """Present days over due days (construction days less approved absences), summed over every key
    post of the latest evaluated month, in one query."""
    from jianguan.attendance.models import DutyEvaluation
    from jianguan.core.access import scope_queryset

    latest = DutyEvaluation.objects.order_by("-month").values("month")[:1]
    rows = scope_queryset(
        DutyEvaluation.objects.filter(month=Subquery(latest)), user, field="bid_section__jurisdiction"
    )
    totals = rows.values("month").annotate(
        present=Sum("present_days"),
        due=Sum(F("construction_days") - F("absence_days")),
        posts=Count("pk"),
        compliant=Count("pk", filter=Q(compliant=True)),
    )
    total = next(iter(totals), None)
    if not total or not total["due"]:
        return {"value": None, "unit": "%", "note": str(_("no month evaluated yet"))}
    return {
        "value": round(100 * total["present"] / total["due"], 1),
        "unit": "%",
        "note": str(
            _("%(month)s: %(compliant)s of %(posts)s key posts met their duty")
            % {"month": f"{total['month']:%Y-%m}", "compliant": total["compliant"], "posts": total["posts"]}
        ),
    }


PANELS = [
    Panel(
        "attendance.key_person_rate",
        _("Key-person attendance rate"),
        "figure",
        key_person_attendance,
        "attendance.view_checkin",
        order=2,
    ),
]
