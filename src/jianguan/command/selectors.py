"""Reads of the command centre, scoped: the command centre sees every warning and task in its
jurisdictions; a department sees those it is responsible for."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.command.models import OPEN_STATUSES, Alert, Task
from jianguan.core.access import AnyUser, access_object, require_permission, scope_queryset
from jianguan.core.models import LedgerEntry, User


def is_command_centre(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("command.dispatch_warning"))


def _department_filter(queryset: QuerySet[Any], user: AnyUser) -> QuerySet[Any]:
    if is_command_centre(user) or user.is_superuser:
        return queryset
    department_id = getattr(user, "department_id", None)
    return queryset.filter(department_id=department_id) if department_id else queryset.none()


def alert_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Alert]:
    """Warnings the user may see, newest first; filters: status (``active`` = open or dispatched),
    severity, kind, jurisdiction (code), q (subject)."""
    require_permission(user, "command.view_alert", action=_("view warnings"))
    queryset = _department_filter(scope_queryset(Alert.objects.all(), user), user)
    queryset = queryset.select_related("jurisdiction", "department")
    filters = filters or {}
    status = filters.get("status")
    if status == "active":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if filters.get("severity"):
        queryset = queryset.filter(severity=filters["severity"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("jurisdiction"):
        queryset = queryset.filter(jurisdiction__code=filters["jurisdiction"])
    if filters.get("q"):
        queryset = queryset.filter(subject_label__icontains=str(filters["q"]).strip())
    return queryset.order_by("-raised_at", "-pk")


def access_alert_by_id(user: AnyUser, alert_id: Any) -> Alert:
    require_permission(user, "command.view_alert", action=_("view warnings"))
    queryset = _department_filter(Alert.objects.select_related("jurisdiction", "department"), user)
    return access_object(queryset, user, alert_id, what=_("Warning"))


def task_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Task]:
    """Tasks the user may see, soonest deadline first; filters: status (``active``), mine, overdue."""
    require_permission(user, "command.view_task", action=_("view tasks"))
    queryset = _department_filter(scope_queryset(Task.objects.all(), user), user)
    queryset = queryset.select_related("warning", "department", "assignee", "jurisdiction")
    filters = filters or {}
    status = filters.get("status")
    active = [Task.Status.ASSIGNED, Task.Status.ACCEPTED, Task.Status.RETURNED]
    if status == "active":
        queryset = queryset.filter(status__in=active)
    elif status:
        queryset = queryset.filter(status=status)
    if filters.get("mine") and isinstance(user, User):
        queryset = queryset.filter(Q(assignee=user) | Q(assignee__isnull=True))
    if filters.get("overdue"):
        queryset = queryset.filter(status__in=active, deadline__lt=timezone.now())
    return queryset.order_by("deadline", "pk")


def access_task_by_id(user: AnyUser, task_id: Any) -> Task:
    require_permission(user, "command.view_task", action=_("view tasks"))
    queryset = _department_filter(Task.objects.select_related("warning", "department", "assignee"), user)
    return access_object(queryset, user, task_id, what=_("Task"))


def alert_summary(*, user: AnyUser) -> dict[str, Any]:
    """Open warnings by severity and kind, overdue counts: the figures a workbench shows."""
    # order_by() first: an ordering left on the queryset would join the GROUP BY.
    queryset = alert_list(user=user, filters={"status": "active"}).order_by()
    by_severity = dict(queryset.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n"))
    by_kind = list(queryset.values("kind").annotate(n=Count("pk")).order_by("-n", "kind"))
    overdue = queryset.filter(deadline__lt=timezone.now()).count()
    return {"by_severity": by_severity, "by_kind": by_kind, "overdue": overdue, "total": sum(by_severity.values())}


def assignable_users(*, alert: Alert, department_id: int) -> QuerySet[User]:
    """Officers of a department who may be given a task about this warning."""
    from jianguan.core.access import jurisdiction_ancestor_ids

    return User.objects.filter(
        department_id=department_id,
        is_active=True,
        kind=User.Kind.STAFF,
        jurisdiction_id__in=jurisdiction_ancestor_ids(alert.jurisdiction_id),
    ).order_by("username")


def alert_evidence_entries(*, alert: Alert) -> list[LedgerEntry]:
    """The ledger entries a warning cites as evidence (the caller has already reached the warning
    through its access check); one query."""
    seqs = [item["seq"] for item in alert.evidence if item.get("kind") == "ledger" and isinstance(item.get("seq"), int)]
    return list(LedgerEntry.objects.filter(seq__in=seqs).order_by("seq"))


AGE_BUCKETS = (
    (1, _("under a day")),
    (3, _("1–3 days")),
    (7, _("3–7 days")),
    (30, _("1–4 weeks")),
    (None, _("over 4 weeks")),
)


def alert_age_buckets(*, user: AnyUser) -> list[tuple[Any, int]]:
    """Open warnings counted by how long they have been open (one query)."""
    import datetime as dt

    now = timezone.now()
    queryset = alert_list(user=user, filters={"status": "active"}).order_by()
    edges = [days for days, _label in AGE_BUCKETS if days is not None]
    aggregates = {
        f"b{i}": Count("pk", filter=Q(raised_at__gt=now - dt.timedelta(days=days))) for i, days in enumerate(edges)
    }
    totals = queryset.aggregate(total=Count("pk"), **aggregates)
    counts, previous = [], 0
    for i, (_days, label) in enumerate(AGE_BUCKETS):
        cumulative = totals[f"b{i}"] if i < len(edges) else totals["total"]
        counts.append((label, cumulative - previous))
        previous = cumulative
    return counts


def task_closure_rate(*, user: AnyUser, days: int = 30) -> dict[str, Any]:
    """Of the tasks dispatched in the last ``days``, how many are closed (one query)."""
    import datetime as dt

    since = timezone.now() - dt.timedelta(days=days)
    totals = (
        task_list(user=user)
        .filter(dispatched_at__gte=since)
        .aggregate(total=Count("pk"), closed=Count("pk", filter=Q(status=Task.Status.CLOSED)))
    )
    rate = round(100.0 * totals["closed"] / totals["total"], 1) if totals["total"] else 0.0
    return {"rate": rate, "closed": totals["closed"], "total": totals["total"]}


def alert_map_points(*, user: AnyUser) -> dict[str, Any]:
    """Open warnings per jurisdiction at the jurisdiction's centre, sized by count and coloured by
    the worst severity there (two queries). Modules with sites add their own, finer points."""
    from jianguan.core.models import Jurisdiction

    order = {"low": 0, "medium": 1, "high": 2, "critical": 3}
    rows = (
        alert_list(user=user, filters={"status": "active"})
        .order_by()
        .values("jurisdiction_id", "severity")
        .annotate(n=Count("pk"))
    )
    per_place: dict[int, dict[str, int]] = {}
    for row in rows:
        counts = per_place.setdefault(row["jurisdiction_id"], {"n": 0, "level": 0})
        counts["n"] += row["n"]
        counts["level"] = max(counts["level"], order.get(row["severity"], 0))
    places = scope_queryset(Jurisdiction.objects.exclude(latitude=None), user, field="pk")
    points, labels = [], []
    for place in places.order_by("code"):
        labels.append({"name": place.name, "lon": place.longitude, "lat": place.latitude})
        if place.pk in per_place:
            points.append(
                {
                    "name": place.name,
                    "lon": place.longitude,
                    "lat": place.latitude,
                    "value": per_place[place.pk]["n"],
                    "level": per_place[place.pk]["level"],
                    "url": f"/command/warnings/?status=active&jurisdiction={place.code}",
                }
            )
    return {"points": points, "labels": labels}
