"""Reads of the base registry.

Enterprises and people are the city's shared base: every staff member with the view permission
reads all of them (an enterprise from one district works in every district). Projects and bid
sections are scoped by jurisdiction like the rest of the supervision data. ID numbers and phones
are masked unless the reader has ``core.view_personal_data`` (``person_display``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.access import (
    AnyUser,
    access_object,
    can_see_personal_data,
    mask_id_number,
    mask_phone,
    require_permission,
    scope_queryset,
)
from jianguan.registry.models import (
    BidSection,
    Enterprise,
    EnterpriseAccount,
    KeyPerson,
    Person,
    Project,
    Qualification,
    Registration,
    SafetyLicence,
)


def _staff_only(user: AnyUser, permission: str, action: Any) -> None:
    require_permission(user, permission, action=action)


def enterprise_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Enterprise]:
    """Enterprises; filters: q (name part or exact credit code), kind, status, jurisdiction (code,
    with the divisions below it)."""
    _staff_only(user, "registry.view_enterprise", _("view enterprises"))
    queryset = Enterprise.objects.select_related("jurisdiction")
    filters = filters or {}
    q = str(filters.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(uscc=q.upper()) | Q(name__contains=q))
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("jurisdiction"):
        code = str(filters["jurisdiction"])
        queryset = queryset.filter(Q(jurisdiction__code=code) | Q(jurisdiction__parent__code=code))
    return queryset.order_by("name", "pk")


def access_enterprise_by_id(user: AnyUser, enterprise_id: Any) -> Enterprise:
    _staff_only(user, "registry.view_enterprise", _("view enterprises"))
    try:
        return Enterprise.objects.select_related("jurisdiction").get(pk=enterprise_id)
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise errors.NotFound(what=_("Enterprise"), id=enterprise_id) from None


def person_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Person]:
    """People; q is a name prefix or an exact ID number (18 characters); enterprise (id)."""
    _staff_only(user, "registry.view_person", _("view people"))
    queryset = Person.objects.select_related("enterprise")
    filters = filters or {}
    q = str(filters.get("q") or "").strip()
    if len(q) == 18 and q[:17].isdigit():
        queryset = queryset.filter(id_number=q.upper())
    elif q:
        upper = _prefix_upper_bound(q)
        if upper is not None and _code_point_collation():
            # exactly the names starting with q, as a range the name index seeks to: the first page
            # is read in index order (LIKE is no index condition under C.UTF-8, and LIKE beside the
            # range would make the planner misjudge how many rows match)
            queryset = queryset.filter(name__gte=q, name__lt=upper)
        else:
            queryset = queryset.filter(name__startswith=q)
    if filters.get("enterprise"):
        queryset = queryset.filter(enterprise_id=filters["enterprise"])
    return queryset.order_by("name", "pk")


def _prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (code point order)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return None
    return prefix[:-1] + chr(last + 1)


_collation_cache: dict[str, bool] = {}


def _code_point_collation() -> bool:
    """Whether the database orders text by code point (SQLite's BINARY, PostgreSQL's C, POSIX or
    C.UTF-8), so that the strings with a prefix are exactly those in [prefix, upper bound)."""
    if connection.vendor == "sqlite":
        return True
    if connection.vendor != "postgresql":
        return False
    key = str(connection.settings_dict.get("NAME"))
    if key not in _collation_cache:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            row = cursor.fetchone()
        _collation_cache[key] = bool(row) and str(row[0]).lower() in {"c", "posix", "c.utf-8", "c.utf8"}
    return _collation_cache[key]


def access_person_by_id(user: AnyUser, person_id: Any) -> Person:
    _staff_only(user, "registry.view_person", _("view people"))
    try:
        return Person.objects.select_related("enterprise").get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise errors.NotFound(what=_("Person"), id=person_id) from None


@dataclass(frozen=True)
class PersonView:
    """A person as this reader may see them."""

    id: int
    name: str
    id_number: str
    phone: str
    gender: str
    birth_date: dt.date | None
    enterprise: str
    masked: bool


def person_display(user: AnyUser, person: Person) -> PersonView:
    full = can_see_personal_data(user)
    return PersonView(
        id=person.pk,
        name=person.name,
        id_number=person.id_number if full else mask_id_number(person.id_number),
        phone=person.phone if full else mask_phone(person.phone),
        gender=person.get_gender_display(),
        birth_date=person.birth_date if full else None,
        enterprise=person.enterprise.name if person.enterprise_id and person.enterprise else "",
        masked=not full,
    )


def project_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Project]:
    """Projects in the user's jurisdictions; filters: q (name part or code), status, category,
    jurisdiction (code), owner (enterprise id)."""
    _staff_only(user, "registry.view_project", _("view projects"))
    queryset = scope_queryset(Project.objects.select_related("jurisdiction", "owner"), user)
    filters = filters or {}
    q = str(filters.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(code=q) | Q(name__contains=q))
    for name in ("status", "category", "function"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("jurisdiction"):
        queryset = queryset.filter(jurisdiction__code=filters["jurisdiction"])
    if filters.get("owner"):
        queryset = queryset.filter(owner_id=filters["owner"])
    return queryset.order_by("-registered_on", "code")


def access_project_by_id(user: AnyUser, project_id: Any) -> Project:
    _staff_only(user, "registry.view_project", _("view projects"))
    return access_object(Project.objects.select_related("jurisdiction", "owner"), user, project_id, what=_("Project"))


def bid_section_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[BidSection]:
    _staff_only(user, "registry.view_bidsection", _("view bid sections"))
    queryset = scope_queryset(BidSection.objects.select_related("project", "jurisdiction"), user)
    filters = filters or {}
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("project"):
        queryset = queryset.filter(project_id=filters["project"])
    if filters.get("enterprise"):
        queryset = queryset.filter(participants__enterprise_id=filters["enterprise"]).distinct()
    return queryset.order_by("code")


def access_bid_section_by_id(user: AnyUser, section_id: Any) -> BidSection:
    _staff_only(user, "registry.view_bidsection", _("view bid sections"))
    return access_object(
        BidSection.objects.select_related("project", "jurisdiction", "project__owner"),
        user,
        section_id,
        what=_("Bid section"),
    )


def account_enterprise(user: AnyUser) -> Enterprise | None:
    """The enterprise an enterprise user account acts for (None for staff and unlinked accounts)."""
    pk = getattr(user, "pk", None)
    if getattr(user, "kind", "") != "enterprise" or pk is None:
        return None
    account = EnterpriseAccount.objects.select_related("enterprise").filter(user_id=pk).first()
    return account.enterprise if account else None


def acts_for(user: AnyUser, enterprise: Enterprise) -> bool:
    """Whether ``user`` is an enterprise account linked to ``enterprise``."""
    pk = getattr(user, "pk", None)
    if getattr(user, "kind", "") != "enterprise" or pk is None:
        return False
    return EnterpriseAccount.objects.filter(user_id=pk, enterprise_id=enterprise.pk).exists()


def enterprise_projects(*, user: AnyUser, enterprise: Enterprise) -> QuerySet[BidSection]:
    """The bid sections (in the user's scope) the enterprise takes part in."""
    return bid_section_list(user=user, filters={"enterprise": enterprise.pk})


@dataclass(frozen=True)
class ExpiringCertificate:
    kind: str  # qualification | safety_licence | registration
    id: int
    number: str
    holder: str
    holder_id: int
    enterprise_id: int
    valid_until: dt.date
    expired: bool


def certificates_expiring(
    *, user: AnyUser | None = None, within_days: int = 90, today: dt.date | None = None
) -> list[ExpiringCertificate]:
    """Valid-status certificates whose validity ends within ``within_days`` or has already ended,
    soonest first. ``user`` None is the system (jobs)."""
    if user is not None:
        _staff_only(user, "registry.view_enterprise", _("view enterprises"))
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    found: list[ExpiringCertificate] = []
    for q in Qualification.objects.filter(status="valid", valid_until__lte=horizon).select_related("enterprise"):
        found.append(
            ExpiringCertificate(
                "qualification",
                q.pk,
                q.number,
                q.enterprise.name,
                q.enterprise_id,
                q.enterprise_id,
                q.valid_until,
                q.valid_until < today,
            )
        )
    for lic in SafetyLicence.objects.filter(status="valid", valid_until__lte=horizon).select_related("enterprise"):
        found.append(
            ExpiringCertificate(
                "safety_licence",
                lic.pk,
                lic.number,
                lic.enterprise.name,
                lic.enterprise_id,
                lic.enterprise_id,
                lic.valid_until,
                lic.valid_until < today,
            )
        )
    for reg in Registration.objects.filter(status="valid", valid_until__lte=horizon).select_related("person"):
        found.append(
            ExpiringCertificate(
                "registration",
                reg.pk,
                reg.number,
                reg.person.name,
                reg.person_id,
                reg.enterprise_id,
                reg.valid_until,
                reg.valid_until < today,
            )
        )
    return sorted(found, key=lambda c: (c.valid_until, c.kind, c.id))


def key_people_not_registered_with_their_enterprise(*, user: AnyUser | None = None) -> QuerySet[KeyPerson]:
    """Active key posts held by someone whose registering enterprise is another one (挂证 suspects)."""
    queryset = KeyPerson.objects.filter(ended_on__isnull=True, person__enterprise__isnull=False).exclude(
        person__enterprise=F("enterprise")
    )
    if user is not None:
        _staff_only(user, "registry.view_bidsection", _("view bid sections"))
        queryset = scope_queryset(queryset, user, field="bid_section__jurisdiction")
    return queryset.select_related("person", "enterprise", "bid_section", "person__enterprise")


def active_sections_of_expired_enterprises(*, today: dt.date | None = None) -> QuerySet[BidSection]:
    """Active bid sections whose contractor's safety licence has expired (still taking work)."""
    today = today or timezone.localdate()
    return BidSection.objects.filter(
        status=BidSection.Status.ACTIVE,
        participants__role="contractor",
        participants__enterprise__safety_licence__valid_until__lt=today,
    ).distinct()
