"""`jianguan sync pull --source URL|FILE`: apply the provincial data centre's registry feed.

Each batch is applied whole or not at all, the cursor is stored with it, and the run's report
(rejected records with reasons, conflicts and how they were settled) is kept as a ``SyncRun``
(page ``/registry/sync/``) and can be written as JSON with ``--report``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jianguan.core.models import User
from jianguan.registry.exchange.models import SyncCursor
from jianguan.registry.exchange.sync import SyncFailed, sync_pull


class Command(BaseCommand):
    help = "Provincial registry sync: `pull --source URL|FILE [--report FILE]`, `status`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pull = sub.add_parser("pull", help="fetch the feed and apply it incrementally")
        pull.add_argument("--source", required=True, help="http(s) URL of the feed or a JSON file")
        pull.add_argument("--report", type=Path, default=None, help="write the run's report (JSON) here")
        pull.add_argument("--actor", default="system:sync", help="ledger actor label or a username")
        pull.add_argument("--timeout", type=float, default=60)
        sub.add_parser("status", help="the stored cursor of each source")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            for row in SyncCursor.objects.order_by("source"):
                self.stdout.write(f"{row.source}\t{row.cursor or '—'}\t{row.updated_at:%Y-%m-%d %H:%M}")
            return
        actor: Any = User.objects.filter(username=options["actor"]).first() or options["actor"]
        with tqdm(unit="batch", desc="sync", disable=options["verbosity"] < 1) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                run = sync_pull(options["source"], actor=actor, timeout=options["timeout"], progress=progress)
            except SyncFailed as failure:
                raise CommandError(f"{failure.render('zh-hans')}\n{failure.render('en')}") from failure
        counts = run.counts
        self.stdout.write(
            f"{run.source}: {run.from_cursor or '—'} → {run.to_cursor or run.from_cursor or '—'};"
            f" {counts.get('batches', 0)} batches ({counts.get('batches_skipped', 0)} already applied),"
            f" {counts.get('created', 0)} created, {counts.get('updated', 0)} updated,"
            f" {counts.get('unchanged', 0)} unchanged, {counts.get('rejected', 0)} rejected,"
            f" {len(run.conflicts)} conflicts (run {run.pk})"
        )
        if options["report"]:
            report = {
                "source": run.source,
                "from_cursor": run.from_cursor,
                "to_cursor": run.to_cursor,
                "counts": counts,
                "rejected": run.rejected,
                "conflicts": run.conflicts,
            }
            options["report"].write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
