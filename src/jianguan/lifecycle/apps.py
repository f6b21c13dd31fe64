from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "jianguan.lifecycle"
    label = "lifecycle"
    verbose_name = _("Project lifecycle")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(_("Projects"), _("Stage line"), "lifecycle:section-list", "lifecycle.view_stagerecord", order=60),
            NavItem(
                _("Projects"), _("Overdue stage deadlines"), "lifecycle:overdue", "lifecycle.view_stagerecord", order=61
            ),
        )
