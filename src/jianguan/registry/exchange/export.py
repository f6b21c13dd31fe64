"""Excel exports of filtered lists: what the reader sees on the list page, as a workbook.

The querysets come from the selectors (scoped and filtered there); people are masked per reader
through ``selectors.person_display``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jianguan.core.access import AnyUser
from jianguan.core.documents import Column, workbook_bytes
from jianguan.registry import selectors
from jianguan.registry.models import Enterprise, Person, Project

EXPORT_KINDS = ("enterprises", "people", "projects")


def _enterprise_rows(queryset: QuerySet[Enterprise]) -> Iterator[dict[str, Any]]:
    for e in queryset.iterator(chunk_size=2000):
        yield {
            "uscc": e.uscc,
            "name": e.name,
            "kind": e.get_kind_display(),
            "legal_representative": e.legal_representative,
            "registered_capital": e.registered_capital,
            "jurisdiction": e.jurisdiction.name,
            "address": e.address,
            "status": e.get_status_display(),
        }


def _people_rows(queryset: QuerySet[Person], user: AnyUser) -> Iterator[dict[str, Any]]:
    for person in queryset.iterator(chunk_size=2000):
        view = selectors.person_display(user, person)
        yield {
            "name": view.name,
            "id_number": view.id_number,
            "gender": view.gender,
            "birth_date": view.birth_date,
            "phone": view.phone,
            "enterprise": view.enterprise,
        }


def _project_rows(queryset: QuerySet[Project]) -> Iterator[dict[str, Any]]:
    for p in queryset.iterator(chunk_size=2000):
        yield {
            "code": p.code,
            "name": p.name,
            "owner": p.owner.name,
            "jurisdiction": p.jurisdiction.name,
            "category": p.get_category_display(),
            "function": p.get_function_display(),
            "investment": p.investment,
            "floor_area": p.floor_area,
            "registered_on": p.registered_on,
            "status": p.get_status_display(),
        }


def export_workbook(kind: str, queryset: QuerySet[Any], *, user: AnyUser) -> bytes:
    """An .xlsx of the rows of a selector's queryset (``enterprises``, ``people``, ``projects``),
    titled in the active language."""
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if kind == "enterprises":
        columns = [
            Column("uscc", _("unified social credit code"), 22),
            Column("name", _("name"), 32),
            Column("kind", _("kind"), 16),
            Column("legal_representative", _("legal representative"), 12),
            Column("registered_capital", _("registered capital (10,000 yuan)"), 14),
            Column("jurisdiction", _("administrative division"), 12),
            Column("address", _("address"), 32),
            Column("status", _("status"), 10),
        ]
        return workbook_bytes(
            title=f"{_('Enterprises')} ({stamp})", columns=columns, rows=_enterprise_rows(queryset), sheet="enterprises"
        )
    if kind == "people":
        columns = [
            Column("name", _("name"), 12),
            Column("id_number", _("resident ID number"), 22),
            Column("gender", _("gender"), 8),
            Column("birth_date", _("birth date"), 12),
            Column("phone", _("phone"), 14),
            Column("enterprise", _("registering enterprise"), 32),
        ]
        return workbook_bytes(
            title=f"{_('People')} ({stamp})", columns=columns, rows=_people_rows(queryset, user), sheet="people"
        )
    if kind == "projects":
        columns = [
            Column("code", _("project code"), 18),
            Column("name", _("name"), 32),
            Column("owner", _("owner"), 28),
            Column("jurisdiction", _("administrative division"), 12),
            Column("category", _("category"), 12),
            Column("function", _("function"), 12),
            Column("investment", _("investment (10,000 yuan)"), 14),
            Column("floor_area", _("floor area (m²)"), 12),
            Column("registered_on", _("registered on"), 12),
            Column("status", _("status"), 12),
        ]
        return workbook_bytes(
            title=f"{_('Projects')} ({stamp})", columns=columns, rows=_project_rows(queryset), sheet="projects"
        )
    raise ValueError(f"unknown export kind {kind!r}")


SELECTORS = {
    "enterprises": selectors.enterprise_list,
    "people": selectors.person_list,
    "projects": selectors.project_list,
}
FILTERS = {
    "enterprises": ("q", "kind", "status", "jurisdiction"),
    "people": ("q", "enterprise"),
    "projects": ("q", "status", "category", "function", "jurisdiction", "owner"),
}


def export_filtered(kind: str, *, user: AnyUser, filters: dict[str, Any]) -> bytes:
    """The same rows the list shows for these filters (through the selector, in the user's scope)."""
    wanted = {key: filters[key] for key in FILTERS[kind] if filters.get(key)}
    queryset = SELECTORS[kind](user=user, filters=wanted)
    return export_workbook(kind, queryset, user=user)
