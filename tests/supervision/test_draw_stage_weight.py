"""The 双随机 draw weighs sites by the stage lifecycle says they are at, with the weights as a JDM rule."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from jianguan.core.models import Jurisdiction, User
from jianguan.core.rules import rule_version_upload
from jianguan.supervision import domain, services
from jianguan.supervision.risk import STAGE_WEIGHT_RULE, section_weights
from tests.lifecycle.conftest import walk
from tests.registry.factories import make_section


def _sites() -> tuple[list[int], list[int]]:
    risky = [make_section().section for _ in range(2)]
    walk(risky[0], "commencement")  # building the foundation
    walk(risky[1], "foundation_acceptance")  # building the main structure
    calm = [make_section().section for _ in range(2)]
    walk(calm[0], "contract_filing")  # paperwork before the permit
    return [s.pk for s in risky], [s.pk for s in calm]


def test_draw_weights_risky_stages_and_is_reproducible(city: Jurisdiction, inspectors: list[User], head: User) -> None:
    risky, calm = _sites()
    draw = services.draw_make(actor=head, jurisdiction=city, kind="safety", targets=1, inspectors_per_target=2)
    weights = {row["id"]: row["weight"] for row in draw.candidates["sections"]}
    assert [weights[i] for i in risky] == [3.0, 3.0]
    assert [weights[i] for i in calm] == [1.0, 1.0]
    again = services.draw_make(actor=head, jurisdiction=city, kind="safety", targets=1, seed=draw.seed)
    assert again.candidates == draw.candidates
    assert again.result == draw.result
    hits: Counter[int] = Counter()
    for seed in range(300):
        hits[domain.draw(draw.candidates, seed=str(seed), targets=1, per_target=2)[0]["section"]] += 1
    assert sum(hits[i] for i in risky) > 2 * sum(hits[i] for i in calm)


def test_stage_weights_are_the_rules_data(city: Jurisdiction) -> None:
    risky, calm = _sites()
    path = Path(settings.PACKAGE_DIR) / "rules" / f"{STAGE_WEIGHT_RULE}.json"
    graph = json.loads(path.read_text(encoding="utf-8"))
    table = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
    for row in table["content"]["rules"]:
        if row["stage"] == "'structure_acceptance'":
            row["weight"] = "7"
    graph["tests"] = []
    rule_version_upload(actor="system:test", name=STAGE_WEIGHT_RULE, content=json.dumps(graph), note="test")
    weights = section_weights(risky + calm, today=timezone.localdate())
    assert weights[risky[1]] == 8.0
    assert weights[risky[0]] == 3.0
    assert weights[calm[0]] == 1.0
