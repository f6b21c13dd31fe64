from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcreteConfig(AppConfig):
    name = "jianguan.concrete"
    label = "concrete"
    verbose_name = _("Concrete strength")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(
                _("Quality"), _("Concrete strength"), "concrete:verdict-list", "concrete.view_batchverdict", order=300
            ),
            NavItem(_("Quality"), _("Specimen groups"), "concrete:group-list", "concrete.view_batchverdict", order=310),
            NavItem(
                _("Quality"), _("Testing laboratories"), "concrete:lab-list", "concrete.view_batchverdict", order=320
            ),
        )
