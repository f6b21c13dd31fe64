"""Django's flush, allowed only where a wiped ledger is intended (test runs, demo rebuilds).

The ledger's triggers refuse DELETE and TRUNCATE, so flushing suspends them for the duration.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import CommandError
from django.core.management.commands import flush
from django.db import connections

from jianguan.core.ledger import ledger_triggers_suspended


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not settings.LEDGER_ALLOW_FLUSH:
            raise CommandError(
                "refusing to flush: this database holds the ledger, which is never erased. "
                "(Only a test run or `jianguan demo --reset` may wipe a database.)"
            )
        with ledger_triggers_suspended(connections[options["database"]]):
            super().handle(**options)
