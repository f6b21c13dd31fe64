"""The credit module's part of the demo city: behaviour records of the last three years for the demo
enterprises and registered people (findings, administrative penalties, accidents, awards), a few
blacklisted subjects, manual entries waiting for review and approval, pending appeals, and today's
standings. Records are written in bulk with one ledger entry each; points come from the catalogue.

Runs after the registry's demo when that module has one; without registry data it opens a small
set of demo enterprises of its own through the registry's services so the pages have something
to show.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from jianguan.core.demo_framework import DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Jurisdiction, User
from jianguan.credit import services
from jianguan.credit.catalogue import Item
from jianguan.credit.domain import Kind, SubjectType
from jianguan.credit.models import Record, Subject
from jianguan.registry.models import Enterprise

ACTOR = "system:demo"
# share of subjects with at least one record, and how many records such a subject has at most
WITH_RECORDS = 0.35
MOST_RECORDS = 4
PENALTY_FACTS = ("现场检查发现", "举报核查属实", "专项检查发现")


def _own_enterprises(ctx: DemoContext) -> None:
    """Without the registry's demo: a few enterprises of each kind the catalogue covers."""
    from jianguan.registry.services import enterprise_upsert

    divisions = list(Jurisdiction.objects.filter(parent__isnull=False).order_by("code").values_list("code", flat=True))
    if not divisions:
        return
    rng = ctx.rng("credit.enterprises")
    kinds = list(services.ENTERPRISE_SUBJECT_TYPES)
    names = ("宏达", "长江", "三峡", "夷陵", "楚天", "鄂西", "金桥", "华兴", "荆楚", "清江")
    suffix = {"owner": "置业有限公司", "construction": "建设工程有限公司", "supervision": "工程监理有限公司"}
    count = max(28, ctx.scale.enterprises // 3)
    for n in range(count):
        kind = kinds[n % len(kinds)]
        body = f"91420500{n:09d}"
        uscc = body + _check_char(body)
        enterprise_upsert(
            actor=ACTOR,
            data={
                "uscc": uscc,
                "name": f"宜昌{names[n % len(names)]}{n + 1}{suffix.get(kind, '有限公司')}",
                "kind": kind,
                "legal_representative": rng.choice(("王强", "李娜", "张伟", "刘洋", "陈静")),
                "jurisdiction": rng.choice(divisions),
            },
        )


def _check_char(body: str) -> str:
    """GB 32100-2015 check character of the first 17 characters."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True))
    return alphabet[(31 - total % 31) % 31]


def _pick(rng: random.Random, items: Sequence[Item]) -> Item:
    return rng.choice(items)


def build(ctx: DemoContext) -> None:
    if not Enterprise.objects.exists():
        _own_enterprises(ctx)
    services.catalogue_ensure_shipped()
    services.subjects_sync()
    rng = ctx.rng("credit.records")
    real_today = timezone.localdate()
    last_day = min(ctx.today, real_today)
    catalogue = services.catalogue_of(services.catalogue_in_force(last_day))
    subjects = list(Subject.objects.exclude(subject_type="").order_by("id"))
    records: list[Record] = []
    for subject in ctx.progress(subjects, desc="credit records"):
        if rng.random() > WITH_RECORDS:
            continue
        kind = SubjectType(subject.subject_type)
        bad = [i for i in catalogue.items_for(kind, Kind.BAD) if i.trigger is None]
        good = catalogue.items_for(kind, Kind.GOOD)
        for _n in range(rng.randint(1, MOST_RECORDS)):
            item = _pick(rng, good) if good and rng.random() < 0.25 else _pick(rng, bad) if bad else None
            if item is None:
                continue
            day = last_day - dt.timedelta(days=rng.randint(0, 3 * 365))
            source = rng.choice((Record.Source.FINDING, Record.Source.PENALTY)) if item.kind is Kind.BAD else "manual"
            fields: dict[str, Any] = {"status": Record.Status.RECORDED}
            if source == Record.Source.PENALTY:
                fields.update(
                    decision_number=f"宜建罚〔{day.year}〕{len(records) + 1}号",
                    facts=f"{rng.choice(PENALTY_FACTS)}：{item.title}",
                    basis=item.penalty_basis or item.basis,
                    penalty=rng.choice(("警告", "罚款2万元", "罚款5万元", "责令停业整顿")),
                    decided_on=day,
                )
                fields["source_ref"] = fields["decision_number"]
            elif source == Record.Source.FINDING:
                fields["source_ref"] = f"DEMO-{subject.pk}-{len(records) + 1}"
            records.append(
                services._new_record(
                    subject=subject,
                    code=item.code,
                    event_date=day,
                    source=source,
                    quantity=1,
                    penalised=source == Record.Source.PENALTY,
                    **fields,
                )
            )
    # a few blacklisted enterprises: forged qualification, two larger accidents, unpaid arrears
    contractors = [s for s in subjects if s.subject_type == SubjectType.CONTRACTOR.value]
    for offset, codes in enumerate((["SG-1-01"], ["SG-3-06", "SG-4-08"], ["SG-5-03"])):
        if offset >= len(contractors):
            break
        subject = contractors[-1 - offset]
        for n, code in enumerate(codes):
            day = last_day - dt.timedelta(days=40 + 90 * n)
            records.append(
                services._new_record(
                    subject=subject,
                    code=code,
                    event_date=day,
                    source=Record.Source.ACCIDENT if "accident" in (catalogue.item(code).trigger or "") else "finding",
                    status=Record.Status.RECORDED,
                    source_ref=f"DEMO-BL-{subject.pk}-{n}",
                )
            )
    with transaction.atomic():
        before = Record.objects.order_by("-id").values_list("id", flat=True).first() or 0
        Record.objects.bulk_create(records, batch_size=2000)
        ledger_append_many(
            actor=ACTOR,
            occurred_at=ctx.now(),
            events=[
                Event.about(record, "credit.record.recorded", services._record_payload(record))
                for record in Record.objects.filter(id__gt=before).select_related("catalogue").order_by("id")
            ],
        )
    _workflow(ctx, subjects, last_day)
    distribution = services.standings_recompute(day=last_day)
    _flag(last_day)
    ctx.log(f"credit: {len(records)} records, grades {dict(sorted(distribution.items()))}")


def _workflow(ctx: DemoContext, subjects: list[Subject], last_day: dt.date) -> None:
    """Manual entries at each step of handle → review → approve, and pending appeals."""
    officer = User.objects.filter(username="credit").first()
    head = User.objects.filter(username="credit.head").first()
    if officer is None or head is None or not subjects:
        return
    rng = ctx.rng("credit.workflow")
    catalogue = services.catalogue_of(services.catalogue_in_force(last_day))
    for n, subject in enumerate(rng.sample(subjects, min(3, len(subjects)))):
        bad = [i for i in catalogue.items_for(SubjectType(subject.subject_type), Kind.BAD) if i.unit is None]
        record = services.record_handle(
            actor=officer if n != 1 else head,
            subject=subject,
            code=_pick(rng, bad).code,
            event_date=last_day - dt.timedelta(days=n + 1),
            source=Record.Source.MANUAL,
            note="演示：人工录入待审核",
        )
        if n == 1:
            services.record_review(actor=officer, record=record)  # awaiting approval by a third person
    recorded = list(Record.objects.filter(status=Record.Status.RECORDED, kind="bad").order_by("id")[:40])
    for record in rng.sample(recorded, min(2, len(recorded))):
        services.appeal_lodge(
            actor=officer,
            record=record,
            applicant=record.subject.name,
            grounds="企业认为检查认定事实不清，已提交整改报告",
            received_on=last_day - dt.timedelta(days=3),
        )


def _flag(day: dt.date) -> None:
    """Subjects blacklisted or in the lowest grade today → the command centre's warnings."""
    from jianguan.credit.models import Standing

    lowest = services.current_scheme().grades[-1]
    flagged = Standing.objects.filter(day=day).filter(grade=lowest).select_related("subject")
    events = []
    for standing in flagged:
        events.append(
            Event.about(
                standing.subject,
                "credit.subject.flagged",
                {
                    "condition": "blacklisted" if standing.blacklisted else "lowest_grade",
                    "day": day,
                    "grade": standing.grade,
                    "score": str(standing.score),
                    "reasons": standing.reasons,
                    "record": None,
                    "code": "-",
                },
            )
        )
    if events:
        ledger_append_many(actor=ACTOR, events=events)


STEPS = [DemoStep("credit.records", build, after=("core.city",), after_if_present=("registry.city",))]
