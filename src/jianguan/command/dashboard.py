"""The command centre's own dashboard panels: warnings and tasks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel


def _open_warnings(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.selectors import alert_summary

    summary = alert_summary(user=user)
    return {
        "value": summary["total"],
        "unit": "",
        "note": str(_("%(n)s past their deadline") % {"n": summary["overdue"]}),
    }


def _warnings_by_kind(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.catalogue import KINDS as WARNING_KINDS
    from jianguan.command.selectors import alert_summary

    rows = alert_summary(user=user)["by_kind"]
    labels = [str(WARNING_KINDS[row["kind"]].label) if row["kind"] in WARNING_KINDS else row["kind"] for row in rows]
    return {"categories": labels, "series": [{"name": "", "data": [row["n"] for row in rows]}], "horizontal": True}


def _warnings_by_severity(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.models import Alert
    from jianguan.command.selectors import alert_summary

    counts = alert_summary(user=user)["by_severity"]
    return {
        "items": [
            {"name": str(label), "value": counts.get(code, 0), "key": code} for code, label in Alert.Severity.choices
        ]
    }


def _warnings_by_age(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.selectors import alert_age_buckets

    buckets = alert_age_buckets(user=user)
    return {
        "categories": [str(label) for label, _count in buckets],
        "series": [{"name": "", "data": [count for _label, count in buckets]}],
    }


def _task_closure(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.selectors import task_closure_rate

    rate = task_closure_rate(user=user)
    return {"value": rate["rate"], "unit": "%", "note": f"{rate['closed']}/{rate['total']}"}


def _warnings_map(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.selectors import alert_map_points

    return alert_map_points(user=user)


def _site_ranking(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.risk import ranking_panel

    return ranking_panel(user)


def _sites_map(user: AnyUser) -> dict[str, Any]:
    from jianguan.command.risk import sites_map_panel

    return sites_map_panel(user)


PANELS = [
    Panel("command.open_warnings", _("Open warnings"), "figure", _open_warnings, "command.view_alert", order=10),
    Panel(
        "command.task_closure",
        _("Tasks closed (dispatched in the last 30 days)"),
        "gauge",
        _task_closure,
        "command.view_task",
        order=20,
    ),
    Panel(
        "command.warnings_by_severity",
        _("Open warnings by severity"),
        "pie",
        _warnings_by_severity,
        "command.view_alert",
        order=30,
    ),
    Panel(
        "command.warnings_by_age", _("Open warnings by age"), "bar", _warnings_by_age, "command.view_alert", order=40
    ),
    Panel(
        "command.warnings_by_kind",
        _("Open warnings by kind"),
        "bar",
        _warnings_by_kind,
        "command.view_alert",
        order=50,
        wide=True,
    ),
    Panel(
        "command.warnings_map",
        _("Where the open warnings are"),
        "scatter_map",
        _warnings_map,
        "command.view_alert",
        order=60,
        wide=True,
    ),
    Panel(
        "command.sites_map",
        _("Sites under construction, coloured by risk"),
        "scatter_map",
        _sites_map,
        "registry.view_bidsection",
        order=70,
        wide=True,
    ),
    Panel(
        "command.site_ranking",
        _("Key supervision targets (risk score)"),
        "ranking",
        _site_ranking,
        "registry.view_bidsection",
        order=80,
        wide=True,
    ),
]
