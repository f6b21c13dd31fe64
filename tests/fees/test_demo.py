"""The demo city's fee books: planted area growth and unjustified reliefs are found, clean projects are not."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from jianguan.command.models import Alert
from jianguan.core.demo_framework import demo_build
from jianguan.core.ledger import ledger_verify
from jianguan.fees.models import Assessment, FeeFile, Flag, Relief
from jianguan.fees.services import fees_check
from jianguan.lifecycle.models import StageRecord

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


def test_demo_fees_and_planted_discrepancies() -> None:
    demo_build(scale="tiny", seed=2015, today=TODAY, out=io.StringIO(), show_progress=False)
    files = FeeFile.objects.all()
    assert files.count() >= 10
    # every project whose stage 6 was completed is settled on that day, paid or exempt
    settled = StageRecord.objects.filter(stage="fee", status="completed").values_list(
        "bid_section__project_id", flat=True
    )
    assert set(files.filter(settled_on__isnull=False).values_list("project_id", flat=True)) == set(settled)
    assert files.filter(status="exempt").exists()
    kinds = set(Flag.objects.values_list("kind", flat=True))
    assert {"area_grew", "relief_no_policy", "relief_use_not_qualifying", "relief_exceeds_policy"} <= kinds
    # the flagged reliefs are exactly the reliefs the policy does not support
    flagged_reliefs = set(Flag.objects.filter(kind__startswith="relief_").values_list("fee_file_id", flat=True))
    unsupported = set(Relief.objects.exclude(status="matched").values_list("fee_file_id", flat=True))
    assert flagged_reliefs == unsupported
    assert Relief.objects.filter(status="matched").exists()
    # every area flag has a completion or permit area beyond the tolerance; clean recalculations are not flagged
    grew = set(Flag.objects.filter(kind="area_grew").values_list("project_id", flat=True))
    recalculated = set(Assessment.objects.filter(kind="completion").values_list("fee_file__project_id", flat=True))
    assert recalculated - grew, "some completed projects must be clean"
    for assessment in Assessment.objects.filter(kind="completion").select_related("fee_file"):
        initial = assessment.fee_file.assessments.get(kind="initial")
        growth = (assessment.basis_area - initial.basis_area) / initial.basis_area
        if assessment.fee_file.project_id not in grew:
            assert growth <= 0.005
    # the planted growth left its supplementary demand unpaid, so the discount rate shows it
    for file in files.filter(project_id__in=grew, assessments__kind="completion"):
        assert file.discount_rate > 0
    assert not Flag.objects.filter(kind="permit_before_fee").exists()
    assert Alert.objects.filter(source="fees").count() == Flag.objects.count()
    # running the check again finds nothing new
    assert fees_check(today=TODAY).total == 0
    ledger_verify()
