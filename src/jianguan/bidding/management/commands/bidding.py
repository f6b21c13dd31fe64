"""`jianguan bidding screen BIDS.csv --out TENDERS.csv`: bid-rigging screens per tender.

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
    help = "Bid-rigging analysis: `screen` computes the statistical screens of every tender in a bids file."

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

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            count = screen_file(options["bids"], options["out"], engine=options["engine"])
        except BidsFileInvalid as error:
            messages = error.messages()
            raise CommandError(f"{messages['zh-hans']}\n{messages['en']}") from error
        self.stdout.write(f"{count} tenders screened into {options['out']} in {time.perf_counter() - started:.1f}s")
