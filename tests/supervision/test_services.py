"""Inspections from plan to closure through the services; refusals; the ledger."""

from __future__ import annotations

import datetime as dt

import pytest

from jianguan.command.models import Alert
from jianguan.core import errors
from jianguan.core.calendar import add_working_days
from jianguan.core.models import LedgerEntry, User
from jianguan.supervision import services
from jianguan.supervision.checklists import checklist_load
from jianguan.supervision.models import Answer, Checklist, Finding, Inspection, RectificationOrder, StopWorkOrder
from tests.registry.factories import Section
from tests.supervision.conftest import png

pytestmark = pytest.mark.django_db


def start(site: Section, checklist: Checklist, inspectors: list[User]) -> Inspection:
    return services.inspection_start(
        actor=inspectors[0], bid_section=site.section, checklist=checklist, inspectors=inspectors[:2], reason="群众举报"
    )


def answer_all(inspection: Inspection, user: User, *, fail: tuple[str, ...] = ()) -> None:
    for item in inspection.checklist.items.all():
        result = "fail" if item.code in fail else "pass"
        services.answer_upsert(
            actor=user,
            inspection=inspection,
            item_code=item.code,
            result=result,
            key=f"k-{item.code}",
            note="现场发现问题" if result == "fail" else "",
            measurement="1.2m" if "measurement" in item.evidence else "",
            signature="安全员 李强" if "signature" in item.evidence else "",
            photos=[services.PhotoInput(png(extra=item.code.encode()), latitude=30.7, longitude=111.3)]
            if result == "fail"
            else [],
        )


def test_shipped_checklists_loaded_and_versions_never_rewritten(db: None) -> None:
    kinds = set(Checklist.objects.values_list("kind", flat=True))
    assert kinds == {"quality", "safety", "civilised", "tower_crane", "deep_excavation", "high_formwork"}
    safety = Checklist.objects.get(code="safety.general", version=1)
    assert safety.items.filter(basis__contains="JGJ 59").exists()
    text = (
        '{"format": "jianguan.supervision.checklist/1", "code": "safety.general", "version": 1, "kind": "safety",'
        ' "title": "改", "items": [{"code": "X", "text": "t", "basis": "b", "severity": "general"}]}'
    )
    with pytest.raises(errors.Conflict):
        checklist_load(text=text, name="x.json")
    new, created = checklist_load(text=text.replace('"version": 1', '"version": 2'), name="x.json")
    assert created
    assert new.items.count() == 1
    assert Checklist.objects.get(code="safety.general", version=1).items.count() == 8
    with pytest.raises(errors.ValidationFailed, match="severity"):
        checklist_load(text=text.replace('"general"', '"huge"').replace('"version": 1', '"version": 3'), name="y.json")


def test_inspection_needs_two_inspectors_and_no_conflict(
    site: Section, safety_checklist: Checklist, inspectors: list[User], head: User
) -> None:
    with pytest.raises(errors.ValidationFailed, match="two"):
        services.inspection_start(
            actor=inspectors[0],
            bid_section=site.section,
            checklist=safety_checklist,
            inspectors=[inspectors[0]],
            reason="x",
        )
    with pytest.raises(errors.ValidationFailed):
        services.inspection_start(
            actor=inspectors[0], bid_section=site.section, checklist=safety_checklist, inspectors=inspectors[:2]
        )
    services.conflict_declare(actor=head, inspector=inspectors[1], enterprise=site.contractor, reason="former_employee")
    with pytest.raises(errors.ValidationFailed, match="conflict"):
        start(site, safety_checklist, inspectors)


def test_incomplete_checklist_refused_and_na_needs_reason(
    site: Section, safety_checklist: Checklist, inspectors: list[User]
) -> None:
    inspection = start(site, safety_checklist, inspectors)
    with pytest.raises(errors.ValidationFailed) as refused:
        services.inspection_submit(actor=inspectors[0], inspection=inspection)
    assert refused.value.code == "checklist_incomplete"
    assert len(refused.value.extra["unanswered"]) == 8
    with pytest.raises(errors.ValidationFailed, match="not applicable"):
        services.answer_upsert(actor=inspectors[0], inspection=inspection, item_code="S-01", result="na", key="a")
    with pytest.raises(errors.PermissionDenied):
        services.answer_upsert(actor=inspectors[2], inspection=inspection, item_code="S-01", result="pass", key="b")
    answer_all(inspection, inspectors[1])
    services.answer_upsert(actor=inspectors[0], inspection=inspection, item_code="S-06", result="pass", key="unsigned")
    with pytest.raises(errors.ValidationFailed) as unsigned:
        services.inspection_submit(actor=inspectors[0], inspection=inspection)
    assert unsigned.value.code == "signature_required"
    assert "S-06" in unsigned.value.render("en")
    assert "签" in unsigned.value.render("zh-hans")
    services.answer_upsert(
        actor=inspectors[0],
        inspection=inspection,
        item_code="S-06",
        result="pass",
        key="signed",
        signature="安全员 李强",
    )
    services.answer_upsert(
        actor=inspectors[0], inspection=inspection, item_code="S-07", result="fail", key="c", note="无登记"
    )
    with pytest.raises(errors.ValidationFailed) as no_photo:
        services.inspection_submit(actor=inspectors[0], inspection=inspection)
    assert no_photo.value.code == "photo_required"
    services.answer_upsert(
        actor=inspectors[0], inspection=inspection, item_code="S-07", result="na", key="d", note="无塔吊"
    )
    assert services.inspection_submit(actor=inspectors[0], inspection=inspection) == []
    with pytest.raises(errors.Conflict):
        services.answer_upsert(actor=inspectors[0], inspection=inspection, item_code="S-01", result="fail", key="e")


def test_resent_answers_do_not_duplicate(site: Section, safety_checklist: Checklist, inspectors: list[User]) -> None:
    inspection = start(site, safety_checklist, inspectors)
    for _ in range(3):
        services.answer_upsert(
            actor=inspectors[0],
            inspection=inspection,
            item_code="S-04",
            result="fail",
            key="same",
            note="洞口无防护",
            photos=[
                services.PhotoInput(
                    png(), captured_at=dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC), latitude=30.7, longitude=111.2
                )
            ],
        )
    answer = Answer.objects.get(inspection=inspection)
    assert answer.revision == 1
    assert answer.photos.count() == 1
    photo = answer.photos.get()
    assert photo.latitude == 30.7
    assert photo.captured_at is not None
    assert len(photo.sha256) == 64
    assert LedgerEntry.objects.filter(action="supervision.answer.recorded").count() == 1
    services.answer_upsert(actor=inspectors[1], inspection=inspection, item_code="S-04", result="pass", key="later")
    answer.refresh_from_db()
    assert answer.result == "pass"
    assert answer.revision == 2
    late = services.answer_upsert(
        actor=inspectors[0], inspection=inspection, item_code="S-04", result="fail", key="same", note="洞口无防护"
    )
    assert late[1] is False
    answer.refresh_from_db()
    assert answer.result == "pass"
    with pytest.raises(errors.ValidationFailed):
        services.answer_upsert(
            actor=inspectors[0],
            inspection=inspection,
            item_code="S-05",
            result="pass",
            key="x",
            photos=[services.PhotoInput(png_bad())],
        )
    assert not Answer.objects.filter(inspection=inspection, item__code="S-05").exists()


def png_bad():  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")


def test_plan_to_closure(
    site: Section, safety_checklist: Checklist, inspectors: list[User], head: User, head2: User
) -> None:
    inspection = start(site, safety_checklist, inspectors)
    answer_all(inspection, inspectors[0], fail=("S-02", "S-04"))
    findings = services.inspection_submit(actor=inspectors[1], inspection=inspection)
    assert {f.item_code for f in findings} == {"S-02", "S-04"}
    assert all(f.enterprise == site.contractor for f in findings)
    with pytest.raises(errors.PermissionDenied):
        services.finding_review(actor=inspectors[0], finding=findings[0], accepted=True)
    for finding in findings:
        services.finding_review(actor=inspectors[2], finding=finding, accepted=True)
    with pytest.raises(errors.PermissionDenied):
        services.finding_confirm(actor=inspectors[2], finding=findings[0])
    for finding in findings:
        services.finding_confirm(actor=head, finding=finding)
    confirmed = LedgerEntry.objects.filter(action="supervision.finding.confirmed").order_by("seq")
    assert confirmed.count() == 2
    payload = confirmed.first().data  # type: ignore[union-attr]
    assert payload["subject_type"] == "enterprise"
    assert payload["subject_uscc"] == site.contractor.uscc
    assert payload["behaviour_code"] == "SG-4-04"
    assert payload["severity"] == "severe"

    stop = services.stop_work_issue(actor=head, findings=findings, reason="高大模板无专项方案")
    assert stop.number.startswith("TG")
    order = services.rectification_issue(actor=head, findings=findings, working_days=5)
    assert order.deadline == add_working_days(order.issued_at.date(), 5)
    with pytest.raises(errors.Conflict):
        services.stop_work_lift(actor=head, order=stop, reason="已整改")
    with pytest.raises(errors.ValidationFailed):
        services.rectification_reply(actor=head, order=order, text="已整改", files=[])
    services.rectification_reply(actor=head, order=order, text="已整改完毕", files=[png("reply.png")])
    services.rectification_review(actor=head2, order=order, accepted=False, note="洞口防护仍不完整")
    assert RectificationOrder.objects.get(pk=order.pk).status == "issued"
    services.rectification_reply(actor=head, order=order, text="再次整改", files=[png("reply2.png", b"2")])
    services.rectification_review(actor=head2, order=order, accepted=True)
    services.stop_work_lift(actor=head2, order=stop, reason="复查合格")
    assert StopWorkOrder.objects.get(pk=stop.pk).status == "lifted"
    actions = list(LedgerEntry.objects.filter(action__startswith="supervision.").values_list("action", flat=True))
    for action in (
        "inspection.started",
        "inspection.submitted",
        "rectification.issued",
        "rectification.returned",
        "rectification.closed",
        "stop_work.lifted",
    ):
        assert f"supervision.{action}" in actions


def test_stop_work_needs_severe(site: Section, safety_checklist: Checklist, inspectors: list[User], head: User) -> None:
    inspection = start(site, safety_checklist, inspectors)
    answer_all(inspection, inspectors[0], fail=("S-08",))
    (finding,) = services.inspection_submit(actor=inspectors[0], inspection=inspection)
    with pytest.raises(errors.ValidationFailed):
        services.stop_work_issue(actor=head, findings=[finding], reason="x")
    services.finding_review(actor=inspectors[3], finding=finding, accepted=True)
    services.finding_confirm(actor=head, finding=finding)
    with pytest.raises(errors.ValidationFailed) as refused:
        services.stop_work_issue(actor=head, findings=[finding], reason="x")
    assert refused.value.code == "stop_work_needs_severe"
    assert Finding.objects.get().status == "confirmed"


def test_overdue_rectification_raises_one_warning(
    site: Section, safety_checklist: Checklist, inspectors: list[User], head: User
) -> None:
    inspection = start(site, safety_checklist, inspectors)
    answer_all(inspection, inspectors[0], fail=("S-08",))
    (finding,) = services.inspection_submit(actor=inspectors[0], inspection=inspection)
    services.finding_review(actor=inspectors[3], finding=finding, accepted=True)
    services.finding_confirm(actor=head, finding=finding)
    order = services.rectification_issue(actor=head, findings=[finding], working_days=3)
    assert services.rectifications_flag_overdue(today=order.deadline) == 0
    assert services.rectifications_flag_overdue(today=order.deadline + dt.timedelta(days=1)) == 1
    assert services.rectifications_flag_overdue(today=order.deadline + dt.timedelta(days=2)) == 0
    alert = Alert.objects.get(kind="supervision.rectification_overdue")
    assert alert.severity == "high"
    assert order.number in alert.message


def test_risk_factor_and_draw_weight(
    site: Section, safety_checklist: Checklist, inspectors: list[User], head: User
) -> None:
    from jianguan.command.risk import site_risks
    from jianguan.supervision.risk import section_weights

    inspection = start(site, safety_checklist, inspectors)
    answer_all(inspection, inspectors[0], fail=("S-02",))
    (finding,) = services.inspection_submit(actor=inspectors[0], inspection=inspection)
    assert section_weights([site.section.pk], today=finding.found_on)[site.section.pk] == 1.0
    services.finding_review(actor=inspectors[3], finding=finding, accepted=True)
    services.finding_confirm(actor=head, finding=finding)
    assert section_weights([site.section.pk], today=finding.found_on)[site.section.pk] == 4.0
    (risk,) = [r for r in site_risks(user=head) if r.section_id == site.section.pk]
    assert risk.score == 15
    assert "严重" in str(risk.factors[0].label) or "Severe" in str(risk.factors[0].label)
