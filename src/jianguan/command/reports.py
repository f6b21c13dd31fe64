"""Weekly and monthly supervision reports (PDF and Excel) for a jurisdiction.

A report covers a complete period — a week from Monday, or a calendar month — and is archived
once generated, with checksums, so what was reported stays what was reported. Figures come from the
command centre's warnings and tasks; every module may add a section (``REPORT_SECTIONS`` in its
``dashboard.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from jianguan.command.catalogue import KINDS
from jianguan.command.models import Alert, Report, Task, TaskAction
from jianguan.core import errors
from jianguan.core.access import jurisdiction_subtree_ids
from jianguan.core.dashboards import report_sections
from jianguan.core.documents import Column, Sheet, render_pdf, workbook_sheets_bytes
from jianguan.core.ledger import Actor, actor_identity, ledger_append
from jianguan.core.models import Jurisdiction

PERIOD_NOT_OVER = _("The period %(start)s – %(end)s is not over yet; reports cover complete periods.")
REPORT_EXISTS = _("The report for %(start)s – %(end)s already exists.")


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period (week from Monday, or calendar month) containing ``day``: [start, end)."""
    if period == Report.Period.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def previous_period(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    start, _end = period_bounds(period, today)
    return period_bounds(period, start - dt.timedelta(days=1))


@dataclass
class ReportData:
    period: str
    start: dt.date
    end: dt.date
    jurisdiction: Jurisdiction
    figures: dict[str, Any] = field(default_factory=dict)
    by_kind: list[tuple[str, int, int]] = field(default_factory=list)
    by_district: list[tuple[str, int, int]] = field(default_factory=list)
    overdue: list[Alert] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def report_data(*, period: str, start: dt.date, jurisdiction: Jurisdiction) -> ReportData:
    """The report's figures for the period starting on ``start``, over the jurisdiction and below."""
    start, end = period_bounds(period, start)
    since, until = _moment(start), _moment(end)
    places = jurisdiction_subtree_ids(jurisdiction.pk)
    alerts = Alert.objects.filter(jurisdiction_id__in=places).order_by()
    raised = list(alerts.filter(raised_at__gte=since, raised_at__lt=until).select_related("jurisdiction"))
    closed = list(alerts.filter(closed_at__gte=since, closed_at__lt=until))
    open_at_end = alerts.filter(raised_at__lt=until).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=until))
    overdue = list(
        open_at_end.filter(deadline__lt=until).select_related("jurisdiction", "department").order_by("deadline")[:100]
    )
    actions = TaskAction.objects.filter(task__jurisdiction_id__in=places, created_at__gte=since, created_at__lt=until)
    kinds_done = Counter(actions.values_list("kind", flat=True))
    dispatched = Task.objects.filter(
        jurisdiction_id__in=places, dispatched_at__gte=since, dispatched_at__lt=until
    ).count()
    disposal_hours = [
        (alert.closed_at - alert.raised_at).total_seconds() / 3600
        for alert in closed
        if alert.closed_at and alert.status == Alert.Status.CLOSED
    ]
    data = ReportData(period=period, start=start, end=end, jurisdiction=jurisdiction)
    data.figures = {
        "raised": len(raised),
        "closed": sum(1 for alert in closed if alert.status == Alert.Status.CLOSED),
        "dismissed": sum(1 for alert in closed if alert.status == Alert.Status.DISMISSED),
        "open_at_end": open_at_end.count(),
        "overdue_at_end": len(overdue),
        "critical_raised": sum(1 for alert in raised if alert.severity == Alert.Severity.CRITICAL),
        "tasks_dispatched": dispatched,
        "tasks_closed": kinds_done[TaskAction.Kind.CLOSE],
        "tasks_returned": kinds_done[TaskAction.Kind.RETURN],
        "escalations": kinds_done[TaskAction.Kind.ESCALATE],
        "mean_disposal_hours": round(sum(disposal_hours) / len(disposal_hours), 1) if disposal_hours else None,
    }
    raised_kinds = Counter(alert.kind for alert in raised)
    closed_kinds = Counter(alert.kind for alert in closed if alert.status == Alert.Status.CLOSED)
    data.by_kind = sorted(
        (
            (str(KINDS[k].label) if k in KINDS else k, raised_kinds[k], closed_kinds[k])
            for k in set(raised_kinds) | set(closed_kinds)
        ),
        key=lambda row: (-row[1], row[0]),
    )
    names = dict(Jurisdiction.objects.filter(pk__in=places).values_list("pk", "name"))
    raised_places = Counter(alert.jurisdiction_id for alert in raised)
    open_places = Counter(open_at_end.values_list("jurisdiction_id", flat=True))
    data.by_district = sorted(
        ((names[pk], raised_places[pk], open_places[pk]) for pk in set(raised_places) | set(open_places)),
        key=lambda row: (-row[1], row[0]),
    )
    data.overdue = overdue
    data.sections = [
        {"code": section.code, "title": str(section.title), **section.compute(start, end, frozenset(places))}
        for section in report_sections()
    ]
    return data


FIGURE_LABELS = {
    "raised": _("Warnings raised"),
    "closed": _("Warnings closed"),
    "dismissed": _("Warnings dismissed"),
    "open_at_end": _("Open at the end of the period"),
    "overdue_at_end": _("Past their deadline at the end of the period"),
    "critical_raised": _("Critical warnings raised"),
    "tasks_dispatched": _("Tasks dispatched"),
    "tasks_closed": _("Tasks closed"),
    "tasks_returned": _("Reports returned for more work"),
    "escalations": _("Escalations"),
    "mean_disposal_hours": _("Mean time to close a warning (hours)"),
}


def _title(data: ReportData) -> str:
    label = _("Weekly supervision report") if data.period == Report.Period.WEEK else _("Monthly supervision report")
    return f"{data.jurisdiction.name} {label} {data.start:%Y-%m-%d} – {data.end - dt.timedelta(days=1):%Y-%m-%d}"


def report_workbook(data: ReportData) -> bytes:
    title = _title(data)
    sheets = [
        Sheet(
            title,
            [Column("item", str(_("Figure")), 40), Column("value", str(_("Value")), 14)],
            [[str(FIGURE_LABELS[key]), value] for key, value in data.figures.items()],
            name=str(_("Summary of figures")),
        ),
        Sheet(
            title,
            [
                Column("kind", str(_("Warning kind")), 36),
                Column("raised", str(_("Raised in the period")), 14),
                Column("closed", str(_("Closed in the period")), 14),
            ],
            data.by_kind,
            name=str(_("By kind")),
        ),
        Sheet(
            title,
            [
                Column("place", str(_("Jurisdiction")), 24),
                Column("raised", str(_("Raised in the period")), 14),
                Column("open", str(_("Open at end")), 14),
            ],
            data.by_district,
            name=str(_("By jurisdiction")),
        ),
        Sheet(
            title,
            [
                Column("warning", str(_("Warning")), 32),
                Column("subject", str(_("Subject")), 30),
                Column("place", str(_("Jurisdiction")), 14),
                Column("department", str(_("Department")), 16),
                Column("deadline", str(_("Deadline")), 18),
            ],
            [[str(a.label), a.subject_label, a.jurisdiction.name, str(a.department), a.deadline] for a in data.overdue],
            name=str(_("Overdue")),
        ),
    ]
    for section in data.sections:
        sheets.append(
            Sheet(
                section["title"],
                [Column(str(i), str(c), 18) for i, c in enumerate(section["columns"])],
                section["rows"],
                name=section["title"][:31],
            )
        )
    return workbook_sheets_bytes(sheets)


def report_pdf(data: ReportData) -> bytes:
    figures = [(FIGURE_LABELS[key], "—" if value is None else value) for key, value in data.figures.items()]
    return render_pdf("command/report.html", {"data": data, "title": _title(data), "figures": figures})


@transaction.atomic
def report_generate(*, actor: Actor, period: str, start: dt.date, jurisdiction: Jurisdiction) -> Report:
    """Generate and archive the report of a complete period (once: a second request is refused)."""
    start, end = period_bounds(period, start)
    if end > timezone.localdate():
        raise errors.ValidationFailed(PERIOD_NOT_OVER, code="period_not_over", start=start, end=end)
    if Report.objects.filter(period=period, start=start, jurisdiction=jurisdiction).exists():
        raise errors.Conflict(REPORT_EXISTS, code="report_exists", start=start, end=end)
    with translation.override("zh-hans"):
        data = report_data(period=period, start=start, jurisdiction=jurisdiction)
        pdf = report_pdf(data)
        xlsx = report_workbook(data)
    _user_id, label = actor_identity(actor)
    stem = f"{jurisdiction.code}-{period}-{start:%Y%m%d}"
    report = Report(
        period=period,
        start=start,
        end=end,
        jurisdiction=jurisdiction,
        generated_by=label,
        summary=dict(data.figures),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        xlsx_sha256=hashlib.sha256(xlsx).hexdigest(),
    )
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    report.full_clean()
    report.save()
    ledger_append(
        actor=actor,
        action="command.report.generated",
        target=report,
        payload={
            "period": period,
            "start": start,
            "end": end,
            "jurisdiction": jurisdiction.code,
            "pdf_sha256": report.pdf_sha256,
            "xlsx_sha256": report.xlsx_sha256,
            "figures": report.summary,
        },
    )
    return report


def reports_generate_due(*, today: dt.date | None = None) -> list[Report]:
    """Generate last week's and last month's reports for the city (and each district) if missing."""
    day = today or timezone.localdate()
    made = []
    for place in Jurisdiction.objects.filter(Q(parent__isnull=True) | Q(parent__parent__isnull=True)).order_by("code"):
        for period in (Report.Period.WEEK, Report.Period.MONTH):
            start, _end = previous_period(period, day)
            if not Report.objects.filter(period=period, start=start, jurisdiction=place).exists():
                made.append(report_generate(actor="system:reports", period=period, start=start, jurisdiction=place))
    return made
