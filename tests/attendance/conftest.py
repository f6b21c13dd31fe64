from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from jianguan.attendance import services
from jianguan.attendance.models import Binding
from jianguan.core.models import Device, Jurisdiction
from jianguan.core.services import device_register
from jianguan.registry.models import KeyPerson
from tests.registry.factories import Section, division, make_section

SITE = (30.7000, 111.2900)


@dataclass
class Site:
    s: Section
    zk: Device
    handheld: Device
    zk_binding: Binding
    handheld_binding: Binding


@pytest.fixture
def xiling(db: None) -> Jurisdiction:
    return division()


@pytest.fixture
def site(xiling: Jurisdiction) -> Site:
    s = make_section()
    # the posts began at the start of the year (the factory starts them today)
    KeyPerson.objects.filter(bid_section=s.section).update(started_on=dt.date(2026, 1, 1))
    zk = device_register(
        actor="system:test",
        serial="CKJM201760001",
        kind=Device.Kind.ATTENDANCE_TERMINAL,
        protocol=Device.Protocol.ZKTECO_PUSH,
        name="工地大门考勤机",
        jurisdiction=xiling,
    )
    handheld = device_register(
        actor="system:test",
        serial="JGHH000001",
        kind=Device.Kind.HANDHELD,
        protocol=Device.Protocol.SIGNED_HTTP,
        name="手持终端",
        jurisdiction=xiling,
    )
    b1 = services.device_bind(
        actor="system:test", device=zk, section=s.section, location="大门", latitude=SITE[0], longitude=SITE[1]
    )
    b2 = services.device_bind(
        actor="system:test", device=handheld, section=s.section, location="项目部", latitude=SITE[0], longitude=SITE[1]
    )
    services.person_enrol(actor="system:test", device=zk, pin="1", person=s.manager, push=False)
    services.person_enrol(actor="system:test", device=zk, pin="2", person=s.chief, push=False)
    services.person_enrol(actor="system:test", device=handheld, pin="1", person=s.manager)
    services.person_enrol(actor="system:test", device=handheld, pin="2", person=s.chief)
    return Site(s, zk, handheld, b1, b2)
