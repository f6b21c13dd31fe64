"""`jianguan registry_io import|template|export`: bulk import of registry records from Excel or
CSV (with a progress bar and an error workbook), import templates, and Excel exports.

    jianguan registry_io template person people.xlsx
    jianguan registry_io import person people.xlsx [--errors errors.xlsx] [--fast]
    jianguan registry_io export people out.xlsx [--q 张]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jianguan.core.errors import ApplicationError
from jianguan.core.models import User
from jianguan.registry.exchange.export import EXPORT_KINDS, export_filtered
from jianguan.registry.exchange.fast import import_people_fast
from jianguan.registry.exchange.records import ENTITIES
from jianguan.registry.exchange.tabular import (
    error_workbook,
    import_table,
    read_table,
    template_csv,
    template_workbook,
)


class Command(BaseCommand):
    help = "Registry bulk import (Excel/CSV) with an error workbook, import templates, and Excel exports."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        template = sub.add_parser("template", help="write an import template (.xlsx or .csv)")
        template.add_argument("entity", choices=ENTITIES)
        template.add_argument("file", type=Path)
        imp = sub.add_parser("import", help="import an .xlsx or .csv file")
        imp.add_argument("entity", choices=ENTITIES)
        imp.add_argument("file", type=Path)
        imp.add_argument("--errors", type=Path, default=None, help="where to write the error workbook")
        imp.add_argument("--fast", action="store_true", help="set-based path for large files (people only)")
        imp.add_argument("--actor", default="system:import", help="ledger actor label or a username")
        exp = sub.add_parser("export", help="export a list to Excel")
        exp.add_argument("kind", choices=EXPORT_KINDS)
        exp.add_argument("file", type=Path)
        exp.add_argument("--user", required=True, help="export as this user (scope and masking)")
        for name in ("q", "kind", "status", "jurisdiction", "category", "function", "owner", "enterprise"):
            exp.add_argument(f"--{name}", dest=f"filter_{name}", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "template":
            path: Path = options["file"]
            content = template_csv(options["entity"]) if path.suffix == ".csv" else template_workbook(options["entity"])
            path.write_bytes(content)
            self.stdout.write(f"{path}: template for {options['entity']}")
        elif action == "import":
            self._import(options)
        else:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']}")
            filters = {key[7:]: value for key, value in options.items() if key.startswith("filter_") and value}
            try:
                content = export_filtered(options["kind"], user=user, filters=filters)
            except ApplicationError as error:
                raise CommandError(error.render("en")) from error
            options["file"].write_bytes(content)
            self.stdout.write(f"{options['file']}: {options['kind']} exported")

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        entity: str = options["entity"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        actor_name: str = options["actor"]
        actor: Any = User.objects.filter(username=actor_name).first() or actor_name
        try:
            table = read_table(entity, content, path.name)
        except ApplicationError as error:
            raise CommandError(f"{error.render('zh-hans')}\n{error.render('en')}") from error
        with tqdm(total=table.total, unit="row", desc=entity, disable=options["verbosity"] < 1) as bar:
            if options["fast"]:
                if entity != "person":
                    raise CommandError("--fast is for people only")
                result = import_people_fast(table, actor=actor, progress=bar.update)
            else:
                result = import_table(entity, table, actor=actor, progress=bar.update)
        counts = result.as_dict()
        self.stdout.write(
            f"{path}: {counts['rows']} rows — {counts['created']} created, {counts['updated']} updated,"
            f" {counts['unchanged']} unchanged, {counts['failed']} failed"
        )
        if result.errors:
            target = options["errors"] or path.with_name(f"{path.stem}-errors.xlsx")
            target.write_bytes(error_workbook(result))
            self.stdout.write(f"errors: {target}")
