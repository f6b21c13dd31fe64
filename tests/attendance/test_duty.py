"""Duty rules per key post and month, absence warnings, and the certificate-lending leads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from jianguan.attendance import services
from jianguan.attendance.duty import absence_warnings, attendance_evaluate, duty_evaluate, travel_leads
from jianguan.attendance.models import DutyEvaluation
from jianguan.command.models import Alert
from jianguan.core.services import device_register
from jianguan.registry.models import KeyPerson, Person
from tests.attendance.conftest import Site
from tests.registry.factories import make_enterprise, make_section

pytestmark = pytest.mark.django_db
NOVEMBER = dt.date(2026, 11, 1)
AFTER = dt.date(2026, 12, 3)
# November 2026 has 21 working days: the 2nd–6th, 9th–13th, 16th–20th, 23rd–27th and the 30th.
WORKING = [d for d in range(1, 31) if dt.date(2026, 11, d).weekday() < 5]


def punch(site: Site, pin: str, days: list[int], hour: int = 8, flags_far: bool = False) -> None:
    lines = "".join(f"{pin}\t2026-11-{d:02d} {hour:02d}:05:00\t0\t1\n" for d in days)
    services.attlog_ingest(device=site.zk, body=lines.encode())


def evaluation(site: Site, person: Person) -> DutyEvaluation:
    return DutyEvaluation.objects.get(bid_section=site.s.section, person=person, month=NOVEMBER)


def test_twenty_one_working_days_in_november() -> None:
    assert len(WORKING) == 21


def test_project_manager_needs_eighty_percent(site: Site) -> None:
    punch(site, "1", WORKING[:17])
    punch(site, "2", WORKING[:19])
    result = duty_evaluate(month=NOVEMBER, today=AFTER)
    assert result.evaluated == 2
    manager = evaluation(site, site.s.manager)
    assert (manager.construction_days, manager.present_days, manager.compliant) == (21, 17, True)
    assert manager.decision["result"]["required_days"] == 17
    chief = evaluation(site, site.s.chief)
    assert (chief.present_days, chief.compliant) == (19, False)  # 20 days required
    alert = Alert.objects.get(kind="attendance.duty_shortfall")
    assert alert.subject_id == str(site.s.chief_post.pk)
    assert "19" in alert.message
    assert "20" in alert.message


def test_shortfall_warned_once_and_absence_approval_counts(site: Site) -> None:
    punch(site, "1", WORKING[:16])
    punch(site, "2", WORKING[:20])
    duty_evaluate(month=NOVEMBER, today=AFTER)
    duty_evaluate(month=NOVEMBER, today=AFTER)
    alert = Alert.objects.get(kind="attendance.duty_shortfall")
    assert alert.occurrences == 2
    services.absence_record(
        actor="system:test",
        section=site.s.section,
        person=site.s.manager,
        first_day=dt.date(2026, 11, 26),
        last_day=dt.date(2026, 11, 30),
        reason="公司培训",
        approved_by="建设单位 李总",
    )
    duty_evaluate(month=NOVEMBER, today=AFTER)
    manager = evaluation(site, site.s.manager)
    assert (manager.absence_days, manager.compliant) == (3, True)  # 26, 27, 30: due 18, required 15


def test_check_ins_outside_the_geofence_do_not_count(client: object, site: Site) -> None:
    from jianguan.attendance.models import CheckIn

    punch(site, "1", WORKING[:17])
    CheckIn.objects.filter(pin="1", punched_at__day__in=WORKING[:2]).update(flags="outside_geofence")
    duty_evaluate(month=NOVEMBER, today=AFTER)
    assert evaluation(site, site.s.manager).present_days == 15


def test_a_running_month_raises_no_monthly_warning(site: Site) -> None:
    punch(site, "1", WORKING[:3])
    result = duty_evaluate(month=NOVEMBER, today=dt.date(2026, 11, 10))
    assert result.shortfalls == 2
    assert not Alert.objects.filter(kind="attendance.duty_shortfall").exists()
    assert evaluation(site, site.s.manager).construction_days == 6  # the 2nd to the 9th


def test_daily_absence_warning_after_three_working_days(site: Site) -> None:
    punch(site, "1", [2, 3, 4, 5, 6])
    punch(site, "2", [2, 3, 4, 5, 6, 9, 10, 11])
    assert absence_warnings(today=dt.date(2026, 11, 12)) == 1  # manager missing 9, 10, 11
    assert absence_warnings(today=dt.date(2026, 11, 12)) == 0  # same open warning
    alert = Alert.objects.get(kind="attendance.key_person_absent")
    assert alert.subject_id == str(site.s.manager_post.pk)
    assert "2026-11-06" in alert.message


def test_same_person_at_two_distant_sites_is_a_lead(site: Site, xiling: object) -> None:
    far = make_section()
    KeyPerson.objects.filter(bid_section=far.section).update(started_on=dt.date(2026, 1, 1))
    gate = device_register(
        actor="system:test",
        serial="CKJM201760099",
        kind="attendance_terminal",
        protocol="zkteco_push",
        name="远处工地",
        jurisdiction=far.section.jurisdiction,
    )
    services.device_bind(
        actor="system:test", device=gate, section=far.section, location="门", latitude=30.59, longitude=114.30
    )
    services.person_enrol(actor="system:test", device=gate, pin="88", person=site.s.manager, push=False)
    punch(site, "1", [2])  # 08:05 in Yichang
    services.attlog_ingest(device=gate, body=b"88\t2026-11-02 09:35:00\t0\t1\n")  # 09:35 in Wuhan, ~290 km
    assert travel_leads(first=dt.date(2026, 11, 2), last=dt.date(2026, 11, 2)) == 1
    assert travel_leads(first=dt.date(2026, 11, 2), last=dt.date(2026, 11, 2)) == 0
    alert = Alert.objects.get(kind="attendance.impossible_travel")
    assert [e["kind"] for e in alert.evidence] == ["check_in", "check_in"]
    assert int(alert.params["distance_km"]) > 250


def test_key_person_never_present_while_others_work(site: Site) -> None:
    punch(site, "1", WORKING)
    result = attendance_evaluate(month=NOVEMBER, today=AFTER)
    assert result.leads["never_present"] == 1
    alert = Alert.objects.get(kind="attendance.never_present")
    assert alert.subject_id == str(site.s.chief_post.pk)
    assert any(e["kind"] == "check_in" for e in alert.evidence)


def test_key_person_registered_with_another_enterprise(site: Site) -> None:
    punch(site, "1", WORKING)
    # the manager's registration later moved to another company, but he still acts for the contractor
    Person.objects.filter(pk=site.s.manager.pk).update(enterprise=make_enterprise("construction", name="别家建设公司"))
    result = attendance_evaluate(month=NOVEMBER, today=AFTER)
    assert result.leads["registered_elsewhere"] == 1
    alert = Alert.objects.get(kind="attendance.registered_elsewhere")
    assert "别家建设公司" in alert.message
    assert alert.evidence[0]["kind"] == "key_post"
    assert sum(1 for e in alert.evidence if e["kind"] == "check_in") == 10


def test_command_line(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    punch(site, "1", WORKING)
    call_command("attendance", "evaluate", "--month", "2026-11")
    assert "2 posts evaluated" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("attendance", "evaluate", "--month", "November")
