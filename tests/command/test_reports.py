"""Weekly and monthly supervision reports: figures for a period, PDF and Excel, archived once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from jianguan.command import services
from jianguan.command.models import Alert, Report
from jianguan.command.reports import period_bounds, previous_period, report_data, report_generate, reports_generate_due
from jianguan.core import errors
from jianguan.core.models import Jurisdiction, LedgerEntry, User
from tests.command.conftest import png
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
D = dt.date


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_periods() -> None:
    assert period_bounds("week", D(2026, 11, 25)) == (D(2026, 11, 23), D(2026, 11, 30))
    assert period_bounds("month", D(2026, 12, 31)) == (D(2026, 12, 1), D(2027, 1, 1))
    assert previous_period("week", D(2026, 11, 23)) == (D(2026, 11, 16), D(2026, 11, 23))
    assert previous_period("month", D(2026, 1, 5)) == (D(2025, 12, 1), D(2026, 1, 1))


@pytest.fixture
def history(
    city: Jurisdiction, xiling: Jurisdiction, wujiagang: Jurisdiction, operator: User, head: User, admin_officer: User
) -> None:
    """Three warnings in the week of 16 Nov 2026: one closed in the week, one dismissed, one left open."""
    week = D(2026, 11, 16)
    made = []
    for i, place in enumerate([xiling, xiling, wujiagang]):
        alert, _ = services.warning_raise(
            kind="core.account_locked",
            subject_type="core.user",
            subject_id=f"w{i}",
            subject_label=f"w{i}",
            jurisdiction=place,
            params={"username": f"w{i}", "ip_address": "?"},
            at=_at(week + dt.timedelta(days=i)),
        )
        made.append(alert)
    Alert.objects.filter(pk=made[2].pk).update(deadline=_at(D(2026, 11, 18), 18))
    services.warning_dismiss(actor=operator, alert=made[1], reason="测试账号")
    Alert.objects.filter(pk=made[1].pk).update(closed_at=_at(D(2026, 11, 19)))
    task = services.warning_dispatch(
        actor=operator,
        alert=made[0],
        department=admin_officer.department,
        instructions="查",
        deadline=timezone.now() + dt.timedelta(days=3),
    )
    services.task_report(actor=admin_officer, task=task, text="已处理", upload=png())
    services.task_review(actor=operator, task=task, accepted=True, text="同意")
    Alert.objects.filter(pk=made[0].pk).update(closed_at=_at(D(2026, 11, 20), 10))


def test_figures_for_a_week(history: None, city: Jurisdiction, xiling: Jurisdiction) -> None:
    data = report_data(period="week", start=D(2026, 11, 18), jurisdiction=city)
    assert (data.start, data.end) == (D(2026, 11, 16), D(2026, 11, 23))
    figures = data.figures
    assert (figures["raised"], figures["closed"], figures["dismissed"]) == (3, 1, 1)
    assert (figures["open_at_end"], figures["overdue_at_end"]) == (1, 1)
    assert figures["mean_disposal_hours"] == 96.0
    assert [alert.subject_label for alert in data.overdue] == ["w2"]
    assert {row[0]: row[1] for row in data.by_district} == {"西陵区": 2, "伍家岗区": 1}
    district = report_data(period="week", start=D(2026, 11, 18), jurisdiction=xiling)
    assert district.figures["raised"] == 2
    earlier = report_data(period="week", start=D(2026, 11, 9), jurisdiction=city)
    assert earlier.figures["raised"] == 0


@pytest.mark.slow
def test_generated_report_is_archived_once_with_pdf_and_excel(
    history: None, city: Jurisdiction, operator: User
) -> None:
    report = report_generate(actor=operator, period="week", start=D(2026, 11, 16), jurisdiction=city)
    text = "".join(page.extract_text() for page in PdfReader(report.pdf.open("rb")).pages).replace(" ", "")
    assert "周监管报告" in text
    assert "多次登录失败导致账号锁定" in text
    book = load_workbook(report.xlsx.open("rb"))
    assert book.sheetnames[:4] == ["概况", "按类型", "按辖区", "已超期"]
    assert book["概况"]["B3"].value == 3
    entry = LedgerEntry.objects.get(action="command.report.generated")
    assert entry.data["pdf_sha256"] == report.pdf_sha256
    with pytest.raises(errors.Conflict):
        report_generate(actor=operator, period="week", start=D(2026, 11, 18), jurisdiction=city)


def test_unfinished_periods_are_refused(city: Jurisdiction, operator: User) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        report_generate(actor=operator, period="month", start=timezone.localdate(), jurisdiction=city)
    assert caught.value.code == "period_not_over"


@pytest.mark.slow
def test_the_daily_job_fills_in_missing_reports(city: Jurisdiction) -> None:
    made = reports_generate_due(today=D(2026, 11, 25))
    assert {(r.period, r.start, r.jurisdiction.code) for r in made} >= {
        ("week", D(2026, 11, 16), "420500"),
        ("month", D(2026, 10, 1), "420500"),
        ("week", D(2026, 11, 16), "420502"),
    }
    assert reports_generate_due(today=D(2026, 11, 25)) == []


@pytest.mark.slow
def test_report_pages(history: None, operator: User, quality_officer: User, settings: Any) -> None:
    client = Client()
    client.login(username=operator.username, password=TEST_PASSWORD)
    city = Jurisdiction.objects.get(code="420500")
    response = client.post("/command/reports/", {"period": "week", "day": "2026-11-18", "jurisdiction": city.pk})
    assert response.status_code == 302
    report = Report.objects.get()
    assert client.get(f"/command/reports/{report.pk}/pdf/")["Content-Type"] == "application/pdf"
    assert client.get(f"/command/reports/{report.pk}/xlsx/").status_code == 200
    again = client.post(
        "/command/reports/", {"period": "week", "day": "2026-11-20", "jurisdiction": city.pk}, follow=True
    )
    assert "已存在" in again.content.decode()
    other = Client()
    other.login(username=quality_officer.username, password=TEST_PASSWORD)
    assert other.get("/command/reports/").status_code == 403
    assert other.get(f"/command/reports/{report.pk}/pdf/").status_code == 403
