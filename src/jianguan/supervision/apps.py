from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jianguan.supervision"
    label = "supervision"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(
                _("Inspections"),
                _("Inspections"),
                "supervision:inspection-list",
                "supervision.view_inspection",
                order=300,
            ),
            NavItem(
                _("Inspections"), _("Findings"), "supervision:finding-list", "supervision.view_inspection", order=305
            ),
            NavItem(
                _("Inspections"),
                _("Rectification orders"),
                "supervision:order-list",
                "supervision.view_inspection",
                order=310,
            ),
            NavItem(
                _("Inspections"),
                _("Stop-work orders"),
                "supervision:stopwork-list",
                "supervision.view_inspection",
                order=315,
            ),
            NavItem(
                _("Inspections"), _("Random draws"), "supervision:draw-list", "supervision.view_inspection", order=320
            ),
        )
        post_migrate.connect(_load_checklists, sender=self, dispatch_uid="jianguan.supervision.checklists")


def _load_checklists(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from jianguan.supervision.checklists import checklists_load_shipped

    checklists_load_shipped(using=using)
