"""双随机: reproducible from the seed, weighted by risk, never sending a conflicted inspector."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from jianguan.core import errors
from jianguan.core.models import Jurisdiction, LedgerEntry, User
from jianguan.supervision import domain, services
from jianguan.supervision.models import Inspection
from tests.registry.factories import make_section

pytestmark = pytest.mark.django_db


def candidates(n_sections: int = 30, n_inspectors: int = 6) -> dict:
    return {
        "sections": [
            {"id": i, "code": f"S{i}", "weight": 10.0 if i < 3 else 1.0, "enterprises": [i]} for i in range(n_sections)
        ],
        "inspectors": [{"id": 100 + j, "conflicts": [0, 1] if j == 0 else []} for j in range(n_inspectors)],
    }


def test_same_seed_same_draw_other_seed_other_draw() -> None:
    first = domain.draw(candidates(), seed="abc", targets=5, per_target=2)
    assert first == domain.draw(json.loads(json.dumps(candidates())), seed="abc", targets=5, per_target=2)
    others = {json.dumps(domain.draw(candidates(), seed=str(s), targets=5, per_target=2)) for s in range(20)}
    assert len(others) > 15


def test_weighting_and_conflicts() -> None:
    hits: Counter[int] = Counter()
    for seed in range(400):
        for row in domain.draw(candidates(), seed=str(seed), targets=3, per_target=2):
            hits[row["section"]] += 1
            if row["section"] in (0, 1):
                assert 100 not in row["inspectors"]
            assert len(set(row["inspectors"])) == 2
    heavy = sum(hits[i] for i in range(3)) / 3
    light = sum(hits[i] for i in range(3, 30)) / 27
    assert heavy > 4 * light
    with pytest.raises(domain.NotEnoughInspectors):
        domain.draw(candidates(n_inspectors=2), seed="x", targets=30, per_target=2)


def test_draw_recorded_with_seed_and_reproduced(city: Jurisdiction, inspectors: list[User], head: User) -> None:
    sites = [make_section() for _ in range(4)]
    services.conflict_declare(actor=head, inspector=inspectors[0], enterprise=sites[0].contractor, reason="relative")
    draw = services.draw_make(actor=head, jurisdiction=city, kind="safety", targets=3, inspectors_per_target=2)
    entry = LedgerEntry.objects.get(action="supervision.draw.made")
    assert entry.data["seed"] == draw.seed
    assert entry.data["candidates_sha256"] == domain.candidates_digest(draw.candidates)
    assert domain.draw(draw.candidates, seed=entry.data["seed"], targets=3, per_target=2) == entry.data["result"]
    again = services.draw_make(actor=head, jurisdiction=city, kind="safety", targets=3, seed=draw.seed)
    assert again.result == draw.result
    for row in draw.result:
        if row["section"] == sites[0].section.pk:
            assert inspectors[0].pk not in row["inspectors"]
    services.draw_publish(actor=head, draw=draw)
    with pytest.raises(errors.Conflict):
        services.draw_publish(actor=head, draw=draw)
    row = draw.result[0]
    chosen = list(User.objects.filter(pk__in=row["inspectors"]))
    from jianguan.registry.models import BidSection
    from jianguan.supervision.checklists import checklist_current

    checklist = checklist_current("safety")
    assert checklist is not None
    planned = services.inspection_start(
        actor=chosen[0],
        bid_section=BidSection.objects.get(pk=row["section"]),
        checklist=checklist,
        inspectors=chosen,
        draw=draw,
    )
    assert planned.origin == Inspection.Origin.PLANNED


def test_no_targets(city: Jurisdiction, head: User) -> None:
    with pytest.raises(errors.ValidationFailed):
        services.draw_make(actor=head, jurisdiction=city, kind="safety", targets=2)


def test_replay_command(city: Jurisdiction, inspectors: list[User], head: User) -> None:
    import io

    from django.core.management import call_command

    make_section()
    draw = services.draw_make(actor=head, jurisdiction=city, kind="safety", targets=1)
    out = io.StringIO()
    call_command("supervision", "replay", draw.number, stdout=out)
    assert "reproduces" in out.getvalue()
    out = io.StringIO()
    call_command("supervision", "checklists", stdout=out)
    assert "safety.general v1: 8 items, already loaded" in out.getvalue()
