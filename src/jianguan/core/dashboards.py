"""Dashboards: panels contributed by every module (the command centre shows them all).

A module adds ``dashboard.py`` with ``PANELS = [Panel(...)]``. A panel computes JSON-ready data for
one chart from the acting user's scope, in a bounded number of queries; the page draws it with
ECharts (served from node_modules) and refreshes every panel without reloading. Panel kinds and the
shape of their data:

* ``figure``  ``{"value": 12, "unit": "…", "note": "…"}``
* ``bar``     ``{"categories": [...], "series": [{"name": "…", "data": [...]}], "horizontal": false}``
* ``pie``     ``{"items": [{"name": "…", "value": 3}]}``
* ``gauge``   ``{"value": 87.5, "unit": "%"}``
* ``scatter_map`` ``{"points": [{"name", "lon", "lat", "value", "level": 0..3, "url"}],
  "labels": [{"name", "lon", "lat"}]}``
* ``ranking`` ``{"columns": [...], "rows": [{"label", "url", "cells": [...]}]}``
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.utils.functional import Promise

from jianguan.core.access import AnyUser

Label = str | Promise
KINDS = ("figure", "bar", "pie", "gauge", "scatter_map", "ranking")


@dataclass(frozen=True)
class Panel:
    code: str
    title: Label
    kind: str
    compute: Callable[[AnyUser], dict[str, Any]]
    permission: str | None = None
    order: int = 100
    wide: bool = False


def panels_for(user: AnyUser) -> list[Panel]:
    """Every installed module's panels the user may see, in order."""
    found: list[Panel] = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("jianguan."):
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.dashboard":
                raise
            continue
        found.extend(getattr(module, "PANELS", []))
    return sorted(
        (panel for panel in found if panel.permission is None or user.has_perm(panel.permission)),
        key=lambda panel: (panel.order, panel.code),
    )


T = TypeVar("T")
_shared: ContextVar[dict[Hashable, Any] | None] = ContextVar("dashboard_shared", default=None)


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """What several panels of one dashboard read (e.g. the stage statistics behind three panels,
    the risk scores behind the ranking and the map) computed once per dashboard, not once per
    panel; outside ``dashboard_data`` it is simply computed."""
    memo = _shared.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    result: T = memo[key]
    return result


def dashboard_data(user: AnyUser) -> list[dict[str, Any]]:
    """The data of every panel the user may see."""
    token = _shared.set({})
    try:
        return [
            {
                "code": panel.code,
                "title": str(panel.title),
                "kind": panel.kind,
                "wide": panel.wide,
                "data": panel.compute(user),
            }
            for panel in panels_for(user)
        ]
    finally:
        _shared.reset(token)


@dataclass(frozen=True)
class ReportSection:
    """A module's section of the periodic supervision report: a table for a period and jurisdiction.

    ``compute(start, end, jurisdiction_ids)`` returns ``{"columns": [...], "rows": [[...], ...],
    "note": "…"}`` for the half-open period [start, end). Modules add ``REPORT_SECTIONS`` to their
    ``dashboard.py``.
    """

    code: str
    title: Label
    compute: Callable[[Any, Any, frozenset[int]], dict[str, Any]]
    order: int = 100


def report_sections() -> list[ReportSection]:
    found: list[ReportSection] = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("jianguan."):
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.dashboard":
                raise
            continue
        found.extend(getattr(module, "REPORT_SECTIONS", []))
    return sorted(found, key=lambda section: (section.order, section.code))
