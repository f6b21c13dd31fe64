"""Licensing's part of the demo city: applications in every state — waiting to be handled, one
overdue (a command-centre warning), one in correction with the clock suspended, one at review, a
rejection with its reason, and construction permits issued with their certificates — all made
through the services, so the ledger and the workflow states are real. The sign-in
``enterprise.demo`` is the owner's account and applies online."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile

from jianguan.core.calendar import add_working_days, is_working_day
from jianguan.core.demo_framework import DEMO_PASSWORD, DemoAccount, DemoContext, DemoStep
from jianguan.core.models import Jurisdiction, User
from jianguan.licensing import services
from jianguan.licensing.models import Application
from jianguan.registry import domain
from jianguan.registry import services as registry
from jianguan.registry.models import BidSection, Enterprise

PDF = b"%PDF-1.4\n% demo material\n" + b"0" * 256
FAR = dt.date(2035, 12, 31)
PROJECTS = [
    ("宜昌市西陵区滨江花园二期", "420502", "18000.00", "62000.00"),
    ("伍家岗区智慧物流园仓储中心", "420503", "9500.00", "41000.00"),
    ("点军区第二实验小学教学楼", "420504", "6200.00", "18500.00"),
    ("夷陵区人民医院门诊综合楼", "420506", "24000.00", "55000.00"),
    ("猇亭区污水处理厂提标改造", "420505", "4800.00", "9600.00"),
    ("西陵区东山大道人才公寓", "420502", "13500.00", "38000.00"),
    ("伍家岗区社区服务中心", "420503", "2600.00", "4200.00"),
]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _permit_files() -> dict[str, SimpleUploadedFile]:
    return {
        "drawing_review": _pdf("施工图审查合格书.pdf"),
        "contract": _pdf("施工合同.pdf"),
        "fee": _pdf("配套费缴费凭证.pdf"),
    }


def _uscc(n: int, division: str) -> str:
    body = f"91{division}MA{n:07d}"[:17]
    return body + domain.uscc_check_character(body)


def _id_number(n: int) -> str:
    body = f"420500198{n % 10}0612{n % 1000:03d}"
    return body + domain.ric_check_character(body)


def _working_days_before(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day -= dt.timedelta(days=1)
        n -= is_working_day(day)
    return day


def _enterprise(n: int, kind: str, name: str, division: str) -> Enterprise:
    data = {
        "uscc": _uscc(9000 + n, division),
        "name": name,
        "kind": kind,
        "legal_representative": "刘志远",
        "jurisdiction": division,
    }
    return registry.enterprise_upsert(actor="system:demo", data=data)[0]


def _section(
    index: int, owner: Enterprise, contractor: Enterprise, supervisor: Enterprise, ctx: DemoContext
) -> BidSection:
    name, division, investment, area = PROJECTS[index]
    project = registry.project_register(
        actor="system:demo",
        owner=owner,
        data={
            "name": name,
            "jurisdiction": division,
            "address": f"宜昌市{name[:3]}",
            "latitude": 30.70,
            "longitude": 111.29,
            "investment": investment,
            "floor_area": area,
            "category": "building",
            "function": "other",
            "structure": "frame",
        },
    )
    section = registry.bid_section_add(actor="system:demo", project=project, data={"name": "施工一标段"})
    for role, enterprise in (("owner", owner), ("contractor", contractor), ("supervisor", supervisor)):
        registry.participant_set(actor="system:demo", section=section, role=role, enterprise=enterprise)
    manager = registry.person_upsert(
        actor="system:demo", data={"id_number": _id_number(700 + index), "name": f"项目经理{'甲乙丙丁戊己庚'[index]}"}
    )[0]
    chief = registry.person_upsert(
        actor="system:demo", data={"id_number": _id_number(800 + index), "name": f"总监{'甲乙丙丁戊己庚'[index]}"}
    )[0]
    registry.registration_upsert(
        actor="system:demo",
        person=manager,
        enterprise=contractor,
        data={
            "kind": "constructor_1",
            "number": f"鄂142{index:06d}",
            "issuer": "住房和城乡建设部",
            "valid_until": FAR,
            "specialty": "建筑工程",
        },
    )
    registry.registration_upsert(
        actor="system:demo",
        person=chief,
        enterprise=supervisor,
        data={
            "kind": "supervision",
            "number": f"42{index:08d}",
            "issuer": "住房和城乡建设部",
            "valid_until": FAR,
            "specialty": "房屋建筑工程",
        },
    )
    registry.key_person_assign(actor="system:demo", section=section, role="project_manager", person=manager)
    registry.key_person_assign(actor="system:demo", section=section, role="chief_supervision_engineer", person=chief)
    return section


def build_applications(ctx: DemoContext) -> None:
    for code, name in (("420504", "点军区"), ("420505", "猇亭区"), ("420506", "夷陵区")):
        if not Jurisdiction.objects.filter(code=code).exists():
            Jurisdiction.objects.create(
                code=code, name=name, level="district", parent=Jurisdiction.objects.get(code="420500")
            )
    owner = _enterprise(1, "owner", "宜昌城市建设投资开发有限公司", "420502")
    contractors = [
        _enterprise(2, "construction", "湖北三峡建工集团有限公司", "420502"),
        _enterprise(3, "construction", "宜昌长江建筑工程有限公司", "420503"),
    ]
    supervisor = _enterprise(4, "supervision", "宜昌诚信工程监理有限公司", "420502")
    for i, contractor in enumerate(contractors):
        registry.qualification_upsert(
            actor="system:demo",
            enterprise=contractor,
            data={
                "category": "general",
                "klass": "building",
                "grade": "甲乙"[i],
                "number": f"D242{i:06d}",
                "issuer": "湖北省住房和城乡建设厅",
                "valid_until": FAR,
            },
        )
        registry.safety_licence_upsert(
            actor="system:demo",
            enterprise=contractor,
            data={"number": f"(鄂)JZ安许证字[2024]LD{i:04d}", "issuer": "湖北省住房和城乡建设厅", "valid_until": FAR},
        )
    account = User.objects.create(
        username="enterprise.demo",
        real_name="城投公司报建员",
        kind=User.Kind.ENTERPRISE,
        password=make_password(DEMO_PASSWORD),
    )
    registry.enterprise_account_link(actor="system:demo", user=account, enterprise=owner)
    ctx.accounts.append(
        DemoAccount("enterprise.demo", DEMO_PASSWORD, "enterprise", "宜昌城市建设投资开发有限公司 · 网上申报")
    )
    staff = {u.username: u for u in User.objects.filter(username__startswith="approval.")}
    handler, reviewer, approver = staff["approval.handler"], staff["approval.reviewer"], staff["approval.approver"]
    sections = [_section(i, owner, contractors[i % 2], supervisor, ctx) for i in range(len(PROJECTS))]
    today = ctx.today
    declared = {"drawing_review_passed": True, "contract_filed": True, "fee_paid": True, "supervision_registered": True}

    def submit(section: BidSection, days_ago: int, **extra: object) -> Application:
        return services.application_submit(
            actor=account,
            kind="construction_permit",
            applicant=owner,
            bid_section=section,
            declared={**declared, **extra},
            files=_permit_files(),
            today=_working_days_before(today, days_ago),
        )[0]

    # 1. approved two weeks ago: permit issued
    done = submit(sections[0], 12)
    day = add_working_days(done.submitted_on, 2)
    services.task_complete(actor=handler, application=done, step="handle", decision="accept", today=day)
    services.task_complete(actor=reviewer, application=done, step="review", decision="accept", today=day)
    services.task_complete(
        actor=approver, application=done, step="approve", decision="accept", today=add_working_days(day, 1)
    )
    # 2. overdue at review: submitted 9 working days ago, limit 7
    late = submit(sections[1], 9)
    services.task_complete(actor=handler, application=late, step="handle", decision="accept", today=late.submitted_on)
    # 3. in correction: the fee is not paid
    correction = submit(sections[2], 3, fee_paid=False)
    services.task_complete(
        actor=handler,
        application=correction,
        step="handle",
        decision="correct",
        reason="请补交城市基础设施配套费缴费凭证或减免文件",
        today=_working_days_before(today, 1),
    )
    # 4. waiting to be handled (submitted today) and 5. at approval
    submit(sections[3], 0)
    at_approval = submit(sections[4], 4)
    services.task_complete(actor=handler, application=at_approval, step="handle", decision="accept", today=today)
    services.task_complete(actor=reviewer, application=at_approval, step="review", decision="accept", today=today)
    # 6. rejected with a reason
    rejected = submit(sections[5], 6)
    services.task_complete(actor=handler, application=rejected, step="handle", decision="accept", today=today)
    services.task_complete(
        actor=reviewer,
        application=rejected,
        step="review",
        decision="reject",
        reason="施工合同备案信息与现场核查不符",
        today=today,
    )
    # 7. below the threshold? no — a supervision registration approved for the small community centre
    reg = services.application_submit(
        actor=account,
        kind="supervision_registration",
        applicant=owner,
        bid_section=sections[6],
        declared={"drawing_review_passed": True, "contract_filed": True, "safety_plan_submitted": True},
        files={"contract": _pdf("施工合同.pdf"), "safety_plan": _pdf("危大工程清单.pdf")},
        today=_working_days_before(today, 5),
    )[0]
    for user, step in ((handler, "handle"), (reviewer, "review"), (approver, "approve")):
        services.task_complete(actor=user, application=reg, step=step, decision="accept", today=today)
    services.applications_flag_overdue(today=today)
    ctx.log(f"licensing: {len(sections)} projects, 7 applications, 2 permits")


STEPS = [
    DemoStep("licensing.applications", build_applications, after=("core.city",), after_if_present=("registry.city",))
]
