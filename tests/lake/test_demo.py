"""The lake's part of the demo city: quick, with data in the tables and warnings raised."""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest
from deltalake import DeltaTable

from jianguan.command.models import Alert
from jianguan.core.demo_framework import demo_build
from jianguan.lake.store import table_uri

TODAY = dt.date(2026, 11, 25)


@pytest.mark.django_db(transaction=True)
def test_tiny_demo_writes_sensor_data_and_raises_warnings(lake: Path) -> None:
    started = time.perf_counter()
    ctx = demo_build(scale="tiny", seed=7, today=TODAY, out=io.StringIO(), show_progress=False)
    assert ctx.timings["lake.sensors"] < 20
    assert time.perf_counter() - started < 60
    dust = DeltaTable(table_uri("dust_noise")).to_pandas(columns=["device", "date", "source"])
    assert dust.device.nunique() == 3
    assert set(dust.source) == {"demo"}
    assert dust.date.nunique() >= 3
    assert len(DeltaTable(table_uri("tower_crane")).to_pandas(columns=["device"])) == 3 * 600
    assert len(DeltaTable(table_uri("attendance")).to_pandas(columns=["device"])) > 0
    assert len(DeltaTable(table_uri("quarantine")).to_pandas(columns=["reason_code"])) == 3
    kinds = set(Alert.objects.filter(source="lake").values_list("kind", flat=True))
    assert kinds == {"lake.dust_exceedance", "lake.noise_exceedance", "lake.device_silent"}
    silent = Alert.objects.filter(kind="lake.device_silent")
    assert [a.params["device"] for a in silent] == ["JGDEMO0000000000000003"], [a.params for a in silent]
