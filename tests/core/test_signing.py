"""Signed device requests: the right signature passes; every kind of wrong one is refused clearly."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from jianguan.core.models import Device, DeviceNonce, Jurisdiction
from jianguan.core.signing import device_nonces_prune, sign_request
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db
PATH = "/api/v1/devices/self/"


@pytest.fixture
def device(xiling: Jurisdiction) -> Device:
    return DeviceFactory(
        serial="HH-0001", kind="handheld", protocol="signed_http", jurisdiction=xiling, secret="k3y-for-HH-0001"
    )


def _get(headers: dict[str, str], path: str = PATH) -> Any:
    return APIClient().get(path, headers=headers)


def test_a_correctly_signed_request_identifies_the_device(device: Device) -> None:
    headers = sign_request(serial="HH-0001", secret="k3y-for-HH-0001", method="GET", path=PATH)
    response = _get(headers)
    assert response.status_code == 200
    assert response.json()["serial"] == "HH-0001"


def test_body_and_query_are_covered(device: Device) -> None:
    headers = sign_request(serial="HH-0001", secret="k3y-for-HH-0001", method="GET", path=PATH + "?a=1")
    assert _get(headers, PATH + "?a=2").status_code == 401
    body = b'{"x": 1}'
    headers = sign_request(serial="HH-0001", secret="k3y-for-HH-0001", method="POST", path=PATH, body=body)
    response = APIClient().generic("POST", PATH, b'{"x": 2}', content_type="application/json", headers=headers)
    assert response.json()["error"]["code"] == "signature_invalid"


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"secret": "wrong"}, "signature_invalid", 401),
        ({"serial": "NOPE"}, "device_unknown", 401),
        ({"timestamp": int(time.time()) - 3600}, "timestamp_skew", 401),
        ({"timestamp": int(time.time()) + 3600}, "timestamp_skew", 401),
        ({"nonce": "short"}, "signature_invalid", 401),
    ],
)
def test_bad_signatures_are_refused(device: Device, change: dict[str, Any], code: str, status: int) -> None:
    arguments = {"serial": "HH-0001", "secret": "k3y-for-HH-0001", "method": "GET", "path": PATH, **change}
    response = _get(sign_request(**arguments))
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["messages"]["zh-hans"]
    assert error["messages"]["en"]


def test_missing_header_is_named(device: Device) -> None:
    headers = sign_request(serial="HH-0001", secret="k3y-for-HH-0001", method="GET", path=PATH)
    del headers["X-Nonce"]
    response = _get(headers)
    assert response.status_code == 401
    assert "X-Nonce" in response.json()["error"]["messages"]["en"]


def test_a_replay_is_refused(device: Device) -> None:
    headers = sign_request(serial="HH-0001", secret="k3y-for-HH-0001", method="GET", path=PATH)
    assert _get(headers).status_code == 200
    replay = _get(headers)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "nonce_replayed"


def test_a_suspended_device_is_refused(device: Device) -> None:
    Device.objects.filter(pk=device.pk).update(status=Device.Status.SUSPENDED)
    response = _get(sign_request(serial="HH-0001", secret="k3y-for-HH-0001", method="GET", path=PATH))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "device_suspended"


def test_unsigned_request_to_device_endpoint_is_refused(device: Device) -> None:
    assert APIClient().get(PATH).status_code in (401, 403)


def test_old_nonces_are_pruned(device: Device, settings: Any) -> None:
    _get(sign_request(serial="HH-0001", secret="k3y-for-HH-0001", method="GET", path=PATH))
    assert device_nonces_prune() == 0
    settings.DEVICE_SIGNATURE_SKEW_SECONDS = -1
    assert device_nonces_prune() == 1
    assert not DeviceNonce.objects.exists()
