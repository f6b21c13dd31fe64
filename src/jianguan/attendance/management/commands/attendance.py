"""``jianguan attendance evaluate --month YYYY-MM`` and ``jianguan attendance absent [--date D]``."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jianguan.attendance.duty import absence_warnings, attendance_evaluate


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError:
        raise CommandError(f"--month must look like 2026-10 / 月份格式应为 2026-10: {text!r}") from None


class Command(BaseCommand):
    help = "Attendance duty evaluation and lending leads / 关键岗位人员在岗考核与挂证线索"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("evaluate", help="evaluate a month's duty and raise warnings")
        evaluate.add_argument("--month", required=True, help="YYYY-MM")
        absent = sub.add_parser("absent", help="daily absence warnings")
        absent.add_argument("--date", help="YYYY-MM-DD (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "evaluate":
            month = _month(options["month"])

            def progress(items: Any) -> Any:
                return tqdm(items, desc=f"{month:%Y-%m}", file=sys.stderr, leave=False)

            result = attendance_evaluate(month=month, progress=progress)
            self.stdout.write(
                f"{month:%Y-%m}: {result.evaluated} posts evaluated, {result.shortfalls} short of the rule, "
                f"{result.warnings} new warnings; leads: "
                + ", ".join(f"{k} {v}" for k, v in sorted(result.leads.items()))
            )
        else:
            try:
                day = dt.date.fromisoformat(options["date"]) if options.get("date") else None
            except ValueError:
                raise CommandError("--date must look like 2026-11-02 / 日期格式应为 2026-11-02") from None
            self.stdout.write(f"{absence_warnings(today=day)} new absence warnings")
