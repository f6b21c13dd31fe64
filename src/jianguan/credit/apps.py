from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "jianguan.credit"
    label = "credit"
    verbose_name = _("Credit")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(_("Credit"), _("Credit files"), "credit:subject-list", "credit.view_subject", order=150),
            NavItem(_("Credit"), _("Records and appeals to handle"), "credit:queue", "credit.view_record", order=155),
            NavItem(
                _("Credit"), _("Behaviour catalogue"), "credit:catalogue", "credit.view_catalogueversion", order=157
            ),
        )
