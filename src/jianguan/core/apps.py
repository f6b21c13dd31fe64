from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jianguan.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from jianguan.core import checks, navigation  # noqa: F401  (registers checks and the core menu)

        post_migrate.connect(_after_migrate, dispatch_uid="jianguan.core.after_migrate")


def _after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Once every app has migrated (the last app's signal): protect the ledger, sync roles, register
    shipped decision rules. Django signals only apps that have a models module, so "last" is the
    last of those."""
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not with_models[-1]:
        return
    from django.db import connections

    from jianguan.core.ledger import ledger_triggers_install
    from jianguan.core.models import Department
    from jianguan.core.roles import roles_sync
    from jianguan.core.rules import rules_sync_files

    ledger_triggers_install(connections[using])
    for code in Department.Code.values:
        Department.objects.using(using).get_or_create(code=code)
    roles_sync()
    rules_sync_files()
