from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "jianguan.licensing"
    label = "licensing"
    verbose_name = _("Licensing")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="jianguan.licensing.after_migrate")
        register(
            NavItem(
                _("Licensing"), _("Applications"), "licensing:application-list", "licensing.view_application", order=300
            ),
            NavItem(_("Licensing"), _("My work queue"), "licensing:queue", "licensing.view_application", order=310),
            NavItem(_("Licensing"), _("Permits"), "licensing:permit-list", "licensing.view_permit", order=320),
            NavItem(_("Licensing"), _("Apply online"), "licensing:application-new", None, order=330, staff_only=False),
        )


def _after_migrate(**kwargs: object) -> None:
    from jianguan.licensing.services import processes_sync_files

    processes_sync_files()
