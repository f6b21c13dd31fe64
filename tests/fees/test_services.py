"""Assessment, reliefs, payments, recalculation and the reconciliation flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jianguan.command.models import Alert
from jianguan.core import errors
from jianguan.core.ledger import ledger_verify
from jianguan.core.models import LedgerEntry, User
from jianguan.fees import selectors, services
from jianguan.fees.models import Basis, FeeFile, Flag, Relief
from jianguan.lifecycle.models import StageRecord
from jianguan.registry.models import BidSection, Project
from tests.factories import UserFactory
from tests.fees.conftest import ACTOR, DAY, planning, registered
from tests.registry.factories import make_project, make_section


def test_assessment_from_planning_area_by_use_zone_and_date(project: Project) -> None:
    planning(project)  # 10,000 above + 3,000 below − 2,000 civil air defence = 11,000 m²
    assessment = services.assessment_make(actor=ACTOR, project=project, on=DAY)
    assert assessment.basis_area == Decimal("11000.00")
    assert assessment.zone == "1"  # 西陵区
    assert assessment.rate == Decimal("130.00")  # residential, zone 1, 2025 schedule
    assert assessment.standard == Decimal("1430000.00")
    assert "2025" in assessment.schedule
    assert assessment.decision["rule"] == "fees.supporting_fee"
    file = FeeFile.objects.get(project=project)
    assert (file.status, file.due, file.discount_rate) == ("assessed", Decimal("1430000.00"), Decimal("1.0000"))
    assert LedgerEntry.objects.filter(action="fees.assessment.made", object_id=str(assessment.pk)).exists()


def test_rates_follow_the_effective_date(city: object) -> None:
    earlier = make_project()
    planning(earlier, on=dt.date(2024, 6, 1))
    assessment = services.assessment_make(actor=ACTOR, project=earlier, on=dt.date(2024, 6, 3))
    assert assessment.rate == Decimal("120.00")  # the 2020 schedule, in force until 2024-12-31
    too_early = make_project()
    planning(too_early, on=dt.date(2019, 6, 1))
    with pytest.raises(errors.ValidationFailed) as caught:
        services.assessment_make(actor=ACTOR, project=too_early, on=dt.date(2019, 6, 3))
    assert caught.value.code == "fee_no_rate"


def test_assessment_needs_the_planning_area(project: Project) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.assessment_make(actor=ACTOR, project=project, on=DAY)
    assert caught.value.code == "fee_no_planning_area"
    assert "规划许可" in caught.value.render("zh-hans")
    assert not FeeFile.objects.exists()


def test_area_checks(project: Project, section: BidSection) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        planning(project, below="1000", cad="1500")
    assert caught.value.code == "civil_air_defence_too_large"
    other = make_section().section
    with pytest.raises(errors.ValidationFailed) as caught:
        services.area_record(
            actor=ACTOR,
            project=project,
            basis=Basis.PERMIT,
            above_ground=1,
            measured_on=DAY,
            document="x",
            bid_section=other,
        )
    assert caught.value.code == "section_not_in_project"


def test_sections_add_up_and_a_later_document_replaces(project: Project, section: BidSection) -> None:
    for above, day in (("5000", dt.date(2025, 4, 1)), ("5200", dt.date(2025, 4, 9))):
        services.area_record(
            actor=ACTOR,
            project=project,
            basis=Basis.PERMIT,
            above_ground=above,
            below_ground="800",
            civil_air_defence="300",
            measured_on=day,
            document=f"许可{day}",
            bid_section=section,
        )
    area = services.project_area(project, Basis.PERMIT)
    assert area is not None
    assert area.levied == Decimal("5700.00")


def test_payment_settles_the_fee_and_completes_stage_six(project: Project, section: BidSection) -> None:
    registered(section)
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    services.payment_record(actor=ACTOR, project=project, amount="430000.00", paid_on=DAY, receipt="FS-1")
    file = FeeFile.objects.get(project=project)
    assert (file.status, file.discount_rate) == ("part_paid", Decimal("0.6993"))
    assert not StageRecord.objects.filter(bid_section=section, stage="fee").exists()
    services.payment_record(
        actor=ACTOR, project=project, amount="1000000.00", paid_on=DAY + dt.timedelta(days=2), receipt="FS-2"
    )
    file.refresh_from_db()
    assert (file.status, file.discount_rate, file.settled_on) == ("paid", Decimal("0.0000"), DAY + dt.timedelta(days=2))
    record = StageRecord.objects.get(bid_section=section, stage="fee")
    assert (record.status, record.outcome, record.reference) == ("completed", "passed", "FS-2")
    with pytest.raises(errors.Conflict):
        services.payment_record(actor=ACTOR, project=project, amount="1.00", paid_on=DAY, receipt="FS-2")
    ledger_verify()


def test_payment_stands_when_the_stage_line_refuses(project: Project, section: BidSection) -> None:
    planning(project)  # no registration recorded: the gate of stage 6 refuses
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    services.payment_record(actor=ACTOR, project=project, amount="1430000.00", paid_on=DAY, receipt="FS-9")
    assert FeeFile.objects.get(project=project).status == "paid"
    assert not StageRecord.objects.filter(bid_section=section, stage="fee").exists()


def test_bad_amounts_are_refused(project: Project) -> None:
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    for amount in ("0", "-5", "1.005", "abc", "NaN"):
        with pytest.raises(errors.ValidationFailed):
            services.payment_record(actor=ACTOR, project=project, amount=amount, paid_on=DAY, receipt=f"R{amount}")
    with pytest.raises(errors.ValidationFailed) as caught:
        services.payment_record(
            actor=ACTOR, project=project, amount="10.00", paid_on=DAY - dt.timedelta(days=1), receipt="early"
        )
    assert caught.value.code == "paid_before_assessed"


def test_policy_relief_half_rate_for_a_kindergarten(city: object, approver: User) -> None:
    project = make_project(function="kindergarten")
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    relief = services.relief_grant(
        actor=approver, project=project, code="kindergarten", document="宜城配减〔2025〕3号", on=DAY
    )
    assert relief.status == Relief.Status.MATCHED
    assert "幼儿园" in relief.policy
    file = FeeFile.objects.get(project=project)
    assert (file.standard, file.due, file.relieved) == (
        Decimal("1210000.00"),
        Decimal("605000.00"),
        Decimal("605000.00"),
    )  # public use zone 1: 110 yuan/m²
    assert services.fees_check(today=DAY).total == 0
    assert not Flag.objects.exists()


def test_exemption_settles_stage_six_as_exempt(city: object, approver: User) -> None:
    section = make_section().section
    project = section.project
    Project.objects.filter(pk=project.pk).update(function="affordable")
    project.refresh_from_db()
    registered(section)
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    services.relief_grant(
        actor=approver, project=project, code="public_rental_housing", document="公租房认定〔2025〕1号", on=DAY
    )
    file = FeeFile.objects.get(project=project)
    assert (file.status, file.due, file.discount_rate, file.settled_on) == (
        "exempt",
        Decimal("0.00"),
        Decimal("1.0000"),
        DAY,
    )
    assert StageRecord.objects.get(bid_section=section, stage="fee").outcome == "exempt"


@pytest.mark.parametrize(
    ("function", "code", "share", "kind", "warning"),
    [
        ("commercial", "kindergarten", None, "relief_use_not_qualifying", "fees.relief_use_not_qualifying"),
        ("commercial", "investment_attraction", "0.3", "relief_no_policy", "fees.relief_no_policy"),
        ("kindergarten", "kindergarten", "1", "relief_exceeds_policy", "fees.relief_exceeds_policy"),
    ],
)
def test_unjustified_reliefs_are_flagged_and_warned(
    city: object, approver: User, function: str, code: str, share: str | None, kind: str, warning: str
) -> None:
    project = make_project(function=function)
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    if share is None:  # a use that does not qualify: the share must be stated
        with pytest.raises(errors.ValidationFailed) as caught:
            services.relief_grant(actor=approver, project=project, code=code, document="会议纪要〔2025〕8号", on=DAY)
        assert caught.value.code == "fee_relief_share_required"
        share = "0.5"
    with pytest.raises(errors.ValidationFailed) as caught:
        services.relief_grant(actor=approver, project=project, code=code, document="会议纪要", share=share, on=DAY)
    assert caught.value.code == "fee_relief_reason_required"
    relief = services.relief_grant(
        actor=approver,
        project=project,
        code=code,
        document="会议纪要〔2025〕8号",
        share=share,
        reason="招商引资",
        on=DAY,
    )
    assert relief.status == kind.removeprefix("relief_")
    flag = Flag.objects.get(project=project)
    assert flag.kind == kind
    assert flag.params["approver"] == "张建国"
    alert = Alert.objects.get(kind=warning)
    assert alert.subject_id == str(project.pk)
    # the daily check does not raise it twice
    services.fees_check(today=DAY)
    assert Flag.objects.filter(project=project).count() == 1
    assert Alert.objects.filter(kind=warning).count() == 1


def test_only_approvers_grant_relief(project: Project, city: object) -> None:
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    reader = UserFactory(username="reader", jurisdiction=city, roles=["command_operator"])
    with pytest.raises(errors.PermissionDenied):
        services.relief_grant(actor=reader, project=project, code="kindergarten", document="x", on=DAY)


def test_completion_recalculation_and_area_growth(project: Project, section: BidSection) -> None:
    registered(section)
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    services.payment_record(actor=ACTOR, project=project, amount="1430000.00", paid_on=DAY, receipt="FS-3")
    services.area_record(
        actor=ACTOR,
        project=project,
        basis=Basis.COMPLETION,
        above_ground="10800",
        below_ground="3000",
        civil_air_defence="2000",
        measured_on=dt.date(2026, 5, 6),
        document="竣测2026-17",
    )
    flag = Flag.objects.get(project=project, kind="area_grew")
    assert flag.params["delta"] == "800.00"
    assert Alert.objects.filter(kind="fees.area_grew", subject_id=str(project.pk)).exists()
    completion = services.assessment_recalculate(actor=ACTOR, project=project, on=dt.date(2026, 5, 8))
    assert completion.basis_area == Decimal("11800.00")
    assert completion.rate == Decimal("130.00")  # the first assessment's rates
    assert completion.supplementary == Decimal("104000.00")  # 800 m² × 130
    file = FeeFile.objects.get(project=project)
    assert file.standard == Decimal("1534000.00")
    assert file.status == "part_paid"
    assert file.discount_rate == Decimal("0.0678")  # 1 − 1,430,000 / 1,534,000
    comparison = {row.basis: row for row in selectors.area_comparison(project)}
    assert comparison["completion_survey"].delta == Decimal("800.00")
    assert comparison["construction_permit"].area is None


def test_small_survey_differences_are_not_flagged(project: Project) -> None:
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    services.area_record(
        actor=ACTOR,
        project=project,
        basis=Basis.COMPLETION,
        above_ground="10030",
        below_ground="3000",
        civil_air_defence="2000",
        measured_on=dt.date(2026, 5, 6),
        document="竣测",
    )  # +30 m², 0.27 %: within the 0.5 % tolerance
    assert not Flag.objects.exists()


def test_permit_before_the_fee_is_flagged(project: Project, section: BidSection) -> None:
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    StageRecord.objects.create(
        bid_section=section,
        stage="permit",
        status="completed",
        started_on=DAY,
        completed_on=DAY + dt.timedelta(days=3),
        outcome="passed",
        source="import",
    )
    services.payment_record(
        actor=ACTOR, project=project, amount="1430000.00", paid_on=DAY + dt.timedelta(days=10), receipt="late"
    )
    result = services.fees_check(today=DAY + dt.timedelta(days=20))
    assert result.flags == {"permit_before_fee": 1}
    assert Alert.objects.filter(kind="fees.permit_before_fee").count() == 1


def test_permit_facts_for_licensing(project: Project, section: BidSection) -> None:
    assert selectors.permit_fee_facts(section=section, on=DAY) == {}
    planning(project)
    services.assessment_make(actor=ACTOR, project=project, on=DAY)
    facts = selectors.permit_fee_facts(section=section, on=DAY)
    assert (facts["fee_paid"], facts["fee_exempt"]) == (False, False)
    services.payment_record(
        actor=ACTOR, project=project, amount="1430000.00", paid_on=DAY + dt.timedelta(days=1), receipt="P1"
    )
    assert selectors.permit_fee_facts(section=section, on=DAY)["fee_paid"] is False  # not yet paid that day
    assert selectors.permit_fee_facts(section=section, on=DAY + dt.timedelta(days=1))["fee_paid"] is True
