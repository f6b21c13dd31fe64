"""System checks: the front-end assets are installed and the ledger is protected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.staticfiles)
def vendor_assets_installed(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    missing = [
        folder for _prefix, folder in settings.VENDOR_ASSETS if not (Path(settings.NODE_MODULES) / folder).is_dir()
    ]
    if not missing:
        return []
    return [
        Error(
            f"front-end assets missing in {settings.NODE_MODULES}: {', '.join(missing)}",
            hint="run `npm ci` in the project root (make demo and make test do it)",
            id="jianguan.E001",
        )
    ]


@register(Tags.database, deploy=False)
def ledger_protected(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not databases:
        return []
    from django.db import connection
    from django.db.utils import DatabaseError

    from jianguan.core.ledger import LEDGER_TABLE, ledger_triggers_present

    try:
        if LEDGER_TABLE not in connection.introspection.table_names():
            return []  # not migrated yet: migrate installs the triggers
        present = ledger_triggers_present(connection)
    except DatabaseError:
        return []  # not migrated yet
    if present:
        return []
    return [
        Warning(
            "the ledger table has no append-only triggers",
            hint="run `jianguan migrate`: the triggers are installed after every migration",
            id="jianguan.W001",
        )
    ]
