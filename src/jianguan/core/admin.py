"""Django admin: accounts and reference data for system administrators. The ledger is read-only
here as everywhere; business objects change only through their services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from jianguan.core.models import Department, Device, Jurisdiction, LedgerEntry, User


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
