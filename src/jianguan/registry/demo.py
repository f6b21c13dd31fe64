"""The base registry's part of the demo city: enterprises with qualifications and safety licences,
people with their registrations, and project trees with participants and key people, in
Yichang's thirteen districts and counties.

Generated in bulk (``bulk_create`` + ``ledger_append_many``), one ledger entry per object, so the
city scale builds in seconds. Every identifier is valid (credit codes and ID numbers pass the
same checks the services apply). Planted problems the selectors and warnings must find:

* people registered with one enterprise acting as key people for another (挂证 suspects);
* contractors whose safety licence has expired still running active bid sections, and project
  managers in post whose registration has expired;
* certificates running out within the next months.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction

from jianguan.core.demo_framework import DEMO_ACTOR, DemoContext, DemoStep
from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import Jurisdiction
from jianguan.registry import domain
from jianguan.registry.models import (
    KEY_ROLE_PARTICIPANT,
    BidSection,
    Enterprise,
    KeyPerson,
    Participant,
    PermittedWork,
    Person,
    Project,
    Qualification,
    Registration,
    SafetyLicence,
    UnitProject,
)

ISSUER_PROVINCE = "湖北省住房和城乡建设厅"
ISSUER_MINISTRY = "中华人民共和国住房和城乡建设部"
ISSUER_CITY = "宜昌市住房和城乡建设局"

# code, short name used in enterprise and project names, a few roads, town names
DISTRICTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "420502": (
        "西陵",
        ("东山大道", "夷陵大道", "沿江大道", "西陵一路", "西陵二路", "解放路", "云集路"),
        ("学院街", "葛洲坝", "窑湾"),
    ),
    "420503": (
        "伍家岗",
        ("城东大道", "伍临路", "夷陵大道", "桔城路", "中南路", "花艳路"),
        ("伍家", "宝塔河", "大公桥"),
    ),
    "420504": ("点军", ("江南大道", "点军大道", "五龙路", "紫阳路"), ("点军", "桥边", "艾家")),
    "420505": ("猇亭", ("猇亭大道", "三峡路", "金岭路", "猇亭路"), ("古老背", "云池", "虎牙")),
    "420506": ("夷陵", ("夷兴大道", "发展大道", "东湖大道", "平湖大道", "夷陵大道"), ("小溪塔", "龙泉", "鸦鹊岭")),
    "420525": ("远安", ("鸣凤大道", "复兴路", "西门路"), ("鸣凤", "花林寺", "旧县")),
    "420526": ("兴山", ("昭君大道", "古夫大道", "平邑路"), ("古夫", "昭君", "峡口")),
    "420527": ("秭归", ("长宁大道", "屈原大道", "平湖路"), ("茅坪", "归州", "郭家坝")),
    "420528": ("长阳", ("清江大道", "龙舟大道", "津洋路"), ("龙舟坪", "磨市", "都镇湾")),
    "420529": ("五峰", ("渔洋关大道", "五峰大道"), ("渔洋关", "长乐坪", "湾潭")),
    "420581": ("宜都", ("清江大道", "长江大道", "园林大道", "名都路"), ("陆城", "红花套", "枝城")),
    "420582": ("当阳", ("玉阳路", "长坂路", "子龙路"), ("玉阳", "坝陵", "河溶")),
    "420583": ("枝江", ("民主大道", "团结路", "江汉路"), ("马家店", "董市", "七星台")),
}
# city districts get more of everything than counties
DISTRICT_WEIGHTS = {"420502": 14, "420503": 12, "420504": 5, "420505": 5, "420506": 11}

BRANDS = (
    "三峡",
    "葛洲坝",
    "夷陵",
    "长江",
    "清江",
    "楚天",
    "鄂西",
    "宏远",
    "鑫盛",
    "华夏",
    "恒达",
    "金源",
    "东方",
    "建业",
    "峡州",
    "巴楚",
    "昭君",
    "屈原",
    "龙盘",
    "宏图",
    "兴华",
    "永固",
    "安达",
    "瑞丰",
    "中正",
    "卓越",
    "天宇",
    "广厦",
    "鼎盛",
    "博远",
    "诚信",
    "远景",
    "弘毅",
    "汇通",
    "锦程",
    "荆楚",
    "九州",
    "隆基",
    "盛世",
    "天成",
    "新港",
    "众和",
)
KIND_WORDS = {
    "construction": ("建设工程", "建筑工程", "建工", "市政工程", "建设集团", "路桥建设", "建筑安装工程"),
    "owner": ("房地产开发", "置业", "城市建设投资", "城投", "实业", "文旅投资", "交通投资"),
    "supervision": ("工程监理", "建设监理", "工程项目管理", "工程咨询"),
    "survey": ("岩土工程勘察", "勘察测绘", "地质工程勘察"),
    "design": ("建筑设计研究院", "市政设计院", "规划建筑设计"),
    "testing": ("建设工程质量检测", "建筑材料检测", "工程检测"),
    "cost": ("工程造价咨询", "建设工程造价咨询"),
    "agency": ("招标代理", "工程招标咨询"),
}
KIND_SHARES = (
    ("construction", 45),
    ("owner", 25),
    ("supervision", 8),
    ("design", 6),
    ("survey", 4),
    ("testing", 4),
    ("cost", 4),
    ("agency", 4),
)
QUALIFICATIONS: dict[str, list[tuple[str, str]]] = {
    "construction": [
        ("general", "building"),
        ("general", "municipal"),
        ("specialty", "decoration"),
        ("specialty", "foundation"),
        ("specialty", "fire"),
        ("specialty", "building_mep"),
        ("specialty", "bridge"),
        ("specialty", "waterproofing"),
    ],
    "supervision": [("supervision", "housing"), ("supervision", "municipal")],
    "survey": [("survey", "geotechnical"), ("survey", "surveying")],
    "design": [("design", "building"), ("design", "municipal")],
    "testing": [("testing", "concrete"), ("testing", "foundation"), ("testing", "structure")],
    "cost": [("cost", "cost")],
    "agency": [("agency", "tendering")],
    "owner": [],
}
# registrations a person of each kind of enterprise may hold
REGISTRATION_KINDS: dict[str, list[tuple[str, int]]] = {
    "construction": [
        ("constructor_2", 22),
        ("constructor_1", 8),
        ("safety_c", 20),
        ("safety_b", 8),
        ("safety_a", 3),
        ("special_operation", 25),
    ],
    "supervision": [("supervision", 60), ("safety_c", 10)],
    "design": [("architect_1", 15), ("architect_2", 25), ("structural_1", 15), ("structural_2", 25)],
    "survey": [("structural_2", 20)],
    "testing": [("special_operation", 20)],
    "cost": [("cost_1", 30), ("cost_2", 50)],
    "agency": [("cost_2", 40)],
    "owner": [("cost_2", 10)],
}
SPECIALTIES = {
    "constructor_1": ("建筑工程", "市政公用工程", "机电工程"),
    "constructor_2": ("建筑工程", "市政公用工程", "机电工程", "水利水电工程"),
    "supervision": ("房屋建筑工程", "市政公用工程", "机电安装工程"),
    "special_operation": ("建筑电工", "建筑架子工", "建筑起重信号司索工", "塔式起重机司机", "施工升降机司机"),
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌兵辉鹏波宇浩凯健俊帆琳晨欣悦婷雪琴云飞龙海峰"
    "亮林春梅兰玲燕萍丹宁东昊然轩博睿泽晗旭阳成康鑫磊晶静怡梓涵子豪"
)
PROJECT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "residential": ("{town}{brand}花园住宅小区{phase}", "{brand}{town}府{phase}", "{town}{brand}滨江苑{phase}"),
    "affordable": ("{town}安置小区{phase}", "{district}保障性住房{phase}", "{town}棚户区改造安置房{phase}"),
    "commercial": ("{brand}广场商业综合体{phase}", "{town}{brand}商业街{phase}"),
    "office": ("{brand}大厦{phase}", "{district}政务服务中心{phase}"),
    "school": ("{district}{town}中学教学综合楼", "{town}小学改扩建工程", "宜昌市{brand}实验学校{phase}"),
    "kindergarten": ("{town}幼儿园新建工程", "{district}第{n}幼儿园"),
    "hospital": ("{district}人民医院住院部{phase}", "{town}卫生院改扩建工程"),
    "industrial": ("{brand}{district}产业园标准厂房{phase}", "{town}物流园仓储项目{phase}"),
    "road": ("{road}改造工程", "{town}{road}延伸段新建工程"),
    "bridge": ("{town}{brand}大桥", "{road}跨线桥工程"),
    "pipeline": ("{district}老旧小区管网改造工程", "{road}综合管廊工程"),
}
FUNCTION_SHARES = (
    ("residential", 30),
    ("affordable", 10),
    ("commercial", 8),
    ("office", 5),
    ("school", 8),
    ("kindergarten", 3),
    ("hospital", 3),
    ("industrial", 13),
    ("road", 10),
    ("bridge", 4),
    ("pipeline", 6),
)
MUNICIPAL = {"road", "bridge", "pipeline"}
PHASES = ("", "", "一期", "二期", "三期", "（一期）", "（二期）")
PROJECT_STATUS = (("registered", 18), ("under_construction", 57), ("completed", 20), ("suspended", 5))
SECTION_STATUS = {
    "registered": "planned",
    "under_construction": "active",
    "completed": "completed",
    "suspended": "suspended",
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _weighted(rng: random.Random, shares: Any) -> str:
    values, weights = zip(*shares, strict=True)
    return str(rng.choices(values, weights=weights)[0])


def _district(rng: random.Random) -> str:
    codes = list(DISTRICTS)
    return rng.choices(codes, weights=[DISTRICT_WEIGHTS.get(c, 3) for c in codes])[0]


def _address(rng: random.Random, code: str, names: dict[str, str]) -> str:
    _short, roads, _towns = DISTRICTS[code]
    return f"湖北省宜昌市{names[code]}{rng.choice(roads)}{rng.randint(1, 399)}号"


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


class _Ids:
    """Valid, unique credit codes and resident ID numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.uscc_seen: set[str] = set()
        self.ric_seen: set[str] = set()
        self.regions: dict[int, list[str]] = {}

    def uscc(self, division: str) -> str:
        while True:
            body = "91" + division + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(9))
            code = body + domain.uscc_check_character(body)
            if code not in self.uscc_seen:
                self.uscc_seen.add(code)
                return domain.clean_uscc(code)

    def _regions_for(self, year: int) -> list[str]:
        """Region codes of Yichang that existed in the birth year (stdnum knows their history)."""
        if year not in self.regions:
            valid = []
            for code in ("420500", *DISTRICTS):
                body = f"{code}{year}0101001"
                try:
                    domain.parse_ric(body + domain.ric_check_character(body))
                except domain.IdentifierError:
                    continue
                valid.append(code)
            self.regions[year] = valid or ["420500"]
        return self.regions[year]

    def ric(self, birth: dt.date) -> domain.ResidentId:
        while True:
            region = self.rng.choice(self._regions_for(birth.year))
            body = f"{region}{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
            number = body + domain.ric_check_character(body)
            if number not in self.ric_seen:
                self.ric_seen.add(number)
                # built from a region valid in the birth year and its check character: valid by
                # construction (the demo test re-checks every one with domain.parse_ric)
                gender = "M" if int(number[16]) % 2 else "F"
                return domain.ResidentId(number=number, birth_date=birth, gender=gender, division=region)


def _events(objects: list[Any], action: str, payload: Any) -> list[Event]:
    return [Event.about(obj, action, payload(obj)) for obj in objects]


def build(ctx: DemoContext) -> None:
    today, now = ctx.today, ctx.now()
    scale = ctx.scale
    names = dict(Jurisdiction.objects.filter(code__in=DISTRICTS).values_list("code", "name"))
    divisions = {j.code: j for j in Jurisdiction.objects.filter(code__in=DISTRICTS)}
    if len(divisions) != len(DISTRICTS):
        raise RuntimeError("the registry demo needs the districts of core.city")
    ids = _Ids(ctx.rng("registry.ids"))
    events: list[Event] = []

    with transaction.atomic():
        enterprises = _enterprises(ctx, ids, divisions, names, events)
        qualifications, licences = _certificates(ctx, enterprises, events)
        people, registrations = _people(ctx, ids, enterprises, events)
        _projects(ctx, divisions, names, enterprises, people, registrations, licences, events)
        ledger_append_many(actor=DEMO_ACTOR, events=ctx.progress(events, desc="registry ledger"), occurred_at=now)
    ctx.log(
        f"registry: {len(enterprises)} enterprises, {len(qualifications)} qualifications, {len(licences)} safety "
        f"licences, {len(people)} people, {len(registrations)} registrations, "
        f"{Project.objects.count()} projects, {BidSection.objects.count()} bid sections, "
        f"{KeyPerson.objects.count()} key posts ({scale.name}, {today})"
    )


def _enterprises(
    ctx: DemoContext, ids: _Ids, divisions: dict[str, Jurisdiction], names: dict[str, str], events: list[Event]
) -> list[Enterprise]:
    rng = ctx.rng("registry.enterprises")
    now = ctx.now()
    seen: set[str] = set()
    rows: list[Enterprise] = []
    for _ in ctx.progress(range(ctx.scale.enterprises), desc="enterprises"):
        kind = _weighted(rng, KIND_SHARES)
        code = _district(rng)
        for attempt in range(50):
            prefix = rng.choice(("宜昌", "宜昌市", "湖北", DISTRICTS[code][0], "宜昌" + DISTRICTS[code][0]))
            brand = rng.choice(BRANDS) + (rng.choice(BRANDS) if attempt > 5 else "")
            suffix = rng.choice(("有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司"))
            name = f"{prefix}{brand}{rng.choice(KIND_WORDS[kind])}{suffix}"
            if name not in seen:
                break
        seen.add(name)
        status = "active" if rng.random() > 0.03 else rng.choice(("suspended", "cancelled"))
        rows.append(
            Enterprise(
                uscc=ids.uscc(code),
                name=name,
                kind=kind,
                legal_representative=_person_name(rng),
                registered_capital=Decimal(rng.choice((500, 1000, 2000, 3000, 5000, 8000, 10000, 20000, 50000))),
                address=_address(rng, code, names),
                jurisdiction=divisions[code],
                phone=f"0717-{rng.randint(3000000, 8999999)}",
                status=status,
                source="demo",
                created_at=now,
                updated_at=now,
            )
        )
    Enterprise.objects.bulk_create(rows, batch_size=1000)
    events += _events(
        rows,
        "registry.enterprise.created",
        lambda e: {"uscc": e.uscc, "name": e.name, "kind": e.kind, "source": "demo"},
    )
    return rows


def _validity(rng: random.Random, today: dt.date, *, expired: float, expiring: float) -> tuple[dt.date, dt.date]:
    """(valid_from, valid_until): mostly years ahead, some within 90 days, some already past."""
    draw = rng.random()
    if draw < expired:
        until = today - dt.timedelta(days=rng.randint(1, 200))
    elif draw < expired + expiring:
        until = today + dt.timedelta(days=rng.randint(0, 89))
    else:
        until = today + dt.timedelta(days=rng.randint(120, 5 * 365))
    return until - dt.timedelta(days=5 * 365), until


def _certificates(
    ctx: DemoContext, enterprises: list[Enterprise], events: list[Event]
) -> tuple[list[Qualification], list[SafetyLicence]]:
    rng = ctx.rng("registry.certificates")
    now = ctx.now()
    qualifications: list[Qualification] = []
    licences: list[SafetyLicence] = []
    for n, enterprise in enumerate(enterprises, start=1):
        options = QUALIFICATIONS[enterprise.kind]
        chosen = rng.sample(options, k=min(len(options), rng.randint(1, 3))) if options else []
        for m, (category, klass) in enumerate(chosen):
            start, until = _validity(rng, ctx.today, expired=0.02, expiring=0.04)
            grade = "" if category in domain.UNGRADED else rng.choice(("甲", "乙", "乙"))
            qualifications.append(
                Qualification(
                    enterprise=enterprise,
                    category=category,
                    klass=klass,
                    grade=grade,
                    number=f"D{342000000 + n * 10 + m}",
                    issuer=ISSUER_PROVINCE if grade != "甲" else ISSUER_MINISTRY,
                    valid_from=start,
                    valid_until=until,
                    source="demo",
                    updated_at=now,
                )
            )
        if enterprise.kind == "construction":
            # one contractor in twelve lets its safety licence run out, some still take work
            start, until = _validity(rng, ctx.today, expired=0.08, expiring=0.05)
            licences.append(
                SafetyLicence(
                    enterprise=enterprise,
                    number=f"(鄂)JZ安许证字[{start.year}]{n:06d}",
                    issuer=ISSUER_PROVINCE,
                    valid_from=start,
                    valid_until=until,
                    source="demo",
                    updated_at=now,
                )
            )
    Qualification.objects.bulk_create(qualifications, batch_size=2000)
    SafetyLicence.objects.bulk_create(licences, batch_size=2000)
    events += _events(
        qualifications,
        "registry.qualification.created",
        lambda q: {
            "enterprise": q.enterprise.uscc,
            "category": q.category,
            "klass": q.klass,
            "grade": q.grade,
            "number": q.number,
            "valid_until": q.valid_until.isoformat(),
        },
    )
    events += _events(
        licences,
        "registry.safety_licence.created",
        lambda lic: {
            "enterprise": lic.enterprise.uscc,
            "number": lic.number,
            "valid_until": lic.valid_until.isoformat(),
        },
    )
    return qualifications, licences


def _people(
    ctx: DemoContext, ids: _Ids, enterprises: list[Enterprise], events: list[Event]
) -> tuple[list[Person], list[Registration]]:
    rng = ctx.rng("registry.people")
    now = ctx.now()
    active = [e for e in enterprises if e.status == "active"]
    weights = [{"construction": 10, "supervision": 6, "design": 5}.get(e.kind, 2) for e in active]
    people: list[Person] = []
    employer: list[Enterprise | None] = []
    for _ in ctx.progress(range(ctx.scale.people), desc="people"):
        birth = dt.date(rng.randint(1962, 2002), rng.randint(1, 12), rng.randint(1, 28))
        ident = ids.ric(birth)
        people.append(
            Person(
                id_number=ident.number,
                name=_person_name(rng),
                gender=ident.gender,
                birth_date=ident.birth_date,
                phone=_phone(rng),
                source="demo",
                created_at=now,
                updated_at=now,
            )
        )
        # four in five hold a certificate with an enterprise; the rest are workers without one
        employer.append(rng.choices(active, weights=weights)[0] if rng.random() < 0.8 else None)
    registrations: list[Registration] = []
    numbers: set[tuple[str, str]] = set()
    for person, enterprise in zip(people, employer, strict=True):
        if enterprise is None:
            continue
        kinds = REGISTRATION_KINDS[enterprise.kind]
        if not kinds:
            continue
        held = {_weighted(rng, kinds)}
        if rng.random() < 0.25:
            held.add(_weighted(rng, kinds))
        for kind in sorted(held):
            while True:
                number = f"鄂{rng.randint(1, 99):02d}{rng.randint(0, 9999999):07d}"
                if (kind, number) not in numbers:
                    numbers.add((kind, number))
                    break
            start, until = _validity(rng, ctx.today, expired=0.03, expiring=0.05)
            registrations.append(
                Registration(
                    person=person,
                    kind=kind,
                    specialty=rng.choice(SPECIALTIES.get(kind, ("",))),
                    enterprise=enterprise,
                    number=number,
                    issuer=ISSUER_MINISTRY if kind.endswith("_1") or kind == "supervision" else ISSUER_PROVINCE,
                    valid_from=start,
                    valid_until=until,
                    source="demo",
                    updated_at=now,
                )
            )
        person.enterprise = enterprise
    Person.objects.bulk_create(people, batch_size=2000)
    Registration.objects.bulk_create(registrations, batch_size=2000)
    # one entry per person with their registrations (the bulk form of person_upsert +
    # registration_upsert); the ledger never holds the full ID number
    held_by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in registrations:
        held_by[r.person_id].append(
            {
                "kind": r.kind,
                "number": r.number,
                "enterprise": r.enterprise.uscc,
                "valid_until": r.valid_until.isoformat(),
            }
        )
    events += _events(
        people,
        "registry.person.created",
        lambda p: {"name": p.name, "source": "demo", "registrations": held_by.get(p.pk, [])},
    )
    return people, registrations


def _projects(
    ctx: DemoContext,
    divisions: dict[str, Jurisdiction],
    names: dict[str, str],
    enterprises: list[Enterprise],
    people: list[Person],
    registrations: list[Registration],
    licences: list[SafetyLicence],
    events: list[Event],
) -> None:
    rng = ctx.rng("registry.projects")
    today = ctx.today
    active = [e for e in enterprises if e.status == "active"]
    by_kind: dict[str, list[Enterprise]] = defaultdict(list)
    for enterprise in active:
        by_kind[enterprise.kind].append(enterprise)
    licence_of = {lic.enterprise_id: lic for lic in licences}
    # contractors with a valid licence take most work; those whose licence expired still take some
    contractors = [e for e in by_kind["construction"] if e.pk in licence_of]
    expired_contractors = [e for e in contractors if licence_of[e.pk].valid_until < today]
    # registrations usable for each key role, by enterprise: the valid ones first
    pool: dict[tuple[int, str], list[Registration]] = defaultdict(list)
    for registration in registrations:
        pool[(registration.enterprise_id, registration.kind)].append(registration)
    staff: dict[int, list[Person]] = defaultdict(list)
    for person in people:
        if person.enterprise_id:
            staff[person.enterprise_id].append(person)
    busy_managers: set[int] = set()
    codes_per_day: dict[tuple[str, dt.date], int] = defaultdict(int)
    permits_per_day: dict[tuple[str, dt.date], int] = defaultdict(int)

    projects: list[Project] = []
    plans: list[dict[str, Any]] = []
    for n in ctx.progress(range(ctx.scale.projects), desc="projects"):
        code = _district(rng)
        _short, roads, towns = DISTRICTS[code]
        function = _weighted(rng, FUNCTION_SHARES)
        status = _weighted(rng, PROJECT_STATUS)
        registered_on = today - dt.timedelta(days=rng.randint(30 if status != "registered" else 0, 3 * 365))
        while codes_per_day[(code, registered_on)] >= 99:
            registered_on -= dt.timedelta(days=1)
        codes_per_day[(code, registered_on)] += 1
        name = rng.choice(PROJECT_TEMPLATES[function]).format(
            town=rng.choice(towns),
            brand=rng.choice(BRANDS),
            district=names[code],
            road=rng.choice(roads),
            phase=rng.choice(PHASES),
            n=rng.randint(1, 12),
        )
        owners = [e for e in by_kind["owner"] if e.jurisdiction_id == divisions[code].pk] or by_kind["owner"]
        investment = Decimal(rng.randint(800, 120000))
        area = Decimal(rng.randint(3000, 250000)) if function not in MUNICIPAL else Decimal(rng.randint(0, 5000))
        lat, lon = divisions[code].latitude or 30.7, divisions[code].longitude or 111.3
        projects.append(
            Project(
                code=domain.project_code(code, registered_on, codes_per_day[(code, registered_on)]),
                name=name,
                owner=rng.choice(owners),
                jurisdiction=divisions[code],
                address=_address(rng, code, names),
                latitude=round(lat + rng.uniform(-0.05, 0.05), 6),
                longitude=round(lon + rng.uniform(-0.05, 0.05), 6),
                investment=investment,
                floor_area=area,
                category="municipal" if function in MUNICIPAL else "building",
                function=function,
                structure="" if function in MUNICIPAL else rng.choice(("frame", "shear_wall", "frame_shear", "steel")),
                registered_on=registered_on,
                status=status,
                created_at=ctx.now(),
            )
        )
        plans.append({"n": n, "status": status, "function": function})
    Project.objects.bulk_create(projects, batch_size=1000)

    units: list[UnitProject] = []
    sections: list[BidSection] = []
    section_units: list[tuple[BidSection, list[UnitProject]]] = []
    for project, plan in zip(projects, plans, strict=True):
        own_units = []
        count = 1 if plan["function"] in MUNICIPAL else rng.randint(1, 6)
        for u in range(1, count + 1):
            floors = rng.randint(2, 33) if plan["function"] not in MUNICIPAL else 0
            label = f"{u}#楼" if plan["function"] not in MUNICIPAL else "主体工程"
            own_units.append(
                UnitProject(
                    project=project,
                    code=f"{project.code}{u:02d}",
                    name=label,
                    floor_area=(project.floor_area / count).quantize(Decimal("0.01")),
                    above_ground_floors=floors,
                    below_ground_floors=rng.choice((0, 1, 1, 2)) if floors else 0,
                    structure=project.structure,
                )
            )
        units += own_units
        section_count = 1 if count < 3 else rng.randint(1, 2)
        for s in range(1, section_count + 1):
            section = BidSection(
                project=project,
                code=f"{project.code}B{s:02d}",
                name=f"{'一二三'[s - 1]}标段" if section_count > 1 else "施工总承包标段",
                contract_price=(project.investment * Decimal("0.7") / section_count).quantize(Decimal("0.01")),
                jurisdiction=project.jurisdiction,
                status=SECTION_STATUS[plan["status"]],
            )
            sections.append(section)
            section_units.append((section, own_units[s - 1 :: section_count]))
    UnitProject.objects.bulk_create(units, batch_size=2000)
    BidSection.objects.bulk_create(sections, batch_size=2000)
    through = BidSection.units.through
    through.objects.bulk_create(
        [through(bidsection_id=s.pk, unitproject_id=u.pk) for s, us in section_units for u in us], batch_size=5000
    )

    participants: list[Participant] = []
    posts: list[KeyPerson] = []
    works: list[PermittedWork] = []
    planted_outsiders = 0
    planted_expired = 0
    for section in ctx.progress(sections, desc="bid sections"):
        project = section.project
        running = section.status == "active"
        # plant: an active section whose contractor's safety licence has expired
        if running and expired_contractors and (planted_expired < 2 or rng.random() < 0.03):
            contractor = rng.choice(expired_contractors)
            planted_expired += 1
        else:
            contractor = rng.choice(contractors)
        since = project.registered_on + dt.timedelta(days=rng.randint(10, 60))
        chosen = {"owner": project.owner, "contractor": contractor}
        if by_kind["supervision"]:
            chosen["supervisor"] = rng.choice(by_kind["supervision"])
        for role, kind in (("design", "design"), ("survey", "survey"), ("testing", "testing")):
            if by_kind[kind] and rng.random() < 0.6:
                chosen[role] = rng.choice(by_kind[kind])
        for role, enterprise in chosen.items():
            participants.append(Participant(bid_section=section, role=role, enterprise=enterprise, since=since))
        if section.status == "planned":
            continue
        ended = since + dt.timedelta(days=rng.randint(300, 700)) if section.status == "completed" else None
        if ended and ended > today:
            ended = today - dt.timedelta(days=1)
        for role, kinds in (
            ("project_manager", ("constructor_1", "constructor_2")),
            ("chief_supervision_engineer", ("supervision",)),
            ("safety_officer", ("safety_c", "safety_b")),
            ("technical_lead", ()),
        ):
            acting_for = chosen.get(KEY_ROLE_PARTICIPANT[role])
            if acting_for is None:
                continue
            outsider = role == "project_manager" and running and (planted_outsiders < 2 or rng.random() < 0.03)
            holder, used = _pick(
                rng, role, acting_for, kinds, pool, staff, busy_managers if ended is None else set(), outsider, by_kind
            )
            if holder is None:
                continue
            if outsider:
                planted_outsiders += 1
            if role == "project_manager" and ended is None:
                busy_managers.add(holder.pk)
            posts.append(
                KeyPerson(
                    bid_section=section,
                    role=role,
                    person=holder,
                    enterprise=acting_for,
                    registration=used,
                    started_on=since,
                    ended_on=ended,
                )
            )
        if section.status in {"active", "completed", "suspended"}:
            day = since + dt.timedelta(days=rng.randint(5, 30))
            day = min(day, today)
            division = project.jurisdiction.code
            permits_per_day[(division, day)] += 1
            specialty = {"road": "02", "bridge": "18", "pipeline": "17"}.get(project.function, "01")
            works.append(
                PermittedWork(
                    bid_section=section,
                    permit_number=domain.permit_number(division, day, permits_per_day[(division, day)], specialty),
                    name=f"{project.name}{section.name}",
                    specialty=specialty,
                    issued_on=day,
                    floor_area=project.floor_area,
                    contract_price=section.contract_price,
                )
            )
    Participant.objects.bulk_create(participants, batch_size=5000)
    KeyPerson.objects.bulk_create(posts, batch_size=5000)
    PermittedWork.objects.bulk_create(works, batch_size=5000)

    # one entry per project and per bid section, holding what the services would record one by one
    units_of = {section.pk: section_units_list for section, section_units_list in section_units}
    unit_codes: dict[int, list[str]] = defaultdict(list)
    for unit in units:
        unit_codes[unit.project_id].append(unit.code)
    events += _events(
        projects,
        "registry.project.registered",
        lambda p: {
            "code": p.code,
            "name": p.name,
            "owner": p.owner.uscc,
            "jurisdiction": p.jurisdiction.code,
            "units": unit_codes[p.pk],
        },
    )
    tree: dict[int, dict[str, list[Any]]] = defaultdict(lambda: {"participants": [], "key_people": [], "permits": []})
    for participant in participants:
        tree[participant.bid_section_id]["participants"].append(
            {"role": participant.role, "enterprise": participant.enterprise.uscc}
        )
    for post in posts:
        tree[post.bid_section_id]["key_people"].append(
            {
                "role": post.role,
                "person": post.person_id,
                "enterprise": post.enterprise.uscc,
                "registration": post.registration.number if post.registration else None,
                "ended_on": post.ended_on.isoformat() if post.ended_on else None,
            }
        )
    for work in works:
        tree[work.bid_section_id]["permits"].append(work.permit_number)
    events += _events(
        [s for s, _us in section_units],
        "registry.bid_section.added",
        lambda s: {
            "project": s.project.code,
            "code": s.code,
            "status": s.status,
            "units": [u.code for u in units_of[s.pk]],
            **tree[s.pk],
        },
    )


def _pick(
    rng: random.Random,
    role: str,
    enterprise: Enterprise,
    kinds: tuple[str, ...],
    pool: dict[tuple[int, str], list[Registration]],
    staff: dict[int, list[Person]],
    busy: set[int],
    outsider: bool,
    by_kind: dict[str, list[Enterprise]],
) -> tuple[Person | None, Registration | None]:
    """A person for the post: registered with the enterprise (and free, for a project manager);
    ``outsider`` picks a constructor registered with another contractor (the planted 挂证 case)."""
    if outsider:
        for _ in range(30):
            other = rng.choice(by_kind["construction"])
            if other.pk == enterprise.pk:
                continue
            candidates = [r for k in kinds for r in pool.get((other.pk, k), []) if r.person_id not in busy]
            if candidates:
                return rng.choice(candidates).person, None
        return None, None
    if not kinds:
        people = staff.get(enterprise.pk, [])
        return (rng.choice(people), None) if people else (None, None)
    candidates = [r for k in kinds for r in pool.get((enterprise.pk, k), []) if r.person_id not in busy]
    if not candidates:
        return None, None
    registration = rng.choice(candidates)
    return registration.person, registration


STEPS = [DemoStep("registry.city", build, after=("core.city",))]
