"""The regulated stages of a bid section, as configuration.

The default line has the 13 stages of issue 6 in their order, each with the department that owns
it, the outcomes it may end with, and the deadline rules that hang off it. A city may replace the
line with ``settings.LIFECYCLE_STAGES`` (a list of dicts with the same keys); the gate conditions
themselves are the JDM rule ``lifecycle.gate`` (src/jianguan/rules/lifecycle.gate.json).

Deadline rules (REGULATIONS.md, 建设工程质量管理条例 art. 49):
- the quality station is told at least 7 working days before completion acceptance;
- completion filing within 15 days of passing completion acceptance;
- archives handed to the urban-construction archive within 3 months of acceptance;
- a construction permit lapses when work has not started within 3 months of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Department

PASSED = "passed"
EXEMPT = "exempt"
FAILED = "failed"
OUTCOME_LABELS: dict[str, str | Promise] = {
    PASSED: _("passed"),
    EXEMPT: _("exempt"),
    FAILED: _("failed"),
}


@dataclass(frozen=True)
class Stage:
    code: str
    order: int
    name_zh: str
    name_en: str
    department: str
    outcomes: tuple[str, ...] = (PASSED, FAILED)
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "zh-hans").startswith("en") else self.name_zh


@dataclass(frozen=True)
class DeadlineRule:
    """``stage`` must happen within ``days`` (calendar), ``months`` or ``working_days`` of ``anchor``
    (``before=True``: at least that long before the anchor, e.g. the notice before acceptance)."""

    code: str
    stage: str
    anchor: str
    days: int = 0
    months: int = 0
    working_days: int = 0
    before: bool = False
    label_zh: str = ""
    label_en: str = ""

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        return self.label_en if (get_language() or "zh-hans").startswith("en") else self.label_zh


D = Department.Code
DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("registration", 1, "报建", "Project registration", D.APPROVAL),
    Stage("drawing_review", 2, "施工图审查", "Construction-drawing review", D.QUALITY),
    Stage("tendering", 3, "招标投标", "Tendering and award", D.MARKET),
    Stage("contract_filing", 4, "合同备案", "Contract filing", D.MARKET),
    Stage("supervision_registration", 5, "质量安全监督登记", "Quality and safety supervision registration", D.QUALITY),
    Stage("fee", 6, "配套费", "Supporting-fee assessment and payment", D.APPROVAL, outcomes=(PASSED, EXEMPT, FAILED)),
    Stage("permit", 7, "施工许可", "Construction permit", D.APPROVAL),
    Stage("commencement", 8, "开工", "Commencement", D.QUALITY, outcomes=(PASSED,)),
    Stage("foundation_acceptance", 9, "地基与基础分部验收", "Foundation acceptance", D.QUALITY),
    Stage("structure_acceptance", 10, "主体结构分部验收", "Main-structure acceptance", D.QUALITY),
    Stage("completion_acceptance", 11, "竣工验收", "Completion acceptance", D.QUALITY),
    Stage("completion_filing", 12, "竣工验收备案", "Completion filing", D.APPROVAL),
    Stage(
        "archive_handover", 13, "城建档案移交", "Urban-construction archive hand-over", D.APPROVAL, outcomes=(PASSED,)
    ),
)

DEFAULT_DEADLINES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        "acceptance_notice",
        "completion_acceptance",
        "completion_acceptance",
        working_days=7,
        before=True,
        label_zh="竣工验收前7个工作日告知质量监督机构",
        label_en="Quality station told 7 working days before completion acceptance",
    ),
    DeadlineRule(
        "completion_filing",
        "completion_filing",
        "completion_acceptance",
        days=15,
        label_zh="竣工验收合格之日起15日内备案",
        label_en="Completion filing within 15 days of acceptance",
    ),
    DeadlineRule(
        "archive_handover",
        "archive_handover",
        "completion_acceptance",
        months=3,
        label_zh="竣工验收后3个月内移交城建档案",
        label_en="Archives handed over within 3 months of acceptance",
    ),
    DeadlineRule(
        "permit_lapse",
        "commencement",
        "permit",
        months=3,
        label_zh="领取施工许可证后3个月内开工，否则许可证失效",
        label_en="Work starts within 3 months of the permit or the permit lapses",
    ),
)


def _configured() -> tuple[tuple[Stage, ...], tuple[DeadlineRule, ...]]:
    stages = getattr(settings, "LIFECYCLE_STAGES", None)
    deadlines = getattr(settings, "LIFECYCLE_DEADLINES", None)
    return (
        tuple(Stage(**{**s, "outcomes": tuple(s.get("outcomes", (PASSED, FAILED)))}) for s in stages)
        if stages
        else DEFAULT_STAGES,
        tuple(DeadlineRule(**d) for d in deadlines) if deadlines else DEFAULT_DEADLINES,
    )


def stages() -> tuple[Stage, ...]:
    """The configured stages in order."""
    return tuple(sorted(_configured()[0], key=lambda s: s.order))


def stage_by_code(code: str) -> Stage | None:
    return next((s for s in stages() if s.code == code), None)


def deadline_rules() -> tuple[DeadlineRule, ...]:
    return _configured()[1]
