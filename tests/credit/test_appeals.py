"""Appeals (异议/信用修复): deadline in working days, outcomes, the score following, the ledger keeping history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jianguan.core import errors
from jianguan.core.calendar import add_working_days
from jianguan.core.models import LedgerEntry, User
from jianguan.credit import services
from jianguan.credit.models import Appeal, Record
from jianguan.credit.selectors import credit_standing, disclosed_records
from tests.credit.test_records import finding
from tests.registry.factories import make_enterprise

D = dt.date


def test_revoked_record_stops_counting_from_the_decision_day(handler: User, approver: User) -> None:
    enterprise = make_enterprise()
    finding(enterprise.uscc, code="SG-3-01", fid="F-1", day="2026-03-02")  # −10, 24 months
    record = Record.objects.get()
    appeal = services.appeal_lodge(
        actor=handler, record=record, applicant="", grounds="检查记录有误", received_on=D(2026, 9, 30)
    )
    assert appeal.deadline == add_working_days(D(2026, 9, 30), 15)
    assert appeal.deadline > D(2026, 10, 21)  # the National Day week is not counted
    with pytest.raises(errors.Conflict):
        services.appeal_lodge(actor=handler, record=record, applicant="x", grounds="again")
    with pytest.raises(errors.ValidationFailed):
        services.appeal_decide(actor=approver, appeal=appeal, outcome="revoked", reasons=" ")
    services.appeal_decide(
        actor=approver, appeal=appeal, outcome="revoked", reasons="证据不足", decided_on=D(2026, 10, 20)
    )
    record.refresh_from_db()
    assert record.status == "revoked"
    assert record.revoked_on == D(2026, 10, 20)
    assert credit_standing(enterprise, D(2026, 10, 19)).score == Decimal(90)  # history kept before that day
    assert credit_standing(enterprise, D(2026, 10, 20)).score == Decimal(100)
    assert disclosed_records(record.subject, D(2026, 10, 20)) == []
    actions = list(LedgerEntry.objects.filter(action__startswith="credit.").values_list("action", flat=True))
    assert actions[-3:] == ["credit.appeal.lodged", "credit.appeal.decided", "credit.record.revoked"]
    with pytest.raises(errors.Conflict):
        services.appeal_decide(actor=approver, appeal=appeal, outcome="upheld", reasons="x")
    with pytest.raises(errors.ValidationFailed):  # a revoked record cannot be appealed again
        services.appeal_lodge(actor=handler, record=record, applicant="x", grounds="y")


def test_upheld_changes_nothing_and_corrected_replaces_from_the_same_date(handler: User, approver: User) -> None:
    enterprise = make_enterprise()
    finding(enterprise.uscc, code="SG-3-01", fid="F-1", day="2026-03-02")
    record = Record.objects.get()
    first = services.appeal_lodge(actor=handler, record=record, applicant="甲公司", grounds="不服")
    services.appeal_decide(actor=approver, appeal=first, outcome="upheld", reasons="事实清楚")
    assert credit_standing(enterprise, D(2026, 4, 1)).score == Decimal(90)
    second = services.appeal_lodge(actor=handler, record=record, applicant="甲公司", grounds="定性错误")
    with pytest.raises(errors.ValidationFailed):
        services.appeal_decide(actor=approver, appeal=second, outcome="corrected", reasons="定性有误")
    services.appeal_decide(
        actor=approver, appeal=second, outcome="corrected", reasons="定性有误", corrected_code="SG-3-02"
    )
    record.refresh_from_db()
    replacement = Record.objects.exclude(pk=record.pk).get()
    assert record.revoked_on == record.event_date  # the wrong record never counted
    assert (replacement.code, replacement.event_date, replacement.source_ref) == ("SG-3-02", D(2026, 3, 2), "F-1")
    assert credit_standing(enterprise, D(2026, 4, 1)).score == Decimal(95)
    assert Appeal.objects.get(pk=second.pk).outcome == "corrected"
    finding(enterprise.uscc, code="SG-3-01", fid="F-1", day="2026-03-02")  # re-sent: still no duplicate
    assert Record.objects.count() == 2


def test_pending_records_cannot_be_appealed(handler: User) -> None:
    subject = services.subject_of(make_enterprise())
    record = services.record_handle(actor=handler, subject=subject, code="SG-3-02", event_date=D(2026, 2, 1))
    with pytest.raises(errors.ValidationFailed):
        services.appeal_lodge(actor=handler, record=record, applicant="x", grounds="y")


def test_blacklisting_and_lowest_grade_raise_command_warnings(handler: User) -> None:
    from jianguan.command.models import Alert

    blacklisted, poor = make_enterprise(), make_enterprise()
    today = timezone.localdate()
    finding(blacklisted.uscc, code="SG-1-01", fid="F-1", day=today.isoformat())  # forged qualification
    alert = Alert.objects.get(kind="credit.blacklisted")
    assert alert.subject_label == blacklisted.name
    assert alert.department.code == "credit"
    for n, code in enumerate(["SG-4-09", "SG-3-07"]):  # −30 −30 → 40: C without a blacklist? (majors blacklist)
        finding(poor.uscc, code=code, fid=f"G-{n}", day=today.isoformat())
    assert Alert.objects.filter(kind="credit.blacklisted").count() == 2
    other = make_enterprise()
    for n, code in enumerate(["SG-3-01", "SG-3-01", "SG-4-03", "SG-4-03"]):  # −40 → 60: B, then lowest
        finding(other.uscc, code=code, fid=f"H-{n}", day=today.isoformat())
    assert not Alert.objects.filter(kind="credit.lowest_grade").exists()
    finding(other.uscc, code="SG-3-02", fid="H-9", day=today.isoformat())  # 55: C
    lowest = Alert.objects.get(kind="credit.lowest_grade")
    assert "55" in lowest.params["score"]
    finding(other.uscc, code="SG-3-03", fid="H-10", day=today.isoformat())  # still C: no second warning
    assert Alert.objects.filter(kind="credit.lowest_grade").count() == 1
