"""Supervision's part of the demo city: a published random draw, planned and unplanned inspections
over the past weeks, findings at every stage, rectification orders open, replied, closed and
overdue (raising command warnings), and a stop-work order. Everything through the services.

Runs after the registry's demo when it is installed; without it, a few bid sections of its own are
registered through the registry's services so the step still shows something.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from jianguan.core.demo_framework import DEMO_PASSWORD, DemoAccount, DemoContext, DemoStep
from jianguan.core.models import Department, Jurisdiction, User
from jianguan.registry import services as registry
from jianguan.registry.domain import uscc_check_character
from jianguan.registry.models import BidSection
from jianguan.supervision import services
from jianguan.supervision.checklists import checklist_current
from jianguan.supervision.models import Answer, Checklist, Finding, Inspection, Severity

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
EXTRA_STAFF = [
    ("safety.city", "钱晓东", "safety_inspector", Department.Code.SAFETY, "420500"),
    ("quality.city", "冯雪", "quality_inspector", Department.Code.QUALITY, "420500"),
]
SIGNERS = ["施工员 王建", "安全员 李强", "项目技术负责人 陈明"]
NOTES = ["现场检查发现不符合要求", "未按方案实施", "资料不全，现场整改中", "防护设施缺失", "验收记录未签认"]


def _photo(tag: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{tag}.png", PNG + tag.encode(), content_type="image/png")


def _staff(ctx: DemoContext) -> dict[str, User]:
    from django.contrib.auth.models import Group

    users = {}
    for username, real_name, role, department, code in EXTRA_STAFF:
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            continue
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "real_name": real_name,
                "department": Department.objects.filter(code=department).first(),
                "jurisdiction": jurisdiction,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set(Group.objects.filter(name=role))
            ctx.accounts.append(DemoAccount(username, DEMO_PASSWORD, role, f"{real_name} · {jurisdiction.name}"))
    for user in User.objects.filter(
        username__in=["safety.head", "safety.xiling", "safety.city", "quality.head", "quality.city", "quality.xiling"]
    ):
        users[user.username] = user
    return users


def _uscc(n: int) -> str:
    body = f"91420502MA{n:07d}"[:17]
    return body + uscc_check_character(body)


def _own_sections(ctx: DemoContext, rng: random.Random, count: int) -> None:
    """Only when the registry's demo is absent: a few sections through the registry's services."""
    districts = list(Jurisdiction.objects.filter(level="district").order_by("code")[:4])
    if not districts:
        return
    for n in range(count):
        district = districts[n % len(districts)]
        owner, _s = registry.enterprise_upsert(
            actor="system:demo",
            data={
                "uscc": _uscc(9_000_000 + 3 * n),
                "name": f"宜昌城建开发{n + 1}有限公司",
                "kind": "owner",
                "legal_representative": "王立",
                "jurisdiction": district.code,
            },
        )
        contractor, _s = registry.enterprise_upsert(
            actor="system:demo",
            data={
                "uscc": _uscc(9_000_001 + 3 * n),
                "name": f"湖北长江建工{n + 1}有限公司",
                "kind": "construction",
                "legal_representative": "李军",
                "jurisdiction": district.code,
            },
        )
        supervisor, _s = registry.enterprise_upsert(
            actor="system:demo",
            data={
                "uscc": _uscc(9_000_002 + 3 * n),
                "name": f"三峡工程监理{n + 1}有限公司",
                "kind": "supervision",
                "legal_representative": "赵明",
                "jurisdiction": district.code,
            },
        )
        project = registry.project_register(
            actor="system:demo",
            owner=owner,
            data={
                "name": f"{district.name}安居小区{n + 1}期",
                "jurisdiction": district.code,
                "address": f"宜昌市{district.name}建设路{n + 1}号",
                "latitude": (district.latitude or 30.7) + rng.uniform(-0.03, 0.03),
                "longitude": (district.longitude or 111.3) + rng.uniform(-0.03, 0.03),
                "investment": "18000.00",
                "floor_area": "42000.00",
                "category": "building",
                "function": "residential",
                "structure": "frame_shear",
                "registered_on": ctx.today - dt.timedelta(days=200),
            },
        )
        section = registry.bid_section_add(actor="system:demo", project=project, data={"name": "一标段"})
        for role, enterprise in (("owner", owner), ("contractor", contractor), ("supervisor", supervisor)):
            registry.participant_set(actor="system:demo", section=section, role=role, enterprise=enterprise)
        registry.bid_section_status_set(actor="system:demo", section=section, status="active")


def _answer_all(
    inspection: Inspection, user: User, checklist: Checklist, fails: set[str], rng: random.Random, at: dt.datetime
) -> None:
    for item in checklist.items.all():
        fail = item.code in fails
        na = not fail and rng.random() < 0.05
        services.answer_upsert(
            actor=user,
            inspection=inspection,
            item_code=item.code,
            result=Answer.Result.FAIL if fail else (Answer.Result.NOT_APPLICABLE if na else Answer.Result.PASS),
            key=f"demo-{inspection.pk}-{item.code}",
            note=rng.choice(NOTES) if fail else ("本阶段不涉及" if na else ""),
            measurement=f"{rng.uniform(0.8, 2.5):.2f}m" if "measurement" in item.evidence else "",
            signature=rng.choice(SIGNERS) if "signature" in item.evidence else "",
            photos=[
                services.PhotoInput(
                    _photo(f"{inspection.pk}-{item.code}"), captured_at=at, latitude=30.7, longitude=111.29
                )
            ]
            if fail and "photo" in item.evidence
            else [],
            at=at,
        )


def build(ctx: DemoContext) -> None:
    rng = ctx.rng("supervision.inspections")
    staff = _staff(ctx)
    if not BidSection.objects.filter(status=BidSection.Status.ACTIVE).exists():
        _own_sections(ctx, rng, 6 if ctx.scale.name == "tiny" else 40)
    sections = list(
        BidSection.objects.filter(status=BidSection.Status.ACTIVE).select_related("jurisdiction").order_by("id")
    )
    head, city_inspector, district = staff.get("safety.head"), staff.get("safety.city"), staff.get("safety.xiling")
    reviewer_pool = [u for u in (district, staff.get("quality.city")) if u]
    confirmer = staff.get("quality.head") or head
    if not sections or head is None or city_inspector is None or not reviewer_pool or confirmer is None:
        ctx.log("supervision: no sections or inspectors, nothing to inspect")
        return
    city = Jurisdiction.objects.filter(parent__isnull=True).order_by("code").first()
    checklists = {kind: checklist_current(kind) for kind in ("safety", "quality", "civilised")}
    count = min(len(sections), 8 if ctx.scale.name == "tiny" else max(40, ctx.scale.projects // 5))
    with transaction.atomic():
        if city is not None:
            draw = services.draw_make(
                actor=head,
                jurisdiction=city,
                kind="safety",
                targets=min(5, len(sections)),
                seed=f"demo-{ctx.seed}",
                today=ctx.today,
            )
            services.draw_publish(actor=head, draw=draw)
        chosen = rng.sample(sections, count)
        for n, section in enumerate(ctx.progress(chosen, desc="supervision")):
            days_ago = rng.randint(1, max(2, min(ctx.scale.history_days, 40)))
            at = ctx.now() - dt.timedelta(days=days_ago, hours=rng.randint(1, 6))
            kind = ("safety", "quality", "civilised")[n % 3]
            checklist = checklists[kind]
            if checklist is None:
                continue
            inspectors = [city_inspector, head]
            inspection = services.inspection_start(
                actor=city_inspector,
                bid_section=section,
                checklist=checklist,
                inspectors=inspectors,
                reason="日常巡查" if n % 2 else "群众投诉核查",
                at=at,
            )
            codes = [item.code for item in checklist.items.all()]
            if n % 7 == 5:  # left in progress on the phone
                for code in codes[:3]:
                    services.answer_upsert(
                        actor=city_inspector,
                        inspection=inspection,
                        item_code=code,
                        result="pass",
                        key=f"demo-{inspection.pk}-{code}",
                        at=at,
                    )
                continue
            fails = set(rng.sample(codes, rng.randint(0, 3)))
            _answer_all(inspection, city_inspector, checklist, fails, rng, at)
            findings = services.inspection_submit(actor=head, inspection=inspection, at=at)
            if not findings:
                continue
            reviewer = reviewer_pool[n % len(reviewer_pool)]
            stage = n % 5
            if stage == 0:
                continue  # findings awaiting review
            for finding in findings:
                services.finding_review(actor=reviewer, finding=finding, accepted=True)
                if stage != 1:
                    services.finding_confirm(actor=confirmer, finding=finding, at=at)
            if stage == 1:
                continue
            confirmed = [f for f in findings if f.enterprise_id is not None]
            if not confirmed:
                continue
            order = services.rectification_issue(
                actor=head, findings=confirmed, working_days=rng.choice([3, 5, 7]), at=at
            )
            if any(f.severity == Severity.SEVERE for f in confirmed) and stage == 4:
                services.stop_work_issue(actor=head, findings=confirmed, reason="存在重大事故隐患，责令立即停工整改")
            if stage >= 3 and order.deadline >= ctx.today - dt.timedelta(days=3):
                services.rectification_reply(
                    actor=head,
                    order=order,
                    text="已按要求整改完毕，附整改前后照片。",
                    files=[_photo(f"reply-{order.pk}")],
                )
                if stage == 3:
                    services.rectification_review(
                        actor=confirmer, order=order, accepted=True, note="复查合格，同意销项"
                    )
        overdue = services.rectifications_flag_overdue(today=ctx.today)
    ctx.log(
        f"supervision: {count} inspections, {Finding.objects.count()} findings, "
        f"{overdue} overdue rectification orders raised as warnings"
    )


STEPS = [DemoStep("supervision.inspections", build, after=("core.city",), after_if_present=("registry.city",))]
