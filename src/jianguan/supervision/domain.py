"""The 双随机 draw as a plain function: the same candidates and seed always give the same draw.

Targets are drawn without replacement, weighted by risk (Efraimidis–Spirakis keys u^(1/w) from one
``random.Random(seed)`` walked in a fixed order); for each target, in the order drawn, inspectors
are drawn uniformly among those without a declared conflict with any enterprise on the site,
preferring those with the fewest assignments so far in the draw.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from collections.abc import Callable
from typing import Any


class NotEnoughInspectors(Exception):
    def __init__(self, section: str) -> None:
        super().__init__(section)
        self.section = section


def new_seed() -> str:
    return secrets.token_hex(16)


def candidates_digest(candidates: dict[str, Any]) -> str:
    text = json.dumps(candidates, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def draw(candidates: dict[str, Any], *, seed: str, targets: int, per_target: int) -> list[dict[str, Any]]:
    rng = random.Random(f"jianguan.supervision.draw:{seed}")
    sections = sorted(candidates["sections"], key=lambda s: s["id"])
    keyed = []
    for section in sections:
        weight = max(float(section["weight"]), 1e-9)
        keyed.append((rng.random() ** (1.0 / weight), section))
    chosen = [s for _key, s in sorted(keyed, key=lambda pair: (-pair[0], pair[1]["id"]))[:targets]]
    conflicted: dict[int, set[int]] = {}
    for inspector in candidates["inspectors"]:
        for enterprise in inspector["conflicts"]:
            conflicted.setdefault(enterprise, set()).add(inspector["id"])
    levels: dict[int, set[int]] = {0: {i["id"] for i in candidates["inspectors"]}}
    load = dict.fromkeys(levels[0], 0)
    result = []
    for section in chosen:
        excluded: set[int] = set()
        for enterprise in section["enterprises"]:
            excluded |= conflicted.get(enterprise, set())
        picked: list[int] = []
        while len(picked) < per_target:
            pool: list[int] = []
            for level in sorted(levels):
                pool = sorted(levels[level] - excluded - set(picked))
                if pool:
                    break
            if not pool:
                raise NotEnoughInspectors(section["code"])
            choice = pool[rng.randrange(len(pool))]
            picked.append(choice)
            levels[load[choice]].discard(choice)
            load[choice] += 1
            levels.setdefault(load[choice], set()).add(choice)
        result.append(
            {"section": section["id"], "code": section["code"], "weight": section["weight"], "inspectors": picked}
        )
    return result


def candidates_for(
    *, jurisdiction: Any, kind: str, today: Any, weights: Callable[..., dict[int, float]]
) -> dict[str, Any]:
    """The draw's inputs from the database: active sections in the jurisdiction (and below) with
    their risk weight and enterprises; inspectors of the right station with their conflicts."""
    from django.contrib.auth.models import Group

    from jianguan.core.access import jurisdiction_ancestor_ids, jurisdiction_subtree_ids
    from jianguan.core.models import User
    from jianguan.registry.models import BidSection, Participant
    from jianguan.supervision.models import InspectorConflict

    area = jurisdiction_subtree_ids(jurisdiction.pk)
    rows = list(
        BidSection.objects.filter(jurisdiction_id__in=area, status=BidSection.Status.ACTIVE)
        .order_by("id")
        .values_list("id", "code")
    )
    enterprises: dict[int, list[int]] = {}
    for section_id, enterprise_id in Participant.objects.filter(bid_section_id__in=[r[0] for r in rows]).values_list(
        "bid_section_id", "enterprise_id"
    ):
        enterprises.setdefault(section_id, []).append(enterprise_id)
    weight = weights([r[0] for r in rows], today=today)
    role = "quality_inspector" if kind == "quality" else "safety_inspector"
    group = Group.objects.filter(name=role).first()
    users = (
        User.objects.filter(
            groups=group,
            is_active=True,
            kind=User.Kind.STAFF,
            jurisdiction_id__in=jurisdiction_ancestor_ids(jurisdiction.pk) | area,
        )
        .order_by("id")
        .values_list("id", "username")
        if group
        else []
    )
    conflicts: dict[int, list[int]] = {}
    for inspector_id, enterprise_id in InspectorConflict.objects.values_list("inspector_id", "enterprise_id"):
        conflicts.setdefault(inspector_id, []).append(enterprise_id)
    return {
        "kind": kind,
        "day": str(today),
        "sections": [
            {
                "id": sid,
                "code": code,
                "weight": round(weight.get(sid, 1.0), 3),
                "enterprises": sorted(enterprises.get(sid, [])),
            }
            for sid, code in rows
        ],
        "inspectors": [{"id": uid, "conflicts": sorted(conflicts.get(uid, []))} for uid, _name in users],
    }
