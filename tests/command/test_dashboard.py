"""The dashboard: every module's panels, scoped, in a bounded number of queries; drawn and
refreshed in a real browser."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from jianguan.command.selectors import alert_summary
from jianguan.command.services import warning_dispatch, warning_raise
from jianguan.core.dashboards import dashboard_data, panels_for
from jianguan.core.demo_framework import DEMO_PASSWORD, demo_build
from jianguan.core.models import Jurisdiction, User
from tests.browser import chromium
from tests.factories import DeviceFactory, UserFactory, department


def _raise_many(where: list[Jurisdiction], n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        warning_raise(
            kind="core.account_locked",
            subject_type="core.user",
            subject_id=f"u{i}",
            subject_label=f"u{i}",
            jurisdiction=where[i % len(where)],
            params={"username": f"u{i}", "ip_address": "?"},
        )


@pytest.mark.django_db
def test_panels_follow_permissions(operator: User, city: Jurisdiction) -> None:
    codes = [panel.code for panel in panels_for(operator)]
    # the city figures the operator may see come first, in the order, then the warnings
    figures = ["registry.active_sites", "attendance.key_person_rate", "supervision.rectification_closure"]
    figures += ["concrete.pass_rate", "licensing.decided_within_time"]
    visible = [code for code in figures if code in codes]
    assert codes[: len(visible)] == visible
    assert codes[len(visible)] == "command.open_warnings"
    assert codes.index("command.open_warnings") < codes.index("command.task_closure")
    assert "core.devices" in codes
    nobody = UserFactory(username="plain", jurisdiction=city)
    assert panels_for(nobody) == []


@pytest.mark.django_db
def test_dashboard_figures(operator: User, xiling: Jurisdiction, wujiagang: Jurisdiction, admin_officer: User) -> None:
    _raise_many([xiling, wujiagang], 6)
    DeviceFactory(jurisdiction=xiling)
    data = {panel["code"]: panel["data"] for panel in dashboard_data(operator)}
    assert data["command.open_warnings"]["value"] == 6
    assert sum(item["value"] for item in data["command.warnings_by_severity"]["items"]) == 6
    assert sum(data["command.warnings_by_age"]["series"][0]["data"]) == 6
    points = {point["name"]: point["value"] for point in data["command.warnings_map"]["points"]}
    assert points == {"西陵区": 3, "伍家岗区": 3}
    assert data["core.devices"]["series"][0]["data"] == [1]
    from jianguan.command.models import Alert

    warning_dispatch(actor=operator, alert=Alert.objects.first(), department=department("sysadmin"), instructions="查")
    closure = {panel["code"]: panel["data"] for panel in dashboard_data(operator)}["command.task_closure"]
    assert (closure["value"], closure["note"]) == (0.0, "0/1")


@pytest.mark.django_db
def test_dashboard_api_has_bounded_queries(
    operator: User, xiling: Jurisdiction, wujiagang: Jurisdiction, django_assert_max_num_queries: Any
) -> None:
    _raise_many([xiling, wujiagang], 5)
    client = APIClient()
    client.force_authenticate(operator)
    # every module adds panels: at most three queries each, and none more when the data grows
    with django_assert_max_num_queries(3 * len(panels_for(operator))) as few:
        assert client.get("/api/v1/command/dashboard/").status_code == 200
    _raise_many([xiling, wujiagang], 60, start=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/command/dashboard/").status_code == 200


@pytest.mark.django_db
def test_district_scope_on_the_dashboard(xiling: Jurisdiction, wujiagang: Jurisdiction) -> None:
    _raise_many([xiling, wujiagang], 4)
    district_command = UserFactory(
        username="cmd.xl", jurisdiction=xiling, department=department("command"), roles=["command_operator"]
    )
    data = {panel["code"]: panel["data"] for panel in dashboard_data(district_command)}
    assert data["command.open_warnings"]["value"] == 2
    assert {point["name"] for point in data["command.warnings_map"]["points"]} == {"西陵区"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_and_refreshes_itself(live_server: Any, artifacts_dir: Path) -> None:
    demo_build(scale="tiny", seed=2015, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    # other modules' demo steps leave warnings of their own open
    baseline = alert_summary(user=User.objects.get(username="command"))["total"]
    _raise_many(list(Jurisdiction.objects.exclude(parent=None).order_by("code")[:5]), 12)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "command")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/workbench/")
        page.goto(f"{live_server.url}/command/?refresh=2")
        page.wait_for_selector("section[data-code='command.warnings_map'] svg")
        assert page.locator("section[data-code='command.open_warnings'] .figure-value").inner_text() == str(
            baseline + 12
        )
        assert page.locator("section[data-code='command.warnings_by_kind'] svg").count() == 1
        _raise_many(list(Jurisdiction.objects.exclude(parent=None).order_by("code")[5:7]), 3, start=100)
        page.wait_for_function("document.getElementById('dashboard').dataset.refreshes >= '1'", timeout=15000)
        page.wait_for_function(
            "document.querySelector(\"section[data-code='command.open_warnings'] .figure-value\").textContent"
            f" === '{baseline + 15}'"
        )
        page.screenshot(path=str(artifacts_dir / "command-dashboard.png"), full_page=True)
        assert "/command/" in page.url  # refreshed in place, no reload
