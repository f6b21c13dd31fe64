"""The chain of custody: sampled with chips and a witness, received by the lab, crushed on a press
that signs its raw readings; strengths computed from the load; everything that does not fit is
flagged with the raw records; batches judged per GB/T 50107 and failures warned."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jianguan.command.models import Alert
from jianguan.concrete import custody
from jianguan.concrete.models import BatchVerdict, CustodyFlag, PressReading, SpecimenGroup
from jianguan.core import errors
from jianguan.core.models import Device, Jurisdiction
from jianguan.core.signing import sign_request
from tests.factories import DeviceFactory, JurisdictionFactory
from tests.registry.factories import Section, make_enterprise, make_person, make_section

pytestmark = pytest.mark.django_db
PATH = "/api/v1/concrete/press/readings/"
T0 = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def site(db: None) -> Section:
    city = JurisdictionFactory(code="420500", name="宜昌市", level=Jurisdiction.Level.CITY)
    JurisdictionFactory(code="420502", name="西陵区", parent=city)
    return make_section()


@pytest.fixture
def press(site: Section) -> Device:
    return DeviceFactory(
        serial="PRESS-01",
        kind=Device.Kind.LAB_PRESS,
        protocol=Device.Protocol.SIGNED_HTTP,
        jurisdiction=site.section.jurisdiction,
        secret="press-secret",
    )


def _sample(site: Section, n: int, **data: Any) -> SpecimenGroup:
    lab = data.pop("lab", None) or make_enterprise("testing", name="宜昌检测中心")
    return custody.group_sample(
        actor="system:test",
        section=site.section,
        lab=lab,
        witness=site.chief,
        chips=[f"E200{n:04d}{k}" for k in range(3)],
        data={"pour_location": "3#楼二层梁板", "grade": "C30", "mix_code": "P1", "sampled_at": T0, **data},
    )


def _post(press: Device, readings: list[dict[str, Any]]) -> Any:
    body = json.dumps({"readings": readings}, default=str).encode()
    headers = sign_request(serial=press.serial, secret="press-secret", method="POST", path=PATH, body=body)
    return APIClient().post(PATH, data=body, content_type="application/json", headers=headers)


def _reading(chip: str, load: str, at: dt.datetime, rate: str = "0.6", **extra: Any) -> dict[str, Any]:
    return {"chip_id": chip, "peak_load_kn": load, "loading_rate": rate, "tested_at": at.isoformat(), **extra}


def test_sampling_rules(site: Section) -> None:
    with pytest.raises(errors.ValidationFailed):
        custody.group_sample(
            actor="x",
            section=site.section,
            lab=make_enterprise("testing"),
            witness=site.chief,
            chips=["A", "A", "B"],
            data={"pour_location": "x", "grade": "C30"},
        )
    with pytest.raises(errors.ValidationFailed) as caught:
        custody.group_sample(
            actor="x",
            section=site.section,
            lab=make_enterprise("testing"),
            witness=make_person(),
            chips=["A", "B", "C"],
            data={"pour_location": "x", "grade": "C30"},
        )
    assert caught.value.code == "witness_not_supervisor"
    group = _sample(site, 1)
    with pytest.raises(errors.Conflict):
        _sample(site, 1)
    assert group.specimens.count() == 3


def test_strength_is_computed_from_the_load_and_the_group_is_judged(site: Section, press: Device) -> None:
    group = _sample(site, 1)
    chips = list(group.specimens.values_list("chip_id", flat=True))
    assert custody.group_receive(actor="system:lab", group=group, chips_read=chips) == []
    at = T0 + dt.timedelta(days=28)
    # 150 mm cubes: 855 kN → 38.0 MPa, 870.75 → 38.7, 900 → 40.0
    answer = _post(
        press,
        [
            _reading(chips[0], "855", at),
            _reading(chips[1], "870.75", at + dt.timedelta(minutes=5)),
            _reading(chips[2], "900", at + dt.timedelta(minutes=10)),
        ],
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["stored"] == 3
    group.refresh_from_db()
    assert [s.strength_tenths for s in group.specimens.order_by("position")] == [380, 387, 400]
    assert (group.status, group.value_tenths) == ("tested", 389)
    verdict = BatchVerdict.objects.get()
    assert verdict.n_groups == 1
    assert verdict.method == "non_statistical"
    assert verdict.passed is (389 >= 345)  # λ3 1.15 × 30 = 34.5
    assert "38.9" in verdict.explanation_zh
    # re-sent readings are stored once
    again = _post(press, [_reading(chips[0], "855", at)])
    assert again.json()["duplicates"] == 1
    assert PressReading.objects.count() == 3
    assert not CustodyFlag.objects.exists()


def test_what_does_not_fit_is_flagged_and_a_failing_batch_warned(site: Section, press: Device) -> None:
    group = _sample(site, 2)
    chips = list(group.specimens.values_list("chip_id", flat=True))
    custody.group_receive(actor="system:lab", group=group, chips_read=[chips[0], chips[1], "E2FOREIGN"])
    at = T0 + dt.timedelta(days=31)  # outside 28 d ± 20 h
    answer = _post(
        press,
        [
            _reading(chips[0], "600", at, reported_strength="31.5"),  # 600 kN → 26.7 MPa, reported 31.5
            _reading(chips[1], "610", at + dt.timedelta(seconds=10)),  # 27 s of loading needed
            _reading(chips[2], "620", at + dt.timedelta(minutes=5), rate="2.5"),
            _reading("E2UNKNOWN", "700", at + dt.timedelta(minutes=9)),
            {"chip_id": "BAD", "peak_load_kn": "x", "loading_rate": "0.5", "tested_at": at.isoformat()},
        ],
    )
    body = answer.json()
    assert (body["stored"], len(body["refused"])) == (4, 1)
    assert "Reading 5" in body["refused"][0]["messages"]["en"]
    kinds = sorted(CustodyFlag.objects.values_list("kind", flat=True))
    assert kinds.count("chip_mismatch") == 2  # foreign chip at receipt; chip 3 not read
    for kind in ("age_window", "result_mismatch", "press_too_fast", "loading_rate", "unknown_chip"):
        assert kind in kinds, kind
    mismatch = CustodyFlag.objects.get(kind="result_mismatch")
    assert mismatch.detail["computed"] == "26.7"
    assert mismatch.detail["reported"] == "31.5"
    verdict = BatchVerdict.objects.get()
    assert not verdict.passed
    warning = Alert.objects.get(kind="concrete.batch_failed")
    assert warning.subject_id == str(site.section.pk)
    assert warning.department.code == "quality"
    assert Alert.objects.filter(kind="concrete.custody_flag").exists()


def test_only_presses_may_upload(site: Section) -> None:
    terminal = DeviceFactory(
        serial="HH-9", kind=Device.Kind.HANDHELD, jurisdiction=site.section.jurisdiction, secret="s"
    )
    body = json.dumps({"readings": []}).encode()
    headers = sign_request(serial=terminal.serial, secret="s", method="POST", path=PATH, body=body)
    answer = APIClient().post(PATH, data=body, content_type="application/json", headers=headers)
    assert answer.status_code == 403
    assert APIClient().post(PATH, data=body, content_type="application/json").status_code in {401, 403}


def test_cube_strength_rounding() -> None:
    assert custody.cube_strength_tenths(Decimal("870.75"), 150) == 387
    assert custody.cube_strength_tenths(Decimal("400"), 100) == 400
    assert timezone.is_aware(T0)


def test_demo_step_plants_what_the_checks_find(site: Section) -> None:
    import io

    from jianguan.concrete.demo import build
    from jianguan.core.demo_framework import SCALES, DemoContext

    make_section()
    build(
        DemoContext(scale=SCALES["tiny"], seed=1, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    )
    assert SpecimenGroup.objects.filter(status="tested").count() >= 12
    verdicts = dict(BatchVerdict.objects.values_list("batch_id", "passed"))
    assert verdicts[f"{site.section.code}-C30-P1"] is False  # the planted weak batch
    assert any(verdicts.values())
    kinds = set(CustodyFlag.objects.values_list("kind", flat=True))
    assert {"chip_mismatch", "result_mismatch", "press_too_fast", "age_window"} <= kinds
