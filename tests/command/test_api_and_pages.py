"""The command centre through the API and the web pages, and who sees what."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jianguan.command.models import Alert, Task
from jianguan.command.services import warning_raise
from jianguan.core.models import Jurisdiction, User
from tests.command.conftest import png
from tests.factories import TEST_PASSWORD, UserFactory, department

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_api_cycle(alert: Alert, operator: User, admin_officer: User) -> None:
    listing = api(operator).get("/api/v1/command/warnings/?status=active").json()
    assert [row["id"] for row in listing["results"]] == [alert.pk]
    assert listing["results"][0]["kind_label"]
    created = api(operator).post(
        f"/api/v1/command/warnings/{alert.pk}/dispatch/",
        {"department": "sysadmin", "assignee": admin_officer.username, "instructions": "请核查"},
        format="json",
    )
    assert created.status_code == 201, created.content
    task_id = created.json()["id"]
    assert api(admin_officer).post(f"/api/v1/command/tasks/{task_id}/accept/").status_code == 200
    report = api(admin_officer).post(
        f"/api/v1/command/tasks/{task_id}/report/", {"text": "已核查", "attachment": png()}, format="multipart"
    )
    assert report.status_code == 200, report.content
    reviewed = api(operator).post(
        f"/api/v1/command/tasks/{task_id}/review/", {"accepted": True, "text": "同意"}, format="json"
    )
    assert reviewed.json()["status"] == "closed"
    assert api(operator).get(f"/api/v1/command/warnings/{alert.pk}/").json()["status"] == "closed"


def test_departments_see_only_their_warnings(
    alert: Alert, quality_officer: User, admin_officer: User, operator: User
) -> None:
    assert api(quality_officer).get("/api/v1/command/warnings/").json()["count"] == 0
    assert api(quality_officer).get(f"/api/v1/command/warnings/{alert.pk}/").status_code == 404
    assert api(admin_officer).get("/api/v1/command/warnings/").json()["count"] == 1
    assert (
        api(admin_officer)
        .post(
            f"/api/v1/command/warnings/{alert.pk}/dispatch/",
            {"department": "sysadmin", "instructions": "x"},
            format="json",
        )
        .status_code
        == 403
    )


def test_district_officers_do_not_see_other_districts(
    operator: User, wujiagang: Jurisdiction, admin_officer: User
) -> None:
    warning_raise(
        kind="core.account_locked",
        subject_type="core.user",
        subject_id="zz",
        subject_label="zz",
        jurisdiction=wujiagang,
        params={"username": "zz", "ip_address": "?"},
    )
    assert api(operator).get("/api/v1/command/warnings/").json()["count"] == 1
    assert api(admin_officer).get("/api/v1/command/warnings/").json()["count"] == 0  # admin_officer is in 西陵区


def test_bad_input_is_named(alert: Alert, operator: User) -> None:
    response = api(operator).post(
        f"/api/v1/command/warnings/{alert.pk}/dispatch/", {"department": "nowhere", "instructions": ""}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"department", "instructions"}
    assert api(operator).get("/api/v1/command/warnings/?severity=extreme").status_code == 400


def test_lists_have_bounded_queries(operator: User, xiling: Jurisdiction, django_assert_max_num_queries: Any) -> None:
    for i in range(20):
        warning_raise(
            kind="core.account_locked",
            subject_type="core.user",
            subject_id=f"u{i}",
            subject_label=f"u{i}",
            jurisdiction=xiling,
            params={"username": f"u{i}", "ip_address": "?"},
        )
    client = api(operator)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/command/warnings/").status_code == 200
    page = web(operator)
    with django_assert_max_num_queries(15):
        assert page.get("/command/warnings/").status_code == 200


def test_pages_cycle(alert: Alert, operator: User, admin_officer: User) -> None:
    command = web(operator)
    page = command.get("/command/warnings/").content.decode()
    assert "多次登录失败导致账号锁定" in page
    detail = command.get(f"/command/warnings/{alert.pk}/").content.decode()
    assert "派发任务" in detail
    assert "command.warning_policy" in detail
    sysadmin = department("sysadmin")
    response = command.post(
        f"/command/warnings/{alert.pk}/dispatch/",
        {"department": sysadmin.pk, "assignee": "", "instructions": "请核查", "deadline": "2099-01-01"},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    officer = web(admin_officer)
    assert "签收任务" in officer.get(f"/command/tasks/{task.pk}/").content.decode()
    officer.post(f"/command/tasks/{task.pk}/accept/")
    officer.post(f"/command/tasks/{task.pk}/report/", {"text": "已处理", "attachment": png()})
    task.refresh_from_db()
    assert task.status == "reported"
    response = command.post(f"/command/tasks/{task.pk}/review/", {"decision": "accept", "text": "同意"}, follow=True)
    assert "审核意见已记录" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "closed"
    download = command.get(f"/command/tasks/{task.pk}/attachments/{task.actions.get(kind='report').pk}/")
    assert download.status_code == 200


def test_dispatch_form_errors_are_shown_not_crashes(alert: Alert, operator: User) -> None:
    response = web(operator).post(
        f"/command/warnings/{alert.pk}/dispatch/",
        {"department": "abc", "instructions": "", "deadline": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert "请修正派发表单" in response.content.decode()
    assert not Task.objects.exists()


def test_a_task_page_is_refused_to_other_departments(
    alert: Alert, operator: User, quality_officer: User, city: Jurisdiction
) -> None:
    from jianguan.command.services import warning_dispatch

    task = warning_dispatch(actor=operator, alert=alert, department=department("sysadmin"), instructions="查")
    assert web(quality_officer).get(f"/command/tasks/{task.pk}/").status_code == 404
    outsider = UserFactory(username="nobody", jurisdiction=city)
    assert web(outsider).get("/command/warnings/").status_code == 403
