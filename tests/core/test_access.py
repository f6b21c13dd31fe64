"""Scoping: a district officer can neither read nor change another district's objects, through
selectors, the API or the web UI; a city officer sees the whole city."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jianguan.core import errors, selectors
from jianguan.core.access import mask_id_number, mask_phone, scope_for, scope_queryset
from jianguan.core.models import Device, Jurisdiction, LedgerEntry, User
from tests.factories import TEST_PASSWORD, DeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def devices(xiling: Jurisdiction, wujiagang: Jurisdiction) -> dict[str, Device]:
    return {
        "xiling": DeviceFactory(serial="XL-001", jurisdiction=xiling),
        "wujiagang": DeviceFactory(serial="WJG-001", jurisdiction=wujiagang),
    }


def api_as(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web_as(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_scope_of_district_city_and_others(
    xiling_inspector: User, city_operator: User, xiling: Jurisdiction, city: Jurisdiction
) -> None:
    assert scope_for(xiling_inspector).jurisdiction_ids == {xiling.pk}
    assert scope_for(city_operator).jurisdiction_ids == set(Jurisdiction.objects.values_list("pk", flat=True))
    enterprise = UserFactory(kind=User.Kind.ENTERPRISE, jurisdiction=xiling)
    assert scope_queryset(Jurisdiction.objects.all(), enterprise, field="pk").count() == 0
    inactive = UserFactory(jurisdiction=city, is_active=False)
    assert not scope_for(inactive).covers(city.pk)
    assert scope_for(UserFactory(is_superuser=True)).everything


def test_selectors_only_return_the_users_district(
    xiling_inspector: User, city_operator: User, devices: dict[str, Device]
) -> None:
    assert list(selectors.device_list(user=xiling_inspector)) == [devices["xiling"]]
    assert set(selectors.device_list(user=city_operator)) == set(devices.values())
    assert selectors.access_device_by_id(xiling_inspector, devices["xiling"].pk) == devices["xiling"]
    with pytest.raises(errors.NotFound):
        selectors.access_device_by_id(xiling_inspector, devices["wujiagang"].pk)
    with pytest.raises(errors.NotFound):
        selectors.access_device_by_id(xiling_inspector, "not-a-number")


def test_user_without_permission_is_refused(city: Jurisdiction, devices: dict[str, Device]) -> None:
    credit = UserFactory(jurisdiction=city, roles=["credit_officer"])
    with pytest.raises(errors.PermissionDenied):
        selectors.device_list(user=credit)


def test_api_hides_other_districts(xiling_inspector: User, devices: dict[str, Device]) -> None:
    client = api_as(xiling_inspector)
    listing = client.get("/api/v1/devices/").json()
    assert [row["serial"] for row in listing["results"]] == ["XL-001"]
    assert client.get(f"/api/v1/devices/{devices['xiling'].pk}/").status_code == 200
    response = client.get(f"/api/v1/devices/{devices['wujiagang'].pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/devices/{devices['wujiagang'].pk}/audit/").status_code == 404
    assert client.get("/api/v1/devices/?jurisdiction=420503").json()["count"] == 0


def test_api_refuses_changes_to_other_districts(xiling_head: User, devices: dict[str, Device]) -> None:
    client = api_as(xiling_head)
    before = LedgerEntry.objects.count()
    response = client.post(f"/api/v1/devices/{devices['wujiagang'].pk}/suspend/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    devices["wujiagang"].refresh_from_db()
    assert devices["wujiagang"].status == Device.Status.ACTIVE
    assert LedgerEntry.objects.count() == before

    own = client.post(f"/api/v1/devices/{devices['xiling'].pk}/suspend/", {"reason": "拆除"}, format="json")
    assert own.status_code == 200
    assert own.json()["status"] == "suspended"
    assert LedgerEntry.objects.filter(action="core.device.suspended").count() == 1


def test_api_refuses_registering_in_other_districts(xiling_head: User, devices: dict[str, Device]) -> None:
    body = {
        "serial": "NEW-1",
        "kind": "attendance_terminal",
        "protocol": "zkteco_push",
        "name": "新终端",
        "jurisdiction": "420503",
    }
    response = api_as(xiling_head).post("/api/v1/devices/create/", body, format="json")
    assert response.status_code == 400
    assert "jurisdiction" in response.json()["error"]["fields"]
    created = api_as(xiling_head).post("/api/v1/devices/create/", {**body, "jurisdiction": "420502"}, format="json")
    assert created.status_code == 201
    assert len(created.json()["secret"]) == 48


def test_inspector_without_suspend_permission_gets_403_in_own_district(
    xiling_inspector: User, devices: dict[str, Device]
) -> None:
    response = api_as(xiling_inspector).post(f"/api/v1/devices/{devices['xiling'].pk}/suspend/", {"reason": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_ui_hides_other_districts(xiling_inspector: User, devices: dict[str, Device]) -> None:
    client = web_as(xiling_inspector)
    page = client.get("/system/devices/").content.decode()
    assert "XL-001" in page
    assert "WJG-001" not in page
    assert client.get(f"/system/devices/{devices['xiling'].pk}/").status_code == 200
    assert client.get(f"/system/devices/{devices['wujiagang'].pk}/").status_code == 404


def test_ui_refuses_changes_to_other_districts(xiling_head: User, devices: dict[str, Device]) -> None:
    client = web_as(xiling_head)
    response = client.post(f"/system/devices/{devices['wujiagang'].pk}/suspend/", {"reason": "x"})
    assert response.status_code == 404
    devices["wujiagang"].refresh_from_db()
    assert devices["wujiagang"].status == Device.Status.ACTIVE
    response = client.post(f"/system/devices/{devices['xiling'].pk}/suspend/", {"reason": "设备故障"}, follow=True)
    assert response.status_code == 200
    devices["xiling"].refresh_from_db()
    assert devices["xiling"].status == Device.Status.SUSPENDED
    assert "设备故障" in response.content.decode()  # the audit trail on the detail page shows it


def test_anonymous_is_kept_out(devices: dict[str, Device]) -> None:
    assert APIClient().get("/api/v1/devices/").status_code in (401, 403)
    response = Client().get("/system/devices/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_city_operator_sees_every_district(city_operator: User, devices: dict[str, Device]) -> None:
    listing = api_as(city_operator).get("/api/v1/devices/").json()
    assert {row["serial"] for row in listing["results"]} == {"XL-001", "WJG-001"}


def test_device_list_makes_a_bounded_number_of_queries(
    city_operator: User, city: Jurisdiction, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        DeviceFactory(jurisdiction=city)
    client = api_as(city_operator)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/devices/").status_code == 200


def test_masking() -> None:
    assert mask_id_number("42050219800101123X") == "420502********123X"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("123") == "***"
