"""The menu: each module registers its entries with the permission they need; the layout shows
a user only what their roles allow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Label = str | Promise


@dataclass(frozen=True)
class NavItem:
    section: Label
    label: Label
    url_name: str
    permission: str | None = None
    order: int = 100
    staff_only: bool = True


_ITEMS: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _ITEMS:
            _ITEMS.append(item)


def menu_for(request: HttpRequest) -> list[dict[str, Any]]:
    """Sections with their items, in order, filtered by the user's permissions."""
    user = getattr(request, "user", None)  # absent when a request is refused before authentication
    if user is None or not user.is_authenticated:
        return []
    sections: dict[str, dict[str, Any]] = {}
    for item in sorted(_ITEMS, key=lambda entry: entry.order):
        if item.staff_only and getattr(user, "kind", "staff") != "staff" and not user.is_superuser:
            continue
        if item.permission and not user.has_perm(item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        key = str(item.section)
        section = sections.setdefault(key, {"label": item.section, "items": []})
        active = request.path == url or (url != "/" and request.path.startswith(url))
        section["items"].append({"label": item.label, "url": url, "active": active})
    return list(sections.values())


def navigation_context(request: HttpRequest) -> dict[str, Any]:
    return {"nav_sections": menu_for(request)}


register(
    NavItem(_("Workbench"), _("My workbench"), "core:workbench", order=0, staff_only=False),
    NavItem(_("System"), _("Devices"), "core:device-list", "core.view_device", order=900),
    NavItem(_("System"), _("Ledger"), "core:ledger-list", "core.view_ledgerentry", order=910),
)
