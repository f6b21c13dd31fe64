"""The fee's panels: the discount rate per district and the open reconciliation flags."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel


def _discount_by_district(user: AnyUser) -> dict[str, Any]:
    from jianguan.fees.selectors import statistics

    rows = statistics(user=user)["by_district"]
    return {
        "categories": [row["jurisdiction__name"] for row in rows],
        "series": [
            {"name": str(_("Discount rate %")), "data": [float(row["discount_rate"]) * 100 for row in rows]},
        ],
        "horizontal": True,
    }


def _open_flags(user: AnyUser) -> dict[str, Any]:
    from jianguan.fees.selectors import flag_list

    flags = flag_list(user=user)
    reliefs = flags.filter(kind__startswith="relief_").count()
    return {
        "value": flags.count(),
        "unit": "",
        "note": str(_("%(n)s of them reliefs without a matching policy") % {"n": reliefs}),
    }


PANELS = [
    Panel(
        "fees.discount",
        _("Supporting fee: discount rate by district"),
        "bar",
        _discount_by_district,
        "fees.view_feefile",
        400,
    ),
    Panel(
        "fees.flags", _("Supporting fee: open reconciliation flags"), "figure", _open_flags, "fees.view_feefile", 410
    ),
]
