"""Press readings reach the lake's ``concrete_press`` table: once each, however often they are sent,
and none lost when the lake cannot be written at the time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable

from jianguan.concrete import outbox
from jianguan.concrete.models import PressReading
from jianguan.core.models import Device
from jianguan.lake.store import table_uri
from tests.concrete.test_custody import T0, _post, _reading, _sample
from tests.registry.factories import Section

pytestmark = pytest.mark.django_db


def _lake_rows() -> Any:
    frame = DeltaTable(table_uri("concrete_press")).to_pandas()
    return frame.sort_values(["ts", "specimen"]).reset_index(drop=True)


def _upload(
    press: Device, chips: list[str], start: dt.datetime, loads: tuple[str, ...] = ("855", "870.75", "900")
) -> Any:
    readings = [
        _reading(chip, load, start + dt.timedelta(minutes=5 * k))
        for k, (chip, load) in enumerate(zip(chips, loads, strict=True))
    ]
    return _post(press, readings)


def test_readings_are_written_to_the_lake_once(
    site: Section,
    press: Device,
    django_capture_on_commit_callbacks: Any,
) -> None:
    group = _sample(site, 1)
    chips = list(group.specimens.values_list("chip_id", flat=True))
    at = T0 + dt.timedelta(days=28)
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(press, chips, at).json()["stored"] == 3
    rows = _lake_rows()
    assert list(rows["specimen"]) == chips
    assert list(rows["load_kn"]) == [855.0, 870.75, 900.0]
    assert list(rows["strength_mpa"]) == [38.0, 38.7, 40.0]  # computed from the load, as in the database
    assert set(rows["device"]) == {press.serial}
    assert set(rows["lab"]) == {group.lab.uscc}
    assert set(rows["size_mm"]) == {150}
    assert not PressReading.objects.filter(lake_batch="").exists()

    # the press sends the same readings again, and one new one from an unknown chip
    with django_capture_on_commit_callbacks(execute=True):
        again = _post(press, [_reading(chips[0], "855", at), _reading("E2UNKNOWN", "700", at + dt.timedelta(hours=1))])
    assert again.json() == {"stored": 1, "duplicates": 1, "refused": []}
    rows = _lake_rows()
    assert len(rows) == 4
    assert (
        rows.set_index("specimen").loc["E2UNKNOWN", "strength_mpa"]
        != rows.set_index("specimen").loc["E2UNKNOWN", "strength_mpa"]
    )  # NaN: no cube

    # marking lost after the lake's commit (a worker killed in between): sent again, stored once
    PressReading.objects.update(lake_batch="")
    assert outbox.readings_to_lake() == 4
    assert len(_lake_rows()) == 4


def test_a_lake_that_cannot_be_written_loses_nothing(
    site: Section,
    press: Device,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    group = _sample(site, 2)
    chips = list(group.specimens.values_list("chip_id", flat=True))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lake should be")
    good_lake = settings.LAKE_URI
    settings.LAKE_URI = str(blocker / "lake")
    with django_capture_on_commit_callbacks(execute=True):
        answer = _upload(press, chips, T0 + dt.timedelta(days=28))
    assert answer.status_code == 200
    assert answer.json()["stored"] == 3  # acknowledged: the readings are in the database
    assert outbox.waiting() == 3
    with pytest.raises(Exception):  # noqa: B017, PT011 — whatever the file system says
        outbox.readings_to_lake()
    assert outbox.waiting() == 3

    settings.LAKE_URI = good_lake  # the lake is back: the next run sends them
    assert outbox.readings_to_lake() == 3
    assert outbox.waiting() == 0
    assert sorted(_lake_rows()["specimen"]) == sorted(chips)


def test_the_outbox_is_drained_in_chunks_with_their_own_batches(site: Section, press: Device) -> None:
    for n in range(3):
        group = _sample(site, 10 + n)
        chips = list(group.specimens.values_list("chip_id", flat=True))
        _upload(press, chips, T0 + dt.timedelta(days=28, hours=n))
    assert outbox.waiting() == 9
    assert outbox.readings_to_lake(chunk=4) == 9
    batches = set(PressReading.objects.values_list("lake_batch", flat=True))
    assert len(batches) == 3
    lake = DeltaTable(table_uri("concrete_press")).to_pandas()
    assert len(lake) == 9
    assert set(lake["batch"]) == batches
