"""Access scopes: what a user may see, decided in one place.

A staff user sees their own jurisdiction and every jurisdiction below it (a city officer sees
the whole city; a district inspector only the district). Superusers see everything. Enterprise
accounts see no jurisdiction-scoped data here; modules give them their own objects through
their selectors. Selectors call :func:`scope_queryset`; views and APIs reach single objects only
through ``access_<entity>_by_id`` fetchers built on :func:`access_object`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.models import Jurisdiction, User

M = TypeVar("M", bound=models.Model)
AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class Scope:
    """The jurisdictions a user may see; ``everything`` overrides the set."""

    everything: bool
    jurisdiction_ids: frozenset[int]

    def covers(self, jurisdiction_id: int | None) -> bool:
        return self.everything or (jurisdiction_id is not None and jurisdiction_id in self.jurisdiction_ids)


NOTHING = Scope(everything=False, jurisdiction_ids=frozenset())


def jurisdiction_subtree_ids(root_id: int) -> frozenset[int]:
    """The jurisdiction and all below it (the table is small: one query, walked in memory)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Jurisdiction.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found = {root_id}
    stack = [root_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return frozenset(found)


def jurisdiction_ancestor_ids(jurisdiction_id: int) -> frozenset[int]:
    """The jurisdiction and every one above it: whose officers have it in their scope."""
    parents = dict(Jurisdiction.objects.values_list("pk", "parent_id"))
    found: set[int] = set()
    current: int | None = jurisdiction_id
    while current is not None and current not in found:
        found.add(current)
        current = parents.get(current)
    return frozenset(found)


def scope_for(user: AnyUser) -> Scope:
    """The user's scope, computed once per user object."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    assert isinstance(user, User)
    cached: Scope | None = user.__dict__.get("_jianguan_scope")
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True, jurisdiction_ids=frozenset())
    elif user.kind == User.Kind.STAFF and user.jurisdiction_id is not None:
        scope = Scope(everything=False, jurisdiction_ids=jurisdiction_subtree_ids(user.jurisdiction_id))
    else:
        scope = NOTHING
    user.__dict__["_jianguan_scope"] = scope
    return scope


def scope_queryset(queryset: models.QuerySet[M], user: AnyUser, *, field: str = "jurisdiction") -> models.QuerySet[M]:
    """Only the rows whose ``field`` (a jurisdiction foreign key path) lies in the user's scope."""
    scope = scope_for(user)
    if scope.everything:
        return queryset
    if not scope.jurisdiction_ids:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": scope.jurisdiction_ids})


def access_object(
    queryset: models.QuerySet[M],
    user: AnyUser,
    pk: Any,
    *,
    what: str | Any = _("Object"),
    field: str = "jurisdiction",
    permission: str | None = None,
    action: str | Any = _("do this"),
) -> M:
    """Fetch one object the user may see, or raise NotFound; check a permission when asked.

    An object outside the scope is reported as not found, so its existence does not leak.
    """
    try:
        obj = scope_queryset(queryset, user, field=field).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise errors.NotFound(what=what, id=pk) from None
    if permission is not None:
        require_permission(user, permission, action=action)
    return obj


def acting_user(request: HttpRequest | Any) -> User:
    """The signed-in user behind a request (web or API), as the actor services record."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise errors.PermissionDenied(action=_("do this without signing in"))
    return user


def require_permission(user: AnyUser, permission: str, *, action: str | Any = _("do this")) -> None:
    if not user.has_perm(permission):
        raise errors.PermissionDenied(action=action)


def has_any_permission(user: AnyUser, permissions: Iterable[str]) -> bool:
    return any(user.has_perm(permission) for permission in permissions)


def mask_id_number(value: str) -> str:
    """Resident ID masked for people who do not need it: region and check kept, birth hidden."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def can_see_personal_data(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("core.view_personal_data"))
