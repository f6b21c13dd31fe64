from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "jianguan.command"
    label = "command"
    verbose_name = _("Command centre")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(_("Command centre"), _("Dashboard"), "command:dashboard", "command.view_alert", order=190),
            NavItem(_("Command centre"), _("Warnings"), "command:warning-list", "command.view_alert", order=200),
            NavItem(_("Command centre"), _("My tasks"), "command:task-list", "command.view_task", order=210),
            NavItem(_("Command centre"), _("Reports"), "command:report-list", "command.view_report", order=220),
        )
