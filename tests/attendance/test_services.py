from __future__ import annotations

import pytest

from jianguan.attendance import services
from jianguan.attendance.models import Binding, Enrolment
from jianguan.core.errors import ApplicationError
from jianguan.core.ledger import LedgerEntry
from jianguan.core.models import Device
from tests.attendance.conftest import Site
from tests.registry.factories import make_section

pytestmark = pytest.mark.django_db


def test_bind_move_unbind_keep_history_in_the_ledger(site: Site) -> None:
    other = make_section()
    with pytest.raises(ApplicationError) as caught:
        services.device_bind(
            actor="system:test", device=site.zk, section=other.section, location="x", latitude=30.0, longitude=111.0
        )
    assert caught.value.code == "device_already_bound"
    moved = services.device_move(
        actor="system:test",
        device=site.zk,
        section=other.section,
        location="二号门",
        latitude=30.71,
        longitude=111.30,
        radius_m=200,
        reason="换场地",
    )
    assert moved.bid_section == other.section
    assert Binding.objects.filter(device=site.zk).count() == 2
    assert Binding.objects.get(pk=site.zk_binding.pk).ended_at is not None
    services.device_unbind(actor="system:test", device=site.zk, reason="拆除")
    assert services.active_binding(site.zk) is None
    actions = list(LedgerEntry.objects.filter(action__startswith="attendance.binding").values_list("action", flat=True))
    assert actions.count("attendance.binding.created") == 3
    assert actions.count("attendance.binding.ended") == 2


@pytest.mark.parametrize(
    ("lat", "lon", "radius", "code"),
    [
        (91.0, 111.0, 300, "coordinates_invalid"),
        (30.0, 181.0, 300, "coordinates_invalid"),
        (30.0, 111.0, 5, "radius_invalid"),
    ],
)
def test_bad_places_are_refused(site: Site, lat: float, lon: float, radius: int, code: str) -> None:
    services.device_unbind(actor="system:test", device=site.zk, reason="拆除")
    with pytest.raises(ApplicationError) as caught:
        services.device_bind(
            actor="system:test",
            device=site.zk,
            section=site.s.section,
            location="x",
            latitude=lat,
            longitude=lon,
            radius_m=radius,
        )
    assert caught.value.code == code


def test_pins_are_unique_per_device_until_unenrolled(site: Site) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.person_enrol(actor="system:test", device=site.zk, pin="1", person=site.s.chief)
    assert caught.value.code == "pin_taken"
    assert "PIN 1" in caught.value.messages()["en"]
    assert "考勤号 1" in caught.value.messages()["zh-hans"]
    services.person_unenrol(actor="system:test", device=site.zk, pin="1")
    services.person_enrol(actor="system:test", device=site.zk, pin="1", person=site.s.chief, push=False)
    assert Enrolment.objects.filter(device=site.zk, pin="1").count() == 2
    with pytest.raises(ApplicationError):
        services.person_enrol(actor="system:test", device=site.zk, pin="a b", person=site.s.chief)


def test_suspending_goes_through_core(site: Site) -> None:
    services.terminal_suspend(actor="system:test", device=site.zk, reason="被盗")
    site.zk.refresh_from_db()
    assert site.zk.status == Device.Status.SUSPENDED
    services.terminal_resume(actor="system:test", device=site.zk, reason="找回")
    site.zk.refresh_from_db()
    assert site.zk.is_active
