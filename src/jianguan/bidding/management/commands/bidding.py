"""`jianguan bidding screen BIDS.csv --out TENDERS.csv`: bid-rigging screens per tender;
`jianguan bidding import FEED.json|FEED.csv`: tenders from the trading centre; `jianguan bidding leads`:
reassess every tender and refresh the leads.

BIDS has ``tender_id, bidder, amount`` and optional ``winner`` (0/1); TENDERS gets one row per tender:
``tender_id, n_bids, cv, spd, kurt, skew, diffp, rd, rdnor, ks, risk`` (empty where a screen is
undefined, e.g. fewer than three bids). These column names are a published contract (docs/api.md).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jianguan.bidding.errors import BidsFileInvalid
from jianguan.bidding.screens import screen_file
from jianguan.lake.engines import ENGINES


class Command(BaseCommand):
    help = (
        "Bid-rigging analysis: `screen` computes the statistical screens of every tender in a bids file; "
        "`import` loads a trading-centre feed; `leads` refreshes the leads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        screen = sub.add_parser(
            "screen",
            help="screens per tender (CV, SPD, KURT, SKEW, DIFFP, RD, RDNOR, KS) and the risk score",
            description="Reads BIDS (tender_id, bidder, amount[, winner]) and writes one row per tender.",
        )
        screen.add_argument("bids", type=Path, metavar="BIDS.csv")
        screen.add_argument("--out", type=Path, required=True, metavar="TENDERS.csv")
        screen.add_argument("--engine", choices=ENGINES, default=None, help="analytics engine (default: settings)")
        feed = sub.add_parser("import", help="import tenders from a trading-centre feed (JSON or CSV)")
        feed.add_argument("feed", type=Path, metavar="FEED")
        sub.add_parser("leads", help="reassess every tender and refresh the leads")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options["feed"])
            return
        if options["action"] == "leads":
            from jianguan.bidding.services import leads_refresh

            result = leads_refresh(actor="system:cli")
            self.stdout.write(f"{result['leads']} leads ({result['removed']} removed)")
            return
        started = time.perf_counter()
        try:
            count = screen_file(options["bids"], options["out"], engine=options["engine"])
        except BidsFileInvalid as error:
            messages = error.messages()
            raise CommandError(f"{messages['zh-hans']}\n{messages['en']}") from error
        self.stdout.write(f"{count} tenders screened into {options['out']} in {time.perf_counter() - started:.1f}s")

    def _import(self, path: Path) -> None:
        from jianguan.bidding.services import leads_refresh, parse_feed, tenders_import
        from jianguan.core.errors import ApplicationError

        try:
            tenders = parse_feed(path.read_bytes(), filename=path.name)
        except OSError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except ApplicationError as error:
            messages = error.messages()
            raise CommandError(f"{messages['zh-hans']}\n{messages['en']}") from error
        report = tenders_import(actor="system:cli", tenders=tenders)
        for problem in report.errors:
            self.stderr.write(f"{problem['tender']}: {problem['messages']['zh-hans']} / {problem['messages']['en']}")
        result = leads_refresh(actor="system:cli")
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.errors)} refused; {result['leads']} leads"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} tenders refused")
