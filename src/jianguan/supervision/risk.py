"""Risk from inspections: the command centre's site factors and the draw's weights.

* ``RISK_FACTORS``: confirmed findings of the last 180 days, by severity (severe 15, major 8,
  general 3 points each), and a stop-work order in force (20).
* ``section_weights``: the weight of a site in a 双随机 draw = 1 + findings of the last year
  (severe 3, major 2, general 1; at most 10) + the contractor's credit grade when the credit module
  is installed (C 3, B 2, A 1) + the extra weight of the section's current stage when lifecycle
  knows it, from the JDM rule ``supervision.draw_stage_weight`` (foundation and main-structure
  works weigh most). The weights are stored with the draw's candidates, so a seed reproduces it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.command.risk import Factor
from jianguan.registry.models import Participant
from jianguan.supervision import integrations
from jianguan.supervision.models import Finding, StopWorkOrder

FINDING_POINTS = {"severe": 15, "major": 8, "general": 3}
WEIGHT_POINTS = {"severe": 3, "major": 2, "general": 1}
GRADE_WEIGHT = {"C": 3, "B": 2, "A": 1}
FACTOR_LABELS = {
    "severe": _("Severe inspection findings in the last 180 days: %(count)s"),
    "major": _("Major inspection findings in the last 180 days: %(count)s"),
    "general": _("General inspection findings in the last 180 days: %(count)s"),
}


def _counts(section_ids: list[int], since: dt.date) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Finding.objects.filter(bid_section_id__in=section_ids, status=Finding.Status.CONFIRMED, found_on__gte=since)
        .values("bid_section_id", "severity")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["bid_section_id"]][row["severity"]] = row["n"]
    return counts


def findings_factor(section_ids: list[int]) -> dict[int, list[Factor]]:
    today = timezone.localdate()
    result: dict[int, list[Factor]] = defaultdict(list)
    for section_id, by_severity in _counts(section_ids, today - dt.timedelta(days=180)).items():
        for severity, n in sorted(by_severity.items()):
            label = FACTOR_LABELS[severity] % {"count": n}
            result[section_id].append(Factor(label, FINDING_POINTS[severity] * n))
    for section_id in (
        StopWorkOrder.objects.filter(bid_section_id__in=section_ids, status=StopWorkOrder.Status.IN_FORCE)
        .values_list("bid_section_id", flat=True)
        .distinct()
    ):
        result[section_id].append(Factor(_("Stop-work order in force"), 20))
    return dict(result)


RISK_FACTORS = [findings_factor]


def section_weights(section_ids: list[int], *, today: dt.date) -> dict[int, float]:
    weights = dict.fromkeys(section_ids, 1.0)
    for section_id, by_severity in _counts(section_ids, today - dt.timedelta(days=365)).items():
        weights[section_id] += min(10, sum(WEIGHT_POINTS[s] * n for s, n in by_severity.items()))
    for participant in Participant.objects.filter(
        bid_section_id__in=section_ids, role=Participant.Role.CONTRACTOR
    ).select_related("enterprise"):
        grade = integrations.credit_grade(participant.enterprise, today)
        if grade:
            weights[participant.bid_section_id] += GRADE_WEIGHT.get(grade, 0)
    stages = integrations.section_stages(section_ids)
    extra = stage_weights(set(stages.values()))
    for section_id, stage in stages.items():
        weights[section_id] += extra.get(stage, 0.0)
    return weights


STAGE_WEIGHT_RULE = "supervision.draw_stage_weight"


def stage_weights(codes: set[str]) -> dict[str, float]:
    """The extra draw weight of each stage code, by the JDM rule (evaluated once per stage)."""
    from jianguan.core.rules import rule_decide

    return {code: float(rule_decide(STAGE_WEIGHT_RULE, {"stage": code}).result.get("weight") or 0) for code in codes}
