"""The risk score of a site (bid section under construction) that ranks the key supervision targets.

The score is a plain sum of points, each with its reason, so people can see why a site is high:

* every open warning about the site — the bid section itself, its project, an enterprise taking
  part in it, or one of its key people — counts by severity: critical 40, high 20, medium 10,
  low 5; a warning past its disposal deadline counts one and a half times;
* every installed module may add factors in ``<app>/risk.py``:
  ``RISK_FACTORS = [fn]`` where ``fn(section_ids: list[int]) -> {section_id: [Factor, …]}``
  (for example the credit grade of the contractor, or recent inspection findings).

Bands: 60 and above critical, 30 high, 10 medium, below 10 low. The computation is set-based: a
fixed number of queries whatever the number of sites.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jianguan.core.access import AnyUser, scope_queryset

SEVERITY_POINTS = {"critical": 40, "high": 20, "medium": 10, "low": 5}
OVERDUE_FACTOR = 1.5
BANDS = ((60, 3), (30, 2), (10, 1))


@dataclass(frozen=True)
class Factor:
    label: str | Promise
    points: float


@dataclass
class SiteRisk:
    section_id: int
    code: str
    name: str
    jurisdiction: str
    latitude: float | None
    longitude: float | None
    factors: list[Factor] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(f.points for f in self.factors), 1)

    @property
    def band(self) -> int:
        for threshold, band in BANDS:
            if self.score >= threshold:
                return band
        return 0


FactorSource = Callable[[list[int]], dict[int, list[Factor]]]


@cache
def factor_sources() -> tuple[FactorSource, ...]:
    found: list[FactorSource] = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("jianguan."):
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.risk")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.risk":
                raise
            continue
        found.extend(getattr(module, "RISK_FACTORS", []))
    return tuple(found)


def _warning_factors(section_ids: list[int]) -> dict[int, list[Factor]]:
    """Open warnings about the sections, their projects, participants and key people."""
    from jianguan.command.models import OPEN_STATUSES, Alert
    from jianguan.registry.models import BidSection, KeyPerson, Participant

    subjects: dict[tuple[str, str], set[int]] = defaultdict(set)
    for pk, project_id in BidSection.objects.filter(pk__in=section_ids).values_list("pk", "project_id"):
        subjects[("registry.bidsection", str(pk))].add(pk)
        subjects[("registry.project", str(project_id))].add(pk)
    for section_id, enterprise_id in Participant.objects.filter(
        bid_section_id__in=section_ids, role__in=("contractor", "supervisor")
    ).values_list("bid_section_id", "enterprise_id"):
        subjects[("registry.enterprise", str(enterprise_id))].add(section_id)
    for section_id, person_id in KeyPerson.objects.filter(
        bid_section_id__in=section_ids, ended_on__isnull=True
    ).values_list("bid_section_id", "person_id"):
        subjects[("registry.person", str(person_id))].add(section_id)
    now = timezone.now()
    found: dict[int, list[Factor]] = defaultdict(list)
    types = {subject_type for subject_type, _id in subjects}
    rows = (
        Alert.objects.filter(status__in=OPEN_STATUSES, subject_type__in=types)
        .order_by()
        .values_list("subject_type", "subject_id", "severity", "deadline", "subject_label", "kind")
    )
    from jianguan.command.catalogue import KINDS

    labels: dict[str, str] = {}  # each kind's label translated once, not once per warning
    for subject_type, subject_id, severity, deadline, label, kind in rows.iterator():
        targets = subjects.get((subject_type, subject_id))
        if not targets:
            continue
        points = SEVERITY_POINTS.get(severity, 5) * (OVERDUE_FACTOR if deadline < now else 1)
        if kind not in labels:
            labels[kind] = str(KINDS[kind].label) if kind in KINDS else kind
        kind_label = labels[kind]
        for section_id in targets:
            found[section_id].append(Factor(f"{kind_label}（{label}）", points))
    return found


def site_risks(*, user: AnyUser, limit: int | None = None, statuses: Iterable[str] = ("active",)) -> list[SiteRisk]:
    """Sites in the user's scope with their score, highest first."""
    from jianguan.registry.models import BidSection

    sections = scope_queryset(BidSection.objects.filter(status__in=list(statuses)), user).values_list(
        "pk", "code", "project__name", "name", "jurisdiction__name", "project__latitude", "project__longitude"
    )
    risks = {
        pk: SiteRisk(pk, code, f"{project} {name}", place, lat, lon)
        for pk, code, project, name, place, lat, lon in sections
    }
    ids = list(risks)
    if ids:
        for source in (_warning_factors, *factor_sources()):
            for section_id, factors in source(ids).items():
                if section_id in risks:
                    risks[section_id].factors.extend(factors)
    ranked = sorted(risks.values(), key=lambda r: (-r.score, r.code))
    return ranked[:limit] if limit else ranked


def section_url(section_id: int) -> str:
    from django.urls import NoReverseMatch, reverse

    for name in ("registry:bidsection-detail", "registry:bid-section-detail", "registry:section-detail"):
        try:
            return reverse(name, args=[section_id])
        except NoReverseMatch:
            continue
    return f"/command/warnings/?status=active&q={section_id}"


def _shared_risks(user: AnyUser) -> list[SiteRisk]:
    """The active sites' scores, computed once for the ranking and the map of one dashboard."""
    from jianguan.core.dashboards import shared

    return shared(("command.site_risks", user.pk), lambda: site_risks(user=user))


def ranking_panel(user: AnyUser) -> dict[str, Any]:
    rows = []
    for risk in _shared_risks(user)[:15]:
        if risk.score <= 0:
            break
        reasons = "；".join(str(f.label) for f in risk.factors[:3])
        rows.append({"label": risk.name, "url": section_url(risk.section_id), "cells": [risk.score, reasons]})
    return {"columns": [str(_("Site")), str(_("Risk score")), str(_("Main reasons"))], "rows": rows}


def sites_map_panel(user: AnyUser) -> dict[str, Any]:
    from jianguan.core.models import Jurisdiction

    places = scope_queryset(Jurisdiction.objects.exclude(latitude=None), user, field="pk").order_by("code")
    labels = [{"name": p.name, "lon": p.longitude, "lat": p.latitude} for p in places]
    points = [
        {
            "name": f"{risk.name}（{risk.score}）",
            "lon": risk.longitude,
            "lat": risk.latitude,
            "value": 1,
            "size": 8 + 3 * risk.band,
            "level": risk.band,
            "url": section_url(risk.section_id),
        }
        for risk in _shared_risks(user)
        if risk.latitude is not None and risk.longitude is not None
    ]
    return {"points": points, "labels": labels}
