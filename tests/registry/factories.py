"""Registry objects for tests of every module: valid identifiers, a small project tree.

``make_section(...)`` gives an active bid section with owner, contractor and supervisor, and
registered project manager and chief supervision engineer — what most modules need.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from jianguan.core.models import Jurisdiction
from jianguan.registry import services
from jianguan.registry.domain import ric_check_character, uscc_check_character
from jianguan.registry.models import BidSection, Enterprise, KeyPerson, Person, Project, Registration

_counter = itertools.count(1)
FAR = dt.date(2035, 12, 31)


def uscc(n: int | None = None, division: str = "420502") -> str:
    n = next(_counter) if n is None else n
    body = f"91{division}MA{n:07d}"[:17]
    return body + uscc_check_character(body)


def id_number(n: int | None = None, birth: dt.date = dt.date(1980, 5, 17), division: str = "420500") -> str:
    n = next(_counter) if n is None else n
    body = f"{division}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric_check_character(body)


def division(code: str = "420502", name: str = "西陵区") -> Jurisdiction:
    return Jurisdiction.objects.get_or_create(code=code, defaults={"name": name, "level": "district"})[0]


def make_enterprise(kind: str = "construction", *, name: str | None = None, **data: Any) -> Enterprise:
    n = next(_counter)
    values = {
        "uscc": uscc(n),
        "name": name or f"测试企业{n}有限公司",
        "kind": kind,
        "legal_representative": "张三",
        "jurisdiction": data.pop("jurisdiction", None) or division().code,
        **data,
    }
    return services.enterprise_upsert(actor="system:test", data=values)[0]


def make_person(name: str | None = None, *, phone: str = "13800001234") -> Person:
    n = next(_counter)
    return services.person_upsert(
        actor="system:test", data={"id_number": id_number(n), "name": name or f"测试人{n}", "phone": phone}
    )[0]


def register(person: Person, enterprise: Enterprise, kind: str = "constructor_1", **data: Any) -> Registration:
    n = next(_counter)
    values = {
        "kind": kind,
        "number": data.pop("number", f"鄂{n:09d}"),
        "issuer": "湖北省住房和城乡建设厅",
        "valid_until": data.pop("valid_until", FAR),
        **data,
    }
    return services.registration_upsert(actor="system:test", person=person, enterprise=enterprise, data=values)[0]


def make_project(owner: Enterprise | None = None, *, jurisdiction: str = "420502", **data: Any) -> Project:
    owner = owner or make_enterprise("owner")
    values = {
        "name": data.pop("name", f"测试项目{next(_counter)}"),
        "jurisdiction": jurisdiction,
        "address": "宜昌市西陵区测试路1号",
        "latitude": 30.70,
        "longitude": 111.29,
        "investment": "12000.00",
        "floor_area": "35000.00",
        "category": "building",
        "function": "residential",
        "structure": "frame_shear",
        **data,
    }
    division(jurisdiction) if jurisdiction == "420502" else None
    return services.project_register(actor="system:test", owner=owner, data=values)


@dataclass
class Section:
    section: BidSection
    project: Project
    owner: Enterprise
    contractor: Enterprise
    supervisor: Enterprise
    manager: Person
    chief: Person
    manager_post: KeyPerson
    chief_post: KeyPerson


def make_section(*, jurisdiction: str = "420502", active: bool = True) -> Section:
    division()
    project = make_project(jurisdiction=jurisdiction)
    section = services.bid_section_add(actor="system:test", project=project, data={"name": "一标段"})
    contractor = make_enterprise("construction")
    supervisor = make_enterprise("supervision")
    services.participant_set(actor="system:test", section=section, role="owner", enterprise=project.owner)
    services.participant_set(actor="system:test", section=section, role="contractor", enterprise=contractor)
    services.participant_set(actor="system:test", section=section, role="supervisor", enterprise=supervisor)
    manager, chief = make_person(), make_person()
    register(manager, contractor, "constructor_1", specialty="建筑工程")
    register(chief, supervisor, "supervision", specialty="房屋建筑工程")
    manager_post = services.key_person_assign(
        actor="system:test", section=section, role="project_manager", person=manager
    )
    chief_post = services.key_person_assign(
        actor="system:test", section=section, role="chief_supervision_engineer", person=chief
    )
    if active:
        section = services.bid_section_status_set(actor="system:test", section=section, status="active")
    return Section(section, project, project.owner, contractor, supervisor, manager, chief, manager_post, chief_post)
