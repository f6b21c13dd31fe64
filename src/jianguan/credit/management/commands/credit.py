"""`jianguan credit catalogue check FILE`: check a behaviour catalogue before it is loaded.

Prints the catalogue's version and counts, or every reason it would be refused (in Chinese and
English) and exits with status 1. `jianguan credit catalogue publish FILE --by USERNAME` stores it
as a new version (in the ledger, by a user allowed to publish catalogue versions);
`jianguan credit standings [--day YYYY-MM-DD]` runs the daily recompute now.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from jianguan.core.errors import MESSAGE_LANGUAGES
from jianguan.credit.catalogue import CatalogueInvalid, load_catalogue, shipped_catalogue_path
from jianguan.credit.errors import CATALOGUE_REFUSED_COUNT as CATALOGUE_REFUSED
from jianguan.credit.errors import problem_message


class Command(BaseCommand):
    help = "Credit: `catalogue check FILE` checks a behaviour catalogue (default: the shipped one)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="area", required=True)
        catalogue = sub.add_parser("catalogue", help="the behaviour catalogue")
        actions = catalogue.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="check a catalogue file and summarise it")
        check.add_argument("file", type=Path, nargs="?", default=None, metavar="CATALOGUE.json")
        publish = actions.add_parser("publish", help="store a catalogue file as a new version")
        publish.add_argument("file", type=Path, metavar="CATALOGUE.json")
        publish.add_argument("--by", required=True, metavar="USERNAME", help="the credit office's user")
        standings = sub.add_parser("standings", help="compute every subject's standing for a day")
        standings.add_argument("--day", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["area"] == "standings":
            self._standings(options["day"])
            return
        if options["action"] == "publish":
            self._publish(options["file"], options["by"])
            return
        path: Path = options["file"] or shipped_catalogue_path()
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            catalogue = load_catalogue(data)
        except CatalogueInvalid as invalid:
            lines = []
            for language in MESSAGE_LANGUAGES:
                with translation.override(language):
                    lines.append(str(CATALOGUE_REFUSED % {"problems": len(invalid.problems)}))
                    lines += [f"  {problem_message(p.reason, p.params)}" for p in invalid.problems]
            raise CommandError("\n".join(lines)) from invalid
        kinds = Counter(item.kind.value for item in catalogue.items.values())
        self.stdout.write(
            f"{path}: catalogue {catalogue.version} ({catalogue.title}), effective {catalogue.effective_from}:"
            f" {len(catalogue.items)} items ({kinds['bad']} bad, {kinds['good']} good)"
            f" for {len(catalogue.subject_types)} subject types"
        )
        for entry in catalogue.subject_types.values():
            count = len(catalogue.items_for(entry.code))
            self.stdout.write(f"  {entry.prefix}  {count:>3} items  codes: {entry.code_source}  {entry.name}")

    def _publish(self, path: Path, username: str) -> None:
        from jianguan.core.errors import ApplicationError
        from jianguan.core.models import User
        from jianguan.credit.services import catalogue_publish

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None or not user.has_perm("credit.add_catalogueversion"):
            raise CommandError(f"{username}: no active user allowed to publish catalogue versions")
        try:
            version = catalogue_publish(actor=user, document=path.read_bytes())
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        except ApplicationError as error:
            raise CommandError("\n".join(error.messages().values())) from error
        self.stdout.write(f"catalogue {version.version} published, effective {version.effective_from}")

    def _standings(self, day: dt.date | None) -> None:
        from jianguan.credit.services import standings_recompute

        distribution = standings_recompute(day=day)
        self.stdout.write(f"{sum(distribution.values())} subjects: {dict(sorted(distribution.items()))}")
