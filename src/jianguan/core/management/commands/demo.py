"""`jianguan demo`: build the demo city (every module's part, in order) and serve it."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from jianguan.core.demo_framework import SCALES, DemoError, demo_build
from jianguan.core.models import Jurisdiction


def _reset_database(stdout: Any) -> None:
    """Wipe the database (and its ledger anchors): only for a demo, never in production."""
    if settings.PRODUCTION:
        raise CommandError("--reset is refused in production (JIANGUAN_ENV=production)")
    name = settings.DATABASES["default"]["NAME"]
    anchors = Path(settings.LEDGER_ANCHOR_FILE)
    if anchors.exists():
        identity = f"{connection.vendor}:{settings.DATABASES['default'].get('HOST') or ''}:{name}"
        kept = [line for line in anchors.read_text().splitlines(keepends=True) if not line.rstrip().endswith(identity)]
        anchors.write_text("".join(kept))
    if connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        stdout.write(f"removed {name}")
        return
    call_command("migrate", interactive=False, verbosity=0)
    settings.LEDGER_ALLOW_FLUSH = True
    call_command("flush", interactive=False, verbosity=0)
    stdout.write(f"flushed database {name}")


class Command(BaseCommand):
    help = "Build the demo city with planted violations, print the demo accounts, and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="city")
        parser.add_argument("--seed", type=int, default=2015)
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="the demo's today (YYYY-MM-DD)")
        parser.add_argument("--reset", action="store_true", help="wipe the database first (not in production)")
        parser.add_argument("--no-serve", action="store_true", help="build only")
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["reset"]:
            _reset_database(self.stdout)
        call_command("migrate", interactive=False, verbosity=0)
        if Jurisdiction.objects.exists():
            raise CommandError("the database already holds data; run with --reset to rebuild the demo city")
        self.stdout.write(f"building the demo city (scale {options['scale']}, seed {options['seed']})")
        try:
            ctx = demo_build(
                scale=options["scale"],
                seed=options["seed"],
                today=options["today"],
                out=self.stdout,
                show_progress=not options["quiet"],
            )
        except DemoError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"demo city built in {time.perf_counter() - started:.1f}s"))
        self.stdout.write("\n演示账号 / demo accounts:")
        width = max(len(account.username) for account in ctx.accounts)
        for account in ctx.accounts:
            self.stdout.write(f"  {account.username.ljust(width)}  {account.password}  {account.description}")
        if not options["no_serve"]:
            call_command("serve", bind=options["bind"])
