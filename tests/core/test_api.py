"""The API's contract: one error shape in two languages, pagination, OpenAPI, local docs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from jianguan.core.models import User
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(city_operator: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(city_operator)
    return client


def test_malformed_json_is_a_400_with_both_languages(client: APIClient, xiling: Any) -> None:
    device = DeviceFactory(jurisdiction=xiling)
    response = client.post(f"/api/v1/devices/{device.pk}/suspend/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert set(error["messages"]) == {"zh-hans", "en"}


def test_validation_errors_name_the_field(client: APIClient, xiling: Any) -> None:
    device = DeviceFactory(jurisdiction=xiling)
    response = client.post(f"/api/v1/devices/{device.pk}/suspend/", {}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "reason" in error["fields"]
    assert error["messages"]["zh-hans"] != error["messages"]["en"]


def test_business_errors_carry_their_code(client: APIClient, xiling: Any) -> None:
    device = DeviceFactory(jurisdiction=xiling)
    assert client.post(f"/api/v1/devices/{device.pk}/suspend/", {"reason": "故障"}, format="json").status_code == 200
    again = client.post(f"/api/v1/devices/{device.pk}/suspend/", {"reason": "故障"}, format="json")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "device_already_suspended"
    assert device.serial in error["messages"]["zh-hans"]
    assert device.serial in error["messages"]["en"]


def test_language_follows_accept_language(client: APIClient, xiling: Any) -> None:
    response = client.get("/api/v1/devices/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == response.json()["error"]["messages"]["en"]
    response = client.get("/api/v1/devices/999999/")
    assert response.json()["error"]["message"] == response.json()["error"]["messages"]["zh-hans"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?page=999", 404),
        ("?page=abc", 404),
        ("?kind=nonsense", 400),
        ("?jurisdiction=12", 400),
        ("?page_size=-1", 200),  # ignored: the default page size applies
    ],
)
def test_bad_list_parameters_are_not_500(client: APIClient, query: str, status: int) -> None:
    response = client.get(f"/api/v1/devices/{query}")
    assert response.status_code == status
    if status >= 400:
        assert set(response.json()["error"]["messages"]) == {"zh-hans", "en"}


def test_lists_are_paginated(client: APIClient, xiling: Any) -> None:
    for _ in range(7):
        DeviceFactory(jurisdiction=xiling)
    body = client.get("/api/v1/devices/?page_size=3").json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["next"]


def test_openapi_schema_describes_the_api(client: APIClient) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/devices/" in schema["paths"]
    assert "/api/v1/ledger/verify/" in schema["paths"]


def test_api_docs_use_only_local_assets() -> None:
    page = APIClient().get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    external = [url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", page) if re.match(r"(https?:)?//", url)]
    assert external == []


def test_secrets_never_leave_through_reads(client: APIClient, xiling: Any) -> None:
    device = DeviceFactory(jurisdiction=xiling, secret="top-secret-value")
    assert "top-secret-value" not in client.get(f"/api/v1/devices/{device.pk}/").content.decode()
    assert "top-secret-value" not in client.get("/api/v1/devices/").content.decode()
