"""`jianguan ledger verify` recomputes the chain; `jianguan ledger anchor` records its head."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jianguan.core.ledger import ledger_anchor, ledger_triggers_present, ledger_verify
from jianguan.core.models import LedgerEntry


class Command(BaseCommand):
    help = "Verify the ledger's hash chain, or anchor its head outside the database."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute every hash; name the first broken entry")
        sub.add_parser("anchor", help="append the chain's head to the anchor file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "anchor":
            head = ledger_anchor()
            self.stdout.write("ledger is empty" if head is None else f"anchored entry {head[0]} {head[1]}")
            return
        total = LedgerEntry.objects.count()
        with tqdm(total=total, desc="verifying", unit="entry", disable=total < 10000, file=self.stderr) as bar:
            result = ledger_verify(progress=bar.update)
        if not ledger_triggers_present():
            self.stderr.write("warning: the append-only triggers are missing; run `jianguan migrate`")
        if not result.ok:
            raise CommandError(f"ledger broken at entry {result.broken_seq}: {result.reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"ledger intact: {result.checked} entries, head #{result.head_seq} {result.head_hash}, "
                f"{result.anchors_checked} anchors checked"
            )
        )
