"""Stage records behind their gates (the JDM rule lifecycle.gate), in the ledger, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jianguan.core.errors import ApplicationError
from jianguan.core.models import LedgerEntry
from jianguan.lifecycle import services
from jianguan.lifecycle.models import StageDocument, StageRecord
from jianguan.lifecycle.stages import DEFAULT_STAGES, stages
from jianguan.registry.models import BidSection
from tests.lifecycle.conftest import ACTOR, PDF, walk

pytestmark = pytest.mark.django_db


def test_thirteen_default_stages_in_order() -> None:
    line = stages()
    assert [s.order for s in line] == list(range(1, 14))
    assert line[6].code == "permit"
    assert line[6].name_zh == "施工许可"
    assert len({s.code for s in DEFAULT_STAGES}) == 13


def test_permit_refused_names_every_missing_condition(section: BidSection) -> None:
    services.stage_record(actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 2))
    services.stage_record(actor=ACTOR, section=section, stage="drawing_review", on=dt.date(2024, 1, 20))
    gate = services.gate_check(section=section, stage="permit", on=dt.date(2024, 2, 1))
    assert not gate.allowed
    assert [m["condition"] for m in gate.missing] == ["contract_filing", "supervision_registration", "fee"]
    assert gate.decision["rule"] == "lifecycle.gate"
    with pytest.raises(ApplicationError) as refused:
        services.stage_open(actor=ACTOR, section=section, stage="permit", on=dt.date(2024, 2, 1))
    assert refused.value.code == "stage_gate_refused"
    assert "配套费" in refused.value.render("zh-hans")
    assert "Contract filing" in refused.value.render("en")
    assert [m["condition"] for m in refused.value.extra["missing"]] == [
        "contract_filing",
        "supervision_registration",
        "fee",
    ]
    assert not StageRecord.objects.filter(stage="permit").exists()


def test_gate_judges_the_facts_of_the_day(section: BidSection) -> None:
    walk(section, "fee")
    gate = services.gate_check(section=section, stage="permit", on=dt.date(2024, 6, 1))
    assert gate.allowed
    # the gate looks at the day: before the fee was settled the permit could not open
    assert not services.gate_check(section=section, stage="permit", on=dt.date(2024, 4, 1)).allowed


def test_fee_exempt_counts_as_settled(section: BidSection) -> None:
    walk(section, "supervision_registration")
    services.stage_record(actor=ACTOR, section=section, stage="fee", on=dt.date(2024, 5, 1), outcome="exempt")
    assert services.gate_check(section=section, stage="permit", on=dt.date(2024, 5, 2)).allowed


def test_completion_acceptance_needs_notice_seven_working_days_ahead(section: BidSection) -> None:
    last = walk(section, "structure_acceptance")
    day = last + dt.timedelta(days=30)
    late_notice = day - dt.timedelta(days=3)
    gate = services.gate_check(section=section, stage="completion_acceptance", on=day, notice_on=late_notice)
    assert [m["condition"] for m in gate.missing] == ["acceptance_notice"]
    assert services.gate_check(
        section=section, stage="completion_acceptance", on=day, notice_on=day - dt.timedelta(days=15)
    ).allowed


def test_commencement_needs_permit(section: BidSection) -> None:
    walk(section, "fee")
    with pytest.raises(ApplicationError) as refused:
        services.stage_record(actor=ACTOR, section=section, stage="commencement", on=dt.date(2024, 6, 1))
    assert [m["condition"] for m in refused.value.extra["missing"]] == ["permit"]


def test_record_is_in_the_ledger_and_idempotent(section: BidSection) -> None:
    day = dt.date(2024, 1, 2)
    doc = SimpleUploadedFile("报建.pdf", PDF, content_type="application/pdf")
    record = services.stage_record(
        actor=ACTOR,
        section=section,
        stage="registration",
        on=day,
        reference="BJ-1",
        documents=[doc],
        responsible=["王敏"],
    )
    count = LedgerEntry.objects.count()
    again = services.stage_record(actor=ACTOR, section=section, stage="registration", on=day, reference="BJ-1")
    assert again.pk == record.pk
    assert LedgerEntry.objects.count() == count
    actions = list(
        LedgerEntry.objects.filter(action__startswith="lifecycle.").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["lifecycle.stage.opened", "lifecycle.stage.completed", "lifecycle.stage.document_added"]
    document = StageDocument.objects.get()
    assert len(document.sha256) == 64
    assert document.record == record
    assert record.responsible == ["王敏"]
    with pytest.raises(ApplicationError) as conflict:
        services.stage_record(actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 3))
    assert conflict.value.code == "stage_already_completed"


def test_bad_input_is_refused_with_a_reason(section: BidSection) -> None:
    with pytest.raises(ApplicationError) as unknown:
        services.stage_record(actor=ACTOR, section=section, stage="nope", on=dt.date(2024, 1, 2))
    assert unknown.value.code == "stage_unknown"
    with pytest.raises(ApplicationError) as outcome:
        services.stage_record(actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 2), outcome="x")
    assert outcome.value.code == "outcome_invalid"
    assert not StageRecord.objects.exists()  # nothing half-written
    with pytest.raises(ApplicationError) as future:
        services.stage_record(actor=ACTOR, section=section, stage="registration", on=dt.date(2099, 1, 2))
    assert future.value.code == "date_in_future"
    bad = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(ApplicationError):
        services.stage_record(
            actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 2), documents=[bad]
        )
    assert not StageRecord.objects.exists()


def test_open_then_complete(section: BidSection) -> None:
    services.stage_open(actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 2))
    with pytest.raises(ApplicationError) as early:
        services.stage_complete(
            actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 1), outcome="passed"
        )
    assert early.value.code == "date_before_start"
    record = services.stage_complete(
        actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 5), outcome="passed"
    )
    assert record.status == "completed"


def test_failed_drawing_review_keeps_the_permit_closed(section: BidSection) -> None:
    services.stage_record(actor=ACTOR, section=section, stage="registration", on=dt.date(2024, 1, 2))
    services.stage_record(
        actor=ACTOR, section=section, stage="drawing_review", on=dt.date(2024, 1, 9), outcome="failed"
    )
    gate = services.gate_check(section=section, stage="permit", on=dt.date(2024, 3, 1))
    assert "drawing_review" in [m["condition"] for m in gate.missing]


def test_extreme_dates_are_refused_not_crashed(section: BidSection) -> None:
    with pytest.raises(ApplicationError) as early:
        services.stage_record(actor=ACTOR, section=section, stage="registration", on=dt.date(1, 1, 1))
    assert early.value.code == "date_too_early"
    with pytest.raises(ApplicationError):
        services.gate_check(section=section, stage="permit", on=dt.date(9999, 12, 31))
    gate = services.gate_check(
        section=section, stage="completion_acceptance", on=dt.date(2024, 1, 1), notice_on=dt.date(1, 1, 1)
    )
    assert "acceptance_notice" not in [m["condition"] for m in gate.missing]
