"""The forgery signals on the demo city: the labs' year of records with forgeries planted at some
labs, kept in the database as the chain of custody keeps them; the nightly job finds them from the
database. Precision and recall per signal and overall, with lower bounds that hold for this size
(pass_line needs more batches per lab than the tiny city has: see docs/benchmarks.md)."""

from __future__ import annotations

import datetime as dt
import io
import time

import pandas as pd
import pytest
from deltalake import DeltaTable

from jianguan.command.models import Alert
from jianguan.concrete.demo import build_labs, history, planted
from jianguan.concrete.models import ForgeryLead, PressReading
from jianguan.concrete.signals import score
from jianguan.core.demo_framework import SCALES, DemoContext
from jianguan.lake.store import table_uri
from tests.registry.factories import Section, make_section

pytestmark = pytest.mark.django_db


def _leads() -> pd.DataFrame:
    rows = ForgeryLead.objects.filter(active=True).values_list("signal", "labs", "press__serial")
    return pd.DataFrame(list(rows), columns=["signal", "lab_id", "press_serial"]).fillna("")


def test_the_signals_find_the_demo_citys_planted_forgeries(site: Section) -> None:
    make_section()
    ctx = DemoContext(scale=SCALES["tiny"], seed=1, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    started = time.perf_counter()
    build_labs(ctx)
    assert time.perf_counter() - started < 120
    truth = planted(ctx)
    assert len(truth) == 6
    scores = {s.signal: s for s in score(_leads(), truth)}
    leads = sum(s.leads for s in scores.values())
    right = sum(s.true_leads for s in scores.values())
    found = sum(s.found for s in scores.values())
    assert right / leads >= 0.9, scores  # overall precision
    assert found / len(truth) >= 4 / 6, scores  # overall recall
    for signal in ("low_variance", "digit_preference", "upload_before_test", "shared_press"):
        assert (scores[signal].precision, scores[signal].recall) == (1.0, 1.0), scores[signal]
    assert scores["pass_line"].precision == 1.0
    assert scores["repeated_values"].precision == 1.0

    # honest look-alikes are not named
    data = history(ctx)
    codes = {p.lab_id: q.lab_id for p, q in zip(data.planted, truth, strict=True)}
    assert codes  # the truth speaks of the labs by their credit codes
    named = " ".join(ForgeryLead.objects.values_list("labs", flat=True))
    assert data.decoys["sold_press"] not in set(ForgeryLead.objects.values_list("press__serial", flat=True))

    # each lead has its evidence, in both languages, and a warning for the quality station
    for lead in ForgeryLead.objects.all():
        assert lead.evidence_rows >= 1
        assert lead.evidence, lead
        assert lead.summary_zh != lead.summary_en
        assert all(row["detail_en"] for row in lead.evidence)
    assert Alert.objects.filter(kind="concrete.forgery_lead").count() == ForgeryLead.objects.count()
    assert named

    # every reading is in the lake's concrete_press table, once
    lake = DeltaTable(table_uri("concrete_press")).to_pandas(columns=["device", "ts", "specimen"])
    assert len(lake) == PressReading.objects.count() == 3 * len(data.groups)
    assert not lake.duplicated().any()

    # the nightly job again over the same records: nothing new, no second warning
    from jianguan.concrete.leads import forgery_leads_run

    before = (ForgeryLead.objects.count(), Alert.objects.filter(kind="concrete.forgery_lead").count())
    assert forgery_leads_run(engine="duckdb").new == 0
    assert (ForgeryLead.objects.count(), Alert.objects.filter(kind="concrete.forgery_lead").count()) == before
