"""The stage line's panels on the command centre's dashboard: where the city's bid sections are,
how long each stage takes, and how many statutory deadlines have passed."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel, shared


def _by_stage(user: AnyUser) -> dict[str, Any]:
    from jianguan.lifecycle.selectors import stage_statistics

    stats = shared(("lifecycle.stage_statistics", user.pk), lambda: stage_statistics(user=user))
    return {
        "categories": [s.label for s in stats["stages"]],
        "series": [
            {"name": str(_("Bid sections")), "data": [stats["at_stage"][s.code] for s in stats["stages"]]},
        ],
        "horizontal": True,
    }


def _average_days(user: AnyUser) -> dict[str, Any]:
    from jianguan.lifecycle.selectors import stage_statistics

    stats = shared(("lifecycle.stage_statistics", user.pk), lambda: stage_statistics(user=user))
    line = [s for s in stats["stages"] if stats["average_days"].get(s.code) is not None]
    return {
        "categories": [s.label for s in line],
        "series": [{"name": str(_("Days")), "data": [stats["average_days"][s.code] for s in line]}],
        "horizontal": True,
    }


def _passed_deadlines(user: AnyUser) -> dict[str, Any]:
    from jianguan.lifecycle.selectors import stage_statistics

    stats = shared(("lifecycle.stage_statistics", user.pk), lambda: stage_statistics(user=user))
    return {
        "value": stats["overdue"],
        "unit": "",
        "note": str(_("%(n)s more were done late") % {"n": stats["late"]}),
    }


PANELS = [
    Panel(
        "lifecycle.by_stage", _("Bid sections by stage reached"), "bar", _by_stage, "lifecycle.view_stagerecord", 300
    ),
    Panel(
        "lifecycle.average_days", _("Average days per stage"), "bar", _average_days, "lifecycle.view_stagerecord", 310
    ),
    Panel(
        "lifecycle.overdue",
        _("Statutory deadlines overdue"),
        "figure",
        _passed_deadlines,
        "lifecycle.view_stagerecord",
        305,
    ),
]
