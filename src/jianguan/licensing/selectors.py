"""Reads of licensing, scoped to the acting user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.access import AnyUser, access_object, scope_queryset
from jianguan.core.calendar import working_days_between
from jianguan.licensing.models import Application, Permit
from jianguan.licensing.services import LANE_PERMISSION
from jianguan.registry.selectors import account_enterprise


def application_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Application]:
    """Staff see the applications of their jurisdictions; an enterprise account sees those it
    submitted and those of the enterprise it acts for (registry's enterprise account)."""
    base = Application.objects.select_related("applicant", "jurisdiction", "bid_section__project", "claimed_by")
    if getattr(user, "kind", "") == "enterprise":
        enterprise = account_enterprise(user)
        mine = Q(submitted_by_id=user.pk)
        queryset = base.filter(mine | Q(applicant=enterprise) if enterprise else mine)
    else:
        queryset = scope_queryset(base, user)
    filters = filters or {}
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    return queryset


def access_application_by_id(user: AnyUser, application_id: Any) -> Application:
    if getattr(user, "kind", "") == "enterprise":
        try:
            return application_list(user=user).get(pk=int(application_id))
        except (Application.DoesNotExist, ValueError, TypeError):
            raise errors.NotFound(what=_("Application"), id=application_id) from None
    return access_object(
        application_list(user=user),
        user,
        application_id,
        what=_("Application"),
        permission="licensing.view_application",
    )


def work_queue(*, user: AnyUser) -> QuerySet[Application]:
    """Open applications waiting at a step the user's roles may work, nearest deadline first."""
    lanes = [lane for lane, permission in LANE_PERMISSION.items() if user.has_perm(permission)]
    return (
        application_list(user=user)
        .filter(status=Application.Status.IN_PROGRESS, lane__in=lanes)
        .order_by("deadline", "pk")
    )


def permit_list(*, user: AnyUser) -> QuerySet[Permit]:
    return scope_queryset(Permit.objects.select_related("holder", "bid_section__project", "application"), user)


def access_permit_by_id(user: AnyUser, permit_id: Any) -> Permit:
    """Staff reach the permits of their jurisdictions; an enterprise account the permits of the
    applications it may see (so the applicant downloads its own certificate)."""
    if getattr(user, "kind", "") == "enterprise":
        try:
            return (
                Permit.objects.select_related("holder", "bid_section__project", "application")
                .filter(application__in=application_list(user=user))
                .get(pk=int(permit_id))
            )
        except (Permit.DoesNotExist, ValueError, TypeError):
            raise errors.NotFound(what=_("Permit"), id=permit_id) from None
    return access_object(permit_list(user=user), user, permit_id, what=_("Permit"), permission="licensing.view_permit")


def countdown(application: Application, today: dt.date | None = None) -> dict[str, Any]:
    """Working days left (negative when overdue); ``suspended`` while in correction."""
    day = today or timezone.localdate()
    if application.status == Application.Status.CORRECTION:
        return {"suspended": True, "left": None, "overdue": False}
    if not application.is_open:
        return {"suspended": False, "left": None, "overdue": False}
    if day <= application.deadline:
        left = working_days_between(day, application.deadline)
        return {"suspended": False, "left": left, "overdue": False}
    return {"suspended": False, "left": -working_days_between(application.deadline, day), "overdue": True}
