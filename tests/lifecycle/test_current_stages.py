"""``current_stages``: where each bid section is, for the supervision draw and the timelines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jianguan.core.models import Jurisdiction
from jianguan.lifecycle import services
from jianguan.lifecycle.selectors import current_stages
from tests.lifecycle.conftest import ACTOR, walk
from tests.registry.factories import make_section


def test_current_stage_of_each_section_in_one_query(city: Jurisdiction, django_assert_num_queries: Any) -> None:
    untouched = make_section().section
    commenced = make_section().section
    walk(commenced, "commencement")
    structure = make_section().section
    walk(structure, "foundation_acceptance")
    opened = make_section().section
    last = walk(opened, "structure_acceptance")
    services.stage_open(
        actor=ACTOR, section=opened, stage="completion_acceptance", on=last, notice_on=last - dt.timedelta(days=20)
    )
    failed = make_section().section
    day = walk(failed, "commencement")
    services.stage_record(actor=ACTOR, section=failed, stage="foundation_acceptance", on=day, outcome="failed")
    finished = make_section().section
    walk(finished, "archive_handover")
    ids = [s.pk for s in (untouched, commenced, structure, opened, failed, finished)]
    with django_assert_num_queries(1):
        current = current_stages(ids)
    assert current == {
        commenced.pk: "foundation_acceptance",  # commenced: the foundation is being built
        structure.pk: "structure_acceptance",
        opened.pk: "completion_acceptance",  # open: still at it
        failed.pk: "foundation_acceptance",  # failed: to be done again
        finished.pk: "archive_handover",
    }
    assert current_stages([]) == {}
