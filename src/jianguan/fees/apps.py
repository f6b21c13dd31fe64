from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FeesConfig(AppConfig):
    name = "jianguan.fees"
    label = "fees"
    verbose_name = _("Supporting fee")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(
                _("Projects"), pgettext_lazy("menu", "Supporting fees"), "fees:city", "fees.view_feefile", order=70
            ),
            NavItem(
                _("Projects"), pgettext_lazy("menu", "Fee statistics"), "fees:statistics", "fees.view_feefile", order=71
            ),
        )
