"""The base registry's dashboard panels: enterprises by kind, certificates running out, projects by
status (in the user's jurisdictions) and key people not registered with their enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel


def _enterprises_by_kind(user: AnyUser) -> dict[str, Any]:
    from jianguan.registry.models import Enterprise

    counts = dict(
        Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return {
        "items": [
            {"name": str(label), "value": counts.get(code, 0), "key": code}
            for code, label in Enterprise.Kind.choices
            if counts.get(code)
        ]
    }


def _certificates_expiring(user: AnyUser) -> dict[str, Any]:
    from jianguan.registry.models import Qualification, Registration, SafetyLicence

    today = timezone.localdate()
    horizon = today + dt.timedelta(days=90)
    models: list[tuple[Any, Any]] = [
        (_("Qualifications"), Qualification),
        (_("Safety production licences"), SafetyLicence),
        (_("Registrations"), Registration),
    ]
    # one query for the six counts (the whole dashboard has a query budget)
    parts: list[str] = []
    params: list[Any] = []
    for _label, model in models:
        table = connection.ops.quote_name(model._meta.db_table)
        # the table names come from the models, the values are parameters
        expired_sql = f"(SELECT COUNT(*) FROM {table} WHERE status = %s AND valid_until < %s)"  # noqa: S608
        expiring_sql = f"(SELECT COUNT(*) FROM {table} WHERE status = %s AND valid_until BETWEEN %s AND %s)"  # noqa: S608
        parts += [expired_sql, expiring_sql]
        params += ["valid", today, "valid", today, horizon]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {
        "categories": [str(label) for label, _model in models],
        "series": [
            {"name": str(_("Expired")), "data": [int(row[i]) for i in range(0, 6, 2)]},
            {"name": str(_("Expiring within 90 days")), "data": [int(row[i]) for i in range(1, 6, 2)]},
        ],
    }


def _projects_by_status(user: AnyUser) -> dict[str, Any]:
    from jianguan.registry.models import Project
    from jianguan.registry.selectors import project_list

    counts = dict(project_list(user=user).order_by().values_list("status").annotate(n=Count("pk")))
    return {
        # "Registered" alone is another word in the core catalogue (登记时间); say which one
        "categories": [
            str(pgettext("project status", "Registered")) if code == "registered" else str(label)
            for code, label in Project.Status.choices
        ],
        "series": [{"name": "", "data": [counts.get(code, 0) for code, _label in Project.Status.choices]}],
    }


def _key_people_not_registered(user: AnyUser) -> dict[str, Any]:
    from jianguan.registry.selectors import key_people_not_registered_with_their_enterprise

    return {
        "value": key_people_not_registered_with_their_enterprise(user=user).count(),
        "unit": "",
        "note": str(_("active key posts held for another enterprise")),
    }


def _active_sites(user: AnyUser) -> dict[str, Any]:
    from jianguan.core.access import scope_queryset
    from jianguan.registry.models import BidSection

    counts = scope_queryset(BidSection.objects.filter(status=BidSection.Status.ACTIVE), user).aggregate(
        sections=Count("pk"), projects=Count("project", distinct=True)
    )
    return {
        "value": counts["sections"],
        "unit": "",
        "note": str(_("bid sections under construction, in %(n)s projects") % {"n": counts["projects"]}),
    }


PANELS = [
    Panel(
        "registry.active_sites",
        pgettext_lazy("dashboard", "Active sites"),
        "figure",
        _active_sites,
        "registry.view_bidsection",
        order=1,
    ),
    Panel(
        "registry.enterprises_by_kind",
        _("Enterprises by kind"),
        "pie",
        _enterprises_by_kind,
        "registry.view_enterprise",
        order=300,
    ),
    Panel(
        "registry.certificates_expiring",
        _("Certificates expired or expiring"),
        "bar",
        _certificates_expiring,
        "registry.view_enterprise",
        order=310,
    ),
    Panel(
        "registry.key_people_not_registered",
        _("Key people not registered with their enterprise"),
        "figure",
        _key_people_not_registered,
        "registry.view_bidsection",
        order=330,
    ),
]
