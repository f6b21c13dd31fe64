"""The stage line's part of the demo city: every bid section gets a realistic stage history,
inserted in bulk (as an import of historical data would be, without passing the gates), with
planted problems the checks must find:

- completion filings not made 15 days after acceptance (overdue) and made late;
- a construction permit that lapsed without commencement;
- stages opened out of order (commencement recorded without a permit);
- drawing-review findings against mandatory provisions still open or to be checked on site.

When the registry's demo step is not installed, a few demo projects with one bid section each are
registered through the registry's services first. At the end the daily check runs once, so the
command centre shows the warnings.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from jianguan.core.demo_framework import DEMO_ACTOR, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Jurisdiction
from jianguan.lifecycle.models import ReviewFinding, StageRecord
from jianguan.lifecycle.stages import stages
from jianguan.lifecycle.tasks import lifecycle_check
from jianguan.registry import services as registry
from jianguan.registry.domain import permit_number, uscc_check_character
from jianguan.registry.models import BidSection

# stage -> (gap after the previous stage, duration) in days, (min, max)
TIMING: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "registration": ((0, 0), (1, 5)),
    "drawing_review": ((0, 3), (15, 40)),
    "tendering": ((0, 3), (20, 45)),
    "contract_filing": ((0, 3), (3, 10)),
    "supervision_registration": ((0, 3), (2, 7)),
    "fee": ((0, 3), (2, 10)),
    "permit": ((0, 3), (3, 10)),
    "commencement": ((10, 60), (0, 0)),
    "foundation_acceptance": ((0, 3), (60, 150)),
    "structure_acceptance": ((0, 3), (90, 300)),
    "completion_acceptance": ((60, 200), (0, 0)),
    "completion_filing": ((0, 0), (5, 14)),
    "archive_handover": ((0, 0), (20, 60)),
}

PEOPLE = {
    "approval": ["王敏", "李强", "张建国"],
    "quality": ["陈志华", "刘洋", "赵磊"],
    "market": ["孙丽"],
    "safety": ["周涛", "吴静"],
}

PROVISIONS = [
    ("GB 50010-2010", "8.5.1", "纵向受力钢筋最小配筋率不满足要求", "结施-05 KL3"),
    ("GB 50010-2010", "11.3.6", "框架梁端箍筋加密区长度不足", "结施-07 二层梁"),
    ("GB 50011-2010", "6.3.3", "抗震墙竖向分布钢筋配筋率不足", "结施-11 Q2"),
    ("GB 50016-2014", "5.5.17", "疏散距离超过规范限值", "建施-03 三层平面"),
    ("GB 50016-2014", "6.4.4", "地下室疏散楼梯间未按规定设置", "建施-01 地下一层"),
    ("GB 50007-2011", "8.4.18", "筏板基础厚度未满足冲切验算", "结施-02 基础平面"),
    ("GB 50009-2012", "5.5.1", "屋面活荷载取值偏低", "结施-14 屋面"),
    ("GB 55001-2021", "2.4.1", "结构设计工作年限未在图纸中注明", "结施-00 总说明"),
]


@dataclass
class Planned:
    stage: str
    started: dt.date
    completed: dt.date | None
    outcome: str = ""
    notice: dt.date | None = None


def _chain(rng: random.Random, codes: list[str]) -> list[tuple[str, int, int]]:
    """(stage, start offset, end offset) in days from day 0, in order."""
    out, end = [], 0
    for code in codes:
        (g0, g1), (d0, d1) = TIMING.get(code, ((0, 3), (5, 20)))
        start = end + rng.randint(g0, g1)
        end = start + rng.randint(d0, d1)
        out.append((code, start, end))
    return out


def _plan(rng: random.Random, codes: list[str], done: int, open_next: bool, lag: int, today: dt.date) -> list[Planned]:
    chain = _chain(rng, codes[: done + (1 if open_next else 0)])
    if not chain:
        return []
    last = chain[done - 1][2] if done else chain[0][1]
    day0 = today - dt.timedelta(days=last + lag)
    planned = []
    for index, (code, start, end) in enumerate(chain):
        started = day0 + dt.timedelta(days=start)
        completed = day0 + dt.timedelta(days=end) if index < done else None
        if completed is not None and completed > today:
            completed = today
        if started > today:
            started = today
        outcome = ""
        if completed is not None:
            outcome = "exempt" if code == "fee" and rng.random() < 0.15 else "passed"
        notice = started - dt.timedelta(days=30) if code == "completion_acceptance" else None
        planned.append(Planned(code, started, completed, outcome, notice))
    return planned


def _ensure_sections(ctx: DemoContext) -> list[BidSection]:
    sections = list(BidSection.objects.select_related("project", "jurisdiction").order_by("pk"))
    if sections:
        return sections
    rng = ctx.rng("lifecycle.sections")
    districts = list(Jurisdiction.objects.filter(parent__isnull=False).order_by("code")[:5])
    count = min(ctx.scale.projects, 200)
    owners = []
    for n in range(max(count // 5, 1)):
        body = f"91{districts[n % len(districts)].code}MA{7000000 + n:07d}"[:17]
        owners.append(
            registry.enterprise_upsert(
                actor=DEMO_ACTOR,
                data={
                    "uscc": body + uscc_check_character(body),
                    "name": f"宜昌市{['城投', '高新', '夷陵', '伍家', '西陵'][n % 5]}置业有限公司{n + 1}",
                    "kind": "owner",
                    "legal_representative": rng.choice(["刘建华", "黄伟", "杨帆", "周敏"]),
                    "jurisdiction": districts[n % len(districts)].code,
                },
            )[0]
        )
    names = ["滨江花园", "桃花岭小区", "夷陵中学教学楼", "伍家岗安置房", "高新区研发中心", "点军幼儿园", "猇亭物流园"]
    for n in ctx.progress(range(count), desc="lifecycle: demo projects"):
        district = districts[n % len(districts)]
        project = registry.project_register(
            actor=DEMO_ACTOR,
            owner=owners[n % len(owners)],
            data={
                "name": f"{names[n % len(names)]}{n // len(names) + 1}期",
                "jurisdiction": district.code,
                "address": f"宜昌市{district.name}示范路{n + 1}号",
                "latitude": 30.70 + rng.uniform(-0.1, 0.1),
                "longitude": 111.29 + rng.uniform(-0.1, 0.1),
                "investment": f"{rng.randint(3000, 60000)}.00",
                "floor_area": f"{rng.randint(8000, 120000)}.00",
                "category": "building",
                "function": rng.choice(["residential", "commercial", "school", "office"]),
                "registered_on": ctx.today - dt.timedelta(days=rng.randint(60, 1500)),
            },
        )
        registry.bid_section_add(actor=DEMO_ACTOR, project=project, data={"name": "一标段"})
    return list(BidSection.objects.select_related("project", "jurisdiction").order_by("pk"))


@transaction.atomic
def build(ctx: DemoContext) -> None:
    sections = _ensure_sections(ctx)
    rng = ctx.rng("lifecycle.stages")
    codes = [s.code for s in stages()]
    by_code = {s.code: s for s in stages()}
    today = ctx.today
    n = len(sections)
    shuffled = sections[:]
    rng.shuffle(shuffled)
    plants = max(1, n // 30)
    filing_overdue = {s.pk for s in shuffled[:plants]}
    filing_late = {s.pk for s in shuffled[plants : 2 * plants]}
    permit_lapsed = {s.pk for s in shuffled[2 * plants : 3 * plants]}
    out_of_order = {s.pk for s in shuffled[3 * plants : 4 * plants]}

    records: list[StageRecord] = []
    findings: list[ReviewFinding] = []
    for index, section in enumerate(ctx.progress(sections, desc="lifecycle: stage histories")):
        lag = rng.randint(0, 20)
        line = codes
        if section.pk in filing_overdue:
            done, open_next, lag = codes.index("completion_acceptance") + 1, False, rng.randint(25, 90)
        elif section.pk in filing_late:
            # accepted long enough ago that a filing 20–40 days later is both late and in the past
            done, open_next, lag = codes.index("completion_filing") + 1, False, rng.randint(60, 120)
        elif section.pk in permit_lapsed:
            done, open_next, lag = codes.index("permit") + 1, False, rng.randint(100, 200)
        elif section.pk in out_of_order:
            line = [c for c in codes if c != "permit"]
            done, open_next = line.index("foundation_acceptance") + 1, True
        else:
            # every stage is somewhere in the city: spread the sections over the line
            done = index % (len(codes) + 1)
            open_next = done < len(codes) and rng.random() < 0.6
            if done == codes.index("completion_acceptance") + 1:
                lag = rng.randint(0, 10)  # acceptance recent: the filing is still within its 15 days
            if done == codes.index("permit") + 1:
                lag = rng.randint(0, 60)
            if done == codes.index("completion_filing") + 1:
                lag = rng.randint(0, 40)
        plan = _plan(rng, line, done, open_next, lag, today)
        if section.pk in filing_late:
            acceptance = next(p for p in plan if p.stage == "completion_acceptance")
            filing = next(p for p in plan if p.stage == "completion_filing")
            assert acceptance.completed is not None
            filing.completed = min(acceptance.completed + dt.timedelta(days=rng.randint(20, 40)), today)
        for p in plan:
            department = by_code[p.stage].department if p.stage in by_code else "approval"
            reference = ""
            if p.stage == "permit" and p.completed:
                reference = permit_number(section.jurisdiction.code, p.completed, 1 + index % 99, "01")
            records.append(
                StageRecord(
                    bid_section=section,
                    stage=p.stage,
                    status="completed" if p.completed else "open",
                    started_on=p.started,
                    completed_on=p.completed,
                    outcome=p.outcome,
                    notice_on=p.notice,
                    responsible=[rng.choice(PEOPLE.get(str(department), ["王敏"]))],
                    reference=reference,
                    source="demo",
                )
            )
        review = next((p for p in plan if p.stage == "drawing_review" and p.completed), None)
        if review is not None:
            for number, (standard, clause, text, location) in enumerate(rng.sample(PROVISIONS, rng.randint(0, 3))):
                status = rng.choices(["corrected", "open", "check_on_site", "closed"], weights=[5, 2, 2, 1])[0]
                findings.append(
                    ReviewFinding(
                        bid_section=section,
                        report_number=f"YCST-{review.completed:%Y}-{section.pk:04d}",
                        standard=standard,
                        clause=clause,
                        description=text,
                        location=location,
                        status=status,
                        resolved_revision=f"{location.split()[0]} {chr(66 + number)}版"
                        if status == "corrected"
                        else "",
                        resolved_on=review.completed if status in ("corrected", "closed") else None,
                    )
                )
    StageRecord.objects.bulk_create(records, batch_size=2000)
    ReviewFinding.objects.bulk_create(findings, batch_size=2000)
    events = []
    for record in StageRecord.objects.filter(source="demo").order_by("pk"):
        events.append(
            Event.about(
                record,
                "lifecycle.stage.imported",
                {
                    "bid_section": record.bid_section_id,
                    "stage": record.stage,
                    "started_on": record.started_on,
                    "completed_on": record.completed_on,
                    "outcome": record.outcome,
                    "source": "demo",
                },
            )
        )
    for finding in ReviewFinding.objects.order_by("pk"):
        events.append(
            Event.about(
                finding,
                "lifecycle.finding.added",
                {
                    "bid_section": finding.bid_section_id,
                    "standard": finding.standard,
                    "clause": finding.clause,
                    "status": finding.status,
                },
            )
        )
    ledger_append_many(actor=DEMO_ACTOR, events=events, occurred_at=ctx.now())
    result = lifecycle_check(today=today)
    ctx.log(
        f"    lifecycle: {len(records)} stage records, {len(findings)} review findings; "
        f"{result.overdue} overdue, {result.out_of_order} out of order, {result.new_warnings} warnings"
    )


STEPS = [DemoStep("lifecycle.stages", build, after=("core.city",), after_if_present=("registry.city",))]
