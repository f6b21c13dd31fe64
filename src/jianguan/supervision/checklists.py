"""Checklists as versioned data: ``supervision/data/checklists/<code>.v<N>.json``.

A file is checked whole before anything is written. A (code, version) already loaded with the same
content is skipped; with different content it is refused — a change is a new version, never a
rewrite of an old one. ``jianguan supervision checklists [FILE…]`` loads files by hand; the shipped
files are loaded after every ``migrate``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.ledger import ledger_append
from jianguan.supervision.models import Checklist, ChecklistItem, Kind, Severity

FORMAT = "jianguan.supervision.checklist/1"
DATA_DIR = Path(__file__).parent / "data" / "checklists"
EVIDENCE = ("photo", "measurement", "signature")

CHECKLIST_INVALID = _("Checklist %(name)s is invalid: %(problem)s")
CHECKLIST_REWRITE = _(
    "Checklist %(checklist)s version %(version)s is already loaded with other content; publish a new version instead."
)


def _problem(name: str, problem: str) -> errors.ValidationFailed:
    return errors.ValidationFailed(CHECKLIST_INVALID, code="checklist_invalid", name=name, problem=problem)


def checklist_parse(text: str, *, name: str) -> dict[str, Any]:
    """The checked content of a checklist file (raises with the first problem found)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _problem(name, f"JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _problem(name, f"format must be {FORMAT}")
    for field in ("code", "title", "kind"):
        if not isinstance(doc.get(field), str) or not doc[field]:
            raise _problem(name, f"{field} missing")
    if doc["kind"] not in Kind.values:
        raise _problem(name, f"kind {doc['kind']!r} unknown")
    if not isinstance(doc.get("version"), int) or doc["version"] < 1:
        raise _problem(name, "version must be a positive integer")
    items = doc.get("items")
    if not isinstance(items, list) or not items:
        raise _problem(name, "no items")
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise _problem(name, f"item {n} is not an object")
        for field in ("code", "text", "basis"):
            if not isinstance(item.get(field), str) or not item[field].strip():
                raise _problem(name, f"item {n}: {field} missing")
        if item["code"] in seen:
            raise _problem(name, f"item {n}: code {item['code']} repeated")
        seen.add(item["code"])
        if item.get("severity") not in Severity.values:
            raise _problem(name, f"item {item['code']}: severity {item.get('severity')!r} unknown")
        evidence = item.get("evidence", [])
        if not isinstance(evidence, list) or any(e not in EVIDENCE for e in evidence):
            raise _problem(name, f"item {item['code']}: evidence must be a list of {', '.join(EVIDENCE)}")
        if item.get("subject", "construction") not in ("construction", "supervisor"):
            raise _problem(name, f"item {item['code']}: subject must be construction or supervisor")
    return doc


@transaction.atomic
def checklist_load(*, text: str, name: str, actor: Any = "system:supervision") -> tuple[Checklist, bool]:
    """Load one checklist version; returns it and whether it is new."""
    doc = checklist_parse(text, name=name)
    canonical = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    existing = Checklist.objects.filter(code=doc["code"], version=doc["version"]).first()
    if existing is not None:
        if existing.sha256 != digest:
            raise errors.Conflict(
                CHECKLIST_REWRITE, code="checklist_rewrite", checklist=doc["code"], version=doc["version"]
            )
        return existing, False
    checklist = Checklist(
        code=doc["code"],
        version=doc["version"],
        kind=doc["kind"],
        stage=doc.get("stage", ""),
        title=doc["title"],
        sha256=digest,
    )
    checklist.full_clean()
    checklist.save()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            checklist=checklist,
            position=n,
            code=item["code"],
            text=item["text"],
            basis=item["basis"],
            severity=item["severity"],
            evidence=item.get("evidence", []),
            behaviour_code=item.get("behaviour_code", ""),
            subject=item.get("subject", "construction"),
        )
        for n, item in enumerate(doc["items"], 1)
    )
    ledger_append(
        actor=actor,
        action="supervision.checklist.loaded",
        target=checklist,
        payload={"code": checklist.code, "version": checklist.version, "sha256": digest, "items": len(doc["items"])},
    )
    return checklist, True


def checklists_load_shipped(using: str = "default") -> list[Checklist]:
    loaded = []
    for path in sorted(DATA_DIR.glob("*.json")):
        checklist, created = checklist_load(text=path.read_text(encoding="utf-8"), name=path.name)
        if created:
            loaded.append(checklist)
    return loaded


def checklist_current(kind: str, stage: str = "") -> Checklist | None:
    """The newest version of the checklist for a kind (the stage's own one first, else the general one)."""
    queryset = Checklist.objects.filter(kind=kind)
    for candidate in (queryset.filter(stage=stage), queryset.filter(stage="")) if stage else (queryset,):
        newest = candidate.order_by("code", "-version").first()
        if newest is not None:
            return candidate.filter(code=newest.code).order_by("-version").first()
    return None
