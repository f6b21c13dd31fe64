"""`jianguan supervision checklists [FILE…]` loads checklist versions (the shipped ones without
files); `jianguan supervision overdue` flags open rectification orders past their deadline (the
daily job does the same); `jianguan supervision replay NUMBER` re-runs a draw from its recorded
seed and candidates and says whether the result is the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jianguan.core.errors import ApplicationError
from jianguan.supervision import domain
from jianguan.supervision.checklists import DATA_DIR, checklist_load
from jianguan.supervision.models import Draw
from jianguan.supervision.services import rectifications_flag_overdue


class Command(BaseCommand):
    help = "Supervision: load checklists, flag overdue rectifications, replay a random draw."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("checklists", help="load checklist files (default: the shipped ones)")
        load.add_argument("files", type=Path, nargs="*", metavar="CHECKLIST.json")
        sub.add_parser("overdue", help="flag rectification orders past their deadline")
        replay = sub.add_parser("replay", help="re-run a draw from its seed")
        replay.add_argument("number")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checklists":
            files = options["files"] or sorted(DATA_DIR.glob("*.json"))
            for path in files:
                try:
                    checklist, created = checklist_load(
                        text=Path(path).read_text(encoding="utf-8"), name=Path(path).name
                    )
                except OSError as error:
                    raise CommandError(f"{path}: {error.strerror}") from error
                except ApplicationError as error:
                    raise CommandError(f"{error.render('zh-hans')} / {error.render('en')}") from error
                state = "loaded" if created else "already loaded"
                self.stdout.write(f"{checklist.code} v{checklist.version}: {checklist.items.count()} items, {state}")
        elif options["action"] == "overdue":
            self.stdout.write(f"{rectifications_flag_overdue()} overdue rectification orders flagged")
        else:
            draw = Draw.objects.filter(number=options["number"]).first()
            if draw is None:
                raise CommandError(f"no draw {options['number']}")
            again = domain.draw(
                draw.candidates, seed=draw.seed, targets=draw.targets, per_target=draw.inspectors_per_target
            )
            if again != draw.result:
                raise CommandError(f"{draw.number}: the replay differs from the recorded result")
            self.stdout.write(f"{draw.number}: seed {draw.seed} reproduces the recorded result ({len(again)} targets)")
