from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "jianguan.attendance"
    label = "attendance"
    verbose_name = _("On-site attendance")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(
                _("Attendance"), _("Attendance devices"), "attendance:device-list", "attendance.view_binding", order=600
            ),
            NavItem(
                _("Attendance"),
                _("Attendance exceptions"),
                "attendance:exception-list",
                "attendance.view_checkin",
                order=610,
            ),
        )
