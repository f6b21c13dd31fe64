"""Django admin: accounts and reference data for system administrators. The ledger is read-only
here as everywhere; business objects change only through their services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from jianguan.core.access import acting_user
from jianguan.core.calendar import calendar_day_set
from jianguan.core.models import CalendarDay, Department, Device, Jurisdiction, LedgerEntry, RuleVersion, User


@admin.register(User)
class JianguanUserAdmin(UserAdmin):
    list_display = ("username", "real_name", "kind", "department", "jurisdiction", "is_active")
    list_filter = ("kind", "department", "jurisdiction", "is_active", "groups")
    search_fields = ("username", "real_name")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("Jianguan", {"fields": ("kind", "real_name", "phone", "department", "jurisdiction")}),
    )


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin[Jurisdiction]):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("code", "name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ("serial", "name", "kind", "protocol", "jurisdiction", "status")
    list_filter = ("kind", "status", "jurisdiction")
    search_fields = ("serial", "name")
    exclude = ("secret",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "occurred_at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("object_id", "actor_label")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    """Administrators enter the State Council's schedule for a new year here (through the service)."""

    list_display = ("day", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "day"

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        calendar_day_set(actor=acting_user(request), day=obj.day, is_working_day=obj.is_working_day, note=obj.note)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "source", "note", "created_at")
    list_filter = ("name", "source")
