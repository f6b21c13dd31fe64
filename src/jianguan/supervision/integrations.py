"""Optional neighbours, used only when their module is installed (``importlib.util.find_spec``):
lifecycle (drawing-review prompts, stage), attendance (key people's presence today), credit (grades)."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from typing import Any

from django.apps import apps

from jianguan.registry.models import BidSection, Enterprise


def _module(app: str, name: str) -> Any | None:
    if not apps.is_installed(f"jianguan.{app}") or importlib.util.find_spec(f"jianguan.{app}.{name}") is None:
        return None
    return importlib.import_module(f"jianguan.{app}.{name}")


def drawing_review_prompts(section: BidSection) -> list[Any] | None:
    """None when lifecycle is not installed; else its prompts for the section."""
    module = _module("lifecycle", "selectors")
    function = getattr(module, "drawing_review_prompts", None)
    return list(function(section)) if function else None


def key_people_presence(section: BidSection, day: dt.date) -> list[dict[str, Any]] | None:
    """None when attendance is not installed; else each current key person and whether present."""
    module = _module("attendance", "duty")
    function = getattr(module, "presence", None)
    if function is None:
        return None
    present = function(day, day)
    rows = []
    for post in section.key_people.filter(ended_on__isnull=True).select_related("person").order_by("role"):
        rows.append(
            {
                "role": post.get_role_display(),
                "name": post.person.name,
                "present": day in present.get((section.pk, post.person_id), set()),
            }
        )
    return rows


def credit_grade(enterprise: Enterprise, day: dt.date) -> str | None:
    module = _module("credit", "selectors")
    function = getattr(module, "credit_grade", None)
    if function is None:
        return None
    try:
        return str(function(enterprise, day))
    except Exception:
        return None


def section_stages(section_ids: list[int]) -> dict[int, str]:
    """The current stage of each section when lifecycle offers ``current_stages(section_ids)``."""
    module = _module("lifecycle", "selectors")
    function = getattr(module, "current_stages", None)
    return dict(function(section_ids)) if function else {}
