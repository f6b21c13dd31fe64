"""Roles: who may do what.

A role is a Django group named by its code, carrying Django permissions. Which jurisdiction a
user acts in is not part of the role: it comes from the user's jurisdiction (see ``access``).
The roles and the kernel's permissions are listed here; each module grants its own permissions in
its ``roles.py`` (``GRANTS = {role_code: ("app.codename", ...)}``). ``jianguan roles`` prints the
whole matrix; ``roles_sync`` applies it after every migrate.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Department


@dataclass(frozen=True)
class Role:
    code: str
    name: str | Promise
    department: str | None
    permissions: tuple[str, ...] = field(default_factory=tuple)


_DEVICE_READ = ("core.view_device",)
_DEVICE_ADMIN = ("core.view_device", "core.add_device", "core.change_device", "core.suspend_device")
_LEDGER_READ = ("core.view_ledgerentry", "core.verify_ledger")

ROLES: tuple[Role, ...] = (
    Role("approval_handler", _("Approval office: handler"), Department.Code.APPROVAL, _DEVICE_READ),
    Role("approval_reviewer", _("Approval office: reviewer"), Department.Code.APPROVAL, _DEVICE_READ),
    Role("approval_approver", _("Approval office: approver"), Department.Code.APPROVAL, _DEVICE_READ),
    Role("quality_inspector", _("Quality station: inspector"), Department.Code.QUALITY, _DEVICE_READ),
    Role("quality_head", _("Quality station: head"), Department.Code.QUALITY, _DEVICE_ADMIN),
    Role("safety_inspector", _("Safety station: inspector"), Department.Code.SAFETY, _DEVICE_READ),
    Role("safety_head", _("Safety station: head"), Department.Code.SAFETY, _DEVICE_ADMIN),
    Role(
        "market_officer",
        _("Market office: officer"),
        Department.Code.MARKET,
        (*_DEVICE_READ, "core.view_personal_data"),
    ),
    Role("credit_officer", _("Credit office: officer"), Department.Code.CREDIT, ()),
    Role("credit_head", _("Credit office: head"), Department.Code.CREDIT, ()),
    Role("command_operator", _("Command centre: operator"), Department.Code.COMMAND, _DEVICE_ADMIN),
    Role("command_head", _("Command centre: head"), Department.Code.COMMAND, _DEVICE_ADMIN),
    Role("discipline_investigator", _("Discipline inspection: investigator"), Department.Code.DISCIPLINE, _LEDGER_READ),
    Role(
        "sysadmin",
        _("System administrator"),
        Department.Code.SYSADMIN,
        (
            *_DEVICE_ADMIN,
            *_LEDGER_READ,
            "core.manage_users",
            "core.view_user",
            "core.change_user",
            "core.add_user",
            "core.manage_rules",
            "core.view_ruleversion",
        ),
    ),
    Role("enterprise_user", _("Enterprise user"), None, ()),
)

ROLES_BY_CODE = {role.code: role for role in ROLES}


class UnknownPermission(LookupError):
    pass


def _permission_query(dotted: str) -> Q:
    app_label, codename = dotted.split(".", 1)
    return Q(content_type__app_label=app_label, codename=codename)


def role_permissions() -> dict[str, tuple[str, ...]]:
    """Every role's permissions: the kernel's above plus every module's GRANTS."""
    table = {role.code: list(role.permissions) for role in ROLES}
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("jianguan.") or app_config.label == "core":
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.roles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.roles":
                raise
            continue
        for code, permissions in getattr(module, "GRANTS", {}).items():
            if code not in table:
                raise UnknownPermission(f"{app_config.name}.roles grants to unknown role {code}")
            table[code].extend(permission for permission in permissions if permission not in table[code])
    return {code: tuple(permissions) for code, permissions in table.items()}


def roles_sync() -> None:
    """Create or update one group per role with exactly the permissions granted."""
    for code, permissions in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=code)
        wanted: list[Permission] = []
        for dotted in permissions:
            permission = Permission.objects.filter(_permission_query(dotted)).first()
            if permission is None:
                raise UnknownPermission(f"role {code} names unknown permission {dotted}")
            wanted.append(permission)
        group.permissions.set(wanted)


def role_name(code: str) -> str:
    role = ROLES_BY_CODE.get(code)
    return str(role.name) if role else code
