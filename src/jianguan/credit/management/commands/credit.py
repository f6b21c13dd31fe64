"""`jianguan credit catalogue check FILE`: check a behaviour catalogue before it is loaded.

Prints the catalogue's version and counts, or every reason it would be refused (in Chinese and
English) and exits with status 1.
"""

from __future__ import annotations

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

    def handle(self, *args: Any, **options: Any) -> None:
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
