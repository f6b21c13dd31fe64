"""`jianguan rules list | check FILE | upload NAME FILE | decide NAME JSON`: the decision rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max

from jianguan.core.errors import ApplicationError
from jianguan.core.models import RuleVersion
from jianguan.core.rules import rule_decide, rule_validate, rule_version_upload


class Command(BaseCommand):
    help = "List, validate, upload and try the JDM decision rules."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every rule with its newest version")
        check = sub.add_parser("check", help="validate a decision graph file (structure, compile, its own tests)")
        check.add_argument("file", type=Path)
        upload = sub.add_parser("upload", help="add a validated new version of a rule")
        upload.add_argument("name")
        upload.add_argument("file", type=Path)
        upload.add_argument("--note", default="")
        decide = sub.add_parser("decide", help="evaluate a rule on a JSON context and show the trace")
        decide.add_argument("name")
        decide.add_argument("context", help="JSON object")
        decide.add_argument("--version", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as error:
            raise CommandError(f"{error.code}: {error.render()}") from error

    def _list(self, options: dict[str, Any]) -> None:
        for row in RuleVersion.objects.values("name").annotate(newest=Max("version")).order_by("name"):
            self.stdout.write(f"{row['name']}  v{row['newest']}")

    def _check(self, options: dict[str, Any]) -> None:
        rule_validate(options["file"].read_bytes())
        self.stdout.write(self.style.SUCCESS(f"{options['file']}: valid"))

    def _upload(self, options: dict[str, Any]) -> None:
        rule = rule_version_upload(
            actor="system:cli", name=options["name"], content=options["file"].read_bytes(), note=options["note"]
        )
        self.stdout.write(self.style.SUCCESS(f"registered {rule}"))

    def _decide(self, options: dict[str, Any]) -> None:
        try:
            context = json.loads(options["context"])
        except ValueError as error:
            raise CommandError(f"the context is not JSON: {error}") from error
        decision = rule_decide(options["name"], context, version=options["version"])
        self.stdout.write(json.dumps(decision.as_record(), ensure_ascii=False, indent=2))
