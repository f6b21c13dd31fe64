"""Core's part of the demo city: Yichang's jurisdictions, the staff accounts (one per role, plus
district inspectors to show scoping), and the demo devices named in DESIGN.md's contracts."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from jianguan.core.demo_framework import DEMO_ACTOR, DEMO_PASSWORD, DemoAccount, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Department, Device, Jurisdiction, User
from jianguan.core.roles import role_name

CITY = ("420500", "宜昌市", 30.70, 111.29)
# (code, name, level, latitude, longitude): GB/T 2260 divisions of Yichang, approximate centres.
DIVISIONS = [
    ("420502", "西陵区", "district", 30.71, 111.28),
    ("420503", "伍家岗区", "district", 30.65, 111.36),
    ("420504", "点军区", "district", 30.65, 111.20),
    ("420505", "猇亭区", "district", 30.53, 111.43),
    ("420506", "夷陵区", "district", 30.77, 111.33),
    ("420525", "远安县", "county", 31.06, 111.64),
    ("420526", "兴山县", "county", 31.35, 110.75),
    ("420527", "秭归县", "county", 30.83, 110.98),
    ("420528", "长阳土家族自治县", "county", 30.47, 111.20),
    ("420529", "五峰土家族自治县", "county", 30.20, 110.67),
    ("420581", "宜都市", "county", 30.38, 111.45),
    ("420582", "当阳市", "county", 30.82, 111.79),
    ("420583", "枝江市", "county", 30.43, 111.76),
]

# (username, real name, role, department, jurisdiction code)
STAFF = [
    ("admin", "系统管理员", "sysadmin", Department.Code.SYSADMIN, "420500"),
    ("approval.handler", "王敏", "approval_handler", Department.Code.APPROVAL, "420500"),
    ("approval.reviewer", "李强", "approval_reviewer", Department.Code.APPROVAL, "420500"),
    ("approval.approver", "张建国", "approval_approver", Department.Code.APPROVAL, "420500"),
    ("quality.head", "陈志华", "quality_head", Department.Code.QUALITY, "420500"),
    ("quality.xiling", "刘洋", "quality_inspector", Department.Code.QUALITY, "420502"),
    ("quality.wujiagang", "赵磊", "quality_inspector", Department.Code.QUALITY, "420503"),
    ("safety.head", "周涛", "safety_head", Department.Code.SAFETY, "420500"),
    ("safety.xiling", "吴静", "safety_inspector", Department.Code.SAFETY, "420502"),
    ("market", "孙丽", "market_officer", Department.Code.MARKET, "420500"),
    ("credit", "郑红", "credit_officer", Department.Code.CREDIT, "420500"),
    ("credit.head", "何平", "credit_head", Department.Code.CREDIT, "420500"),
    ("command", "郭峰", "command_operator", Department.Code.COMMAND, "420500"),
    ("command.head", "马骏", "command_head", Department.Code.COMMAND, "420500"),
    ("discipline", "林正", "discipline_investigator", Department.Code.DISCIPLINE, "420500"),
]

DEMO_TERMINAL_SN = "JGDEMO0001"
DEMO_MONITOR_MN = "JGDEMO0000000000000001"
DEMO_MONITOR_PASSWORD = "123456"  # noqa: S105  (the HJ 212 PW of the demo monitor: a published demo contract)


def build_jurisdictions(ctx: DemoContext) -> None:
    code, name, latitude, longitude = CITY
    city = Jurisdiction.objects.create(code=code, name=name, level="city", latitude=latitude, longitude=longitude)
    Jurisdiction.objects.bulk_create(
        Jurisdiction(code=c, name=n, level=level, parent=city, latitude=lat, longitude=lon)
        for c, n, level, lat, lon in DIVISIONS
    )
    ledger_append_many(
        actor=DEMO_ACTOR,
        occurred_at=ctx.now(),
        events=[
            Event("core.jurisdiction.created", "core.jurisdiction", str(j.pk), {"code": j.code, "name": j.name})
            for j in Jurisdiction.objects.order_by("code")
        ],
    )


def build_staff(ctx: DemoContext) -> None:
    password_hash = make_password(DEMO_PASSWORD)  # one hash for all demo accounts: the demo is bulk
    departments = {d.code: d for d in Department.objects.all()}
    jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
    users = User.objects.bulk_create(
        User(
            username=username,
            real_name=real_name,
            password=password_hash,
            kind=User.Kind.STAFF,
            department=departments[department],
            jurisdiction=jurisdictions[jurisdiction],
            is_staff=role == "sysadmin",
        )
        for username, real_name, role, department, jurisdiction in STAFF
    )
    groups = {g.name: g for g in Group.objects.all()}
    memberships = [
        User.groups.through(user_id=user.pk, group_id=groups[role].pk)
        for user, (_u, _n, role, _d, _j) in zip(users, STAFF, strict=True)
    ]
    User.groups.through.objects.bulk_create(memberships)
    by_name = {user.username: user for user in users}
    ledger_append_many(
        actor=DEMO_ACTOR,
        occurred_at=ctx.now(),
        events=[
            Event(
                "core.user.created",
                "core.user",
                str(by_name[username].pk),
                {
                    "username": username,
                    "kind": "staff",
                    "department": department,
                    "jurisdiction": jurisdiction,
                    "roles": [role],
                },
            )
            for username, _n, role, department, jurisdiction in STAFF
        ],
    )
    for username, real_name, role, _department, jurisdiction in STAFF:
        place = jurisdictions[jurisdiction].name
        ctx.accounts.append(DemoAccount(username, DEMO_PASSWORD, role, f"{real_name} · {role_name(role)} · {place}"))


def build_devices(ctx: DemoContext) -> None:
    xiling = Jurisdiction.objects.get(code="420502")
    rng = ctx.rng("core.devices")
    devices = Device.objects.bulk_create(
        [
            Device(
                serial=DEMO_TERMINAL_SN,
                kind=Device.Kind.ATTENDANCE_TERMINAL,
                protocol=Device.Protocol.ZKTECO_PUSH,
                name="演示考勤终端",
                jurisdiction=xiling,
                secret="".join(rng.choice("0123456789abcdef") for _ in range(48)),
            ),
            Device(
                serial=DEMO_MONITOR_MN,
                kind=Device.Kind.DUST_NOISE_MONITOR,
                protocol=Device.Protocol.HJ212,
                name="演示扬尘噪声监测仪",
                jurisdiction=xiling,
                secret=DEMO_MONITOR_PASSWORD,
            ),
        ]
    )
    ledger_append_many(
        actor=DEMO_ACTOR,
        occurred_at=ctx.now(),
        events=[
            Event(
                "core.device.registered",
                "core.device",
                str(device.pk),
                {
                    "serial": device.serial,
                    "kind": device.kind,
                    "protocol": device.protocol,
                    "name": device.name,
                    "jurisdiction": xiling.code,
                },
            )
            for device in devices
        ],
    )


def build(ctx: DemoContext) -> None:
    build_jurisdictions(ctx)
    build_staff(ctx)
    build_devices(ctx)


STEPS = [DemoStep("core.city", build)]
