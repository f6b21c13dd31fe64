"""The command centre's periodic jobs."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jianguan.command.services import tasks_escalate_overdue, warning_raise
from jianguan.core.ledger import ledger_verify
from jianguan.core.models import Jurisdiction


@db_periodic_task(crontab(minute="*/15"))
def escalate_overdue_tasks() -> None:
    """Every quarter hour: escalate dispatched tasks past their deadline."""
    tasks_escalate_overdue()


@db_periodic_task(crontab(hour="2", minute="30"))
def verify_ledger_nightly() -> None:
    """Every night: recompute the ledger's chain; a broken link is a critical warning."""
    ledger_check_and_warn()


def ledger_check_and_warn() -> bool:
    result = ledger_verify()
    if result.ok:
        return True
    city = Jurisdiction.objects.filter(parent__isnull=True).order_by("code").first()
    if city is not None:
        warning_raise(
            kind="core.ledger_broken",
            subject_type="core.ledgerentry",
            subject_id=str(result.broken_seq),
            subject_label=f"#{result.broken_seq}",
            jurisdiction=city,
            params={"seq": result.broken_seq, "reason": result.reason},
            condition_key="core.ledger_broken",
        )
    return False


@db_periodic_task(crontab(hour="6", minute="10"))
def generate_due_reports() -> None:
    """Every morning: archive last week's and last month's reports that are still missing."""
    from jianguan.command.reports import reports_generate_due

    reports_generate_due()
