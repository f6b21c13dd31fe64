from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jianguan.registry"
    label = "registry"
    verbose_name = _("Base registry")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        section = _("Base registry")
        register(
            NavItem(section, _("Enterprises"), "registry:enterprise-list", "registry.view_enterprise", order=100),
            NavItem(section, _("People"), "registry:person-list", "registry.view_person", order=101),
            NavItem(section, _("Projects"), "registry:project-list", "registry.view_project", order=102),
            NavItem(
                section,
                _("Expiring certificates"),
                "registry:certificate-expiring",
                "registry.view_enterprise",
                order=103,
            ),
            NavItem(section, _("Bulk import"), "registry:import", "registry.import_data", order=104),
            NavItem(section, _("Provincial sync"), "registry:sync-runs", "registry.import_data", order=105),
        )
