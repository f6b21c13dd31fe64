"""Roles: who may do what, in one table.

A role is a Django group named by its code, carrying Django permissions. Which jurisdiction a
user acts in is not part of the role: it comes from the user's jurisdiction (see ``access``).
When a module lands it adds its permissions to the roles here, so the whole picture of who may do
what stays in one readable place. ``roles_sync`` runs after every migrate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        (*_DEVICE_ADMIN, *_LEDGER_READ, "core.manage_users", "core.view_user", "core.change_user", "core.add_user"),
    ),
    Role("enterprise_user", _("Enterprise user"), None, ()),
)

ROLES_BY_CODE = {role.code: role for role in ROLES}


class UnknownPermission(LookupError):
    pass


def _permission_query(dotted: str) -> Q:
    app_label, codename = dotted.split(".", 1)
    return Q(content_type__app_label=app_label, codename=codename)


def roles_sync() -> None:
    """Create or update one group per role with exactly the permissions listed above."""
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.code)
        wanted: list[Permission] = []
        for dotted in role.permissions:
            permission = Permission.objects.filter(_permission_query(dotted)).first()
            if permission is None:
                raise UnknownPermission(f"role {role.code} names unknown permission {dotted}")
            wanted.append(permission)
        group.permissions.set(wanted)


def role_name(code: str) -> str:
    role = ROLES_BY_CODE.get(code)
    return str(role.name) if role else code
