"""The registry's dashboard panels compute from the data, in the user's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jianguan.core.dashboards import dashboard_data
from jianguan.core.models import User
from jianguan.registry.models import KeyPerson
from tests.registry.factories import make_enterprise, make_person, make_section, register

pytestmark = pytest.mark.django_db


def _panels(user: User) -> dict[str, dict[str, object]]:
    return {panel["code"]: panel["data"] for panel in dashboard_data(user) if panel["code"].startswith("registry.")}


def test_registry_panels(xiling_inspector: User, wujiagang_inspector: User) -> None:
    setup = make_section()
    register(make_person(), make_enterprise(), "safety_b", valid_until=timezone.localdate() - dt.timedelta(days=2))
    KeyPerson.objects.filter(pk=setup.manager_post.pk).update(enterprise=make_enterprise())
    panels = _panels(xiling_inspector)
    kinds = {item["key"]: item["value"] for item in panels["registry.enterprises_by_kind"]["items"]}  # type: ignore[index]
    assert kinds["construction"] == 3
    assert kinds["owner"] == 1
    expiring = panels["registry.certificates_expiring"]
    assert expiring["series"][0]["data"][2] == 1  # type: ignore[index]

    assert panels["registry.key_people_not_registered"]["value"] == 1
    other = _panels(wujiagang_inspector)

    assert other["registry.key_people_not_registered"]["value"] == 0
