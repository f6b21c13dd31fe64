"""The credit panels of the command centre's dashboard: grade distribution, and the blacklisted and
lowest-grade subjects active on sites — enterprises taking part in an active bid section and
registered people in post on one — from the latest daily standings in the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser
from jianguan.core.dashboards import Panel


def _latest(user: AnyUser) -> Any:
    from jianguan.credit.models import Standing
    from jianguan.credit.selectors import subject_list

    latest = Standing.objects.order_by("-day").values("day")[:1]  # a subquery: one query per panel
    return Standing.objects.filter(day=Subquery(latest), subject__in=subject_list(user=user))


def _grade_distribution(user: AnyUser) -> dict[str, Any]:
    from jianguan.credit.services import current_scheme

    standings = _latest(user)
    counts = dict(standings.values_list("grade").annotate(n=Count("id")).values_list("grade", "n"))
    grades = list(current_scheme().grades)
    return {
        "categories": grades,
        "series": [{"name": "", "data": [counts.get(grade, 0) for grade in grades]}],
    }


def _flagged_on_sites(user: AnyUser) -> dict[str, Any]:
    from jianguan.credit.services import current_scheme
    from jianguan.registry.models import BidSection

    standings = _latest(user)
    lowest = current_scheme().grades[-1]
    # an enterprise taking part in an active site, or a person in post on one
    active = Q(subject__enterprise__participations__bid_section__status=BidSection.Status.ACTIVE)
    in_post = Q(
        subject__person__key_posts__bid_section__status=BidSection.Status.ACTIVE,
        subject__person__key_posts__ended_on__isnull=True,
    )
    flagged = (
        standings.filter(Q(blacklisted=True) | Q(grade=lowest))
        .annotate(
            firms=Count("subject__enterprise__participations__bid_section", filter=active, distinct=True),
            posts=Count("subject__person__key_posts__bid_section", filter=in_post, distinct=True),
        )
        .filter(Q(firms__gt=0) | Q(posts__gt=0))
        .select_related("subject")
        .order_by("-blacklisted", "score", "subject_id")[:10]
    )
    return {
        "columns": [str(_("Grade")), str(_("Score")), str(_("Active sites"))],
        "rows": [
            {
                "label": s.subject.name,
                "url": reverse("credit:subject", args=[s.subject_id]),
                "cells": [s.grade + (" ⚑" if s.blacklisted else ""), str(s.score), s.firms + s.posts],
            }
            for s in flagged
        ],
    }


PANELS = [
    Panel("credit.grades", _("Credit grades"), "bar", _grade_distribution, "credit.view_subject", order=70),
    Panel(
        "credit.flagged_on_sites",
        _("Blacklisted and lowest-grade subjects on active sites"),
        "ranking",
        _flagged_on_sites,
        "credit.view_subject",
        order=75,
    ),
]
