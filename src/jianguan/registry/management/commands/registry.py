"""`jianguan registry expiries`: report certificates running out or expired, and key people not
registered with the enterprise they act for, to the ledger (and so to the command centre)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jianguan.registry.expiries import expiries_scan


class Command(BaseCommand):
    help = "Base registry jobs: `expiries` reports certificates running out and unregistered key people."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        expiries = sub.add_parser("expiries", help="write expiry events and raise warnings (idempotent)")
        expiries.add_argument("--today", help="the day to judge by, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: {exc}") from None
        with tqdm(total=None, desc="scanning", unit="event", file=self.stderr) as bar:
            result = expiries_scan(today=today, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.expiring} certificates expiring, {result.expired} expired, "
                f"{result.not_registered} key people not registered with their enterprise reported"
            )
        )
