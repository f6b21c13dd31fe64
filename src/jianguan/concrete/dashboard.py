"""Concrete's panel on the command centre's dashboard: the share of inspection batches passing the
GB/T 50107 evaluation, from the latest verdict of each batch in the user's jurisdictions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel


def concrete_pass_rate(user: AnyUser) -> dict[str, Any]:
    from jianguan.concrete.models import BatchVerdict
    from jianguan.core.access import scope_queryset

    counts = scope_queryset(BatchVerdict.objects.all(), user).aggregate(
        total=Count("pk"), passed=Count("pk", filter=Q(passed=True))
    )
    if not counts["total"]:
        return {"value": None, "unit": "%", "note": str(_("no batch evaluated yet"))}
    return {
        "value": round(100 * counts["passed"] / counts["total"], 1),
        "unit": "%",
        "note": str(
            _("%(passed)s of %(total)s batches passed; %(failed)s failed")
            % {**counts, "failed": counts["total"] - counts["passed"]}
        ),
    }


PANELS = [
    Panel(
        "concrete.pass_rate",
        _("Concrete pass rate"),
        "figure",
        concrete_pass_rate,
        "concrete.view_batchverdict",
        order=4,
    ),
]
