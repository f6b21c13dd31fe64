from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LakeConfig(AppConfig):
    name = "jianguan.lake"
    label = "lake"
    verbose_name = _("Data lake")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(NavItem(_("Command centre"), _("Data lake"), "lake:status", "lake.view_lake", order=230))
