"""Reads of the supporting fee, scoped to the acting user's jurisdictions.

Other modules use two of them: ``area_comparison(project)`` (the floor area at planning permit,
construction permit and completion survey, shown on lifecycle's page) and ``permit_fee_facts``
(licensing's permit precondition "fee paid or exempt")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.access import AnyUser, require_permission, scope_queryset
from jianguan.fees import domain
from jianguan.fees.models import Assessment, Basis, FeeFile, Flag, Payment, Relief, Use
from jianguan.fees.services import project_area
from jianguan.registry.models import BidSection, Project
from jianguan.registry.selectors import access_project_by_id

VIEW = "fees.view_feefile"
ORDERINGS = {
    "discount": ("discount_rate", "project__code"),
    "-discount": ("-discount_rate", "project__code"),
    "standard": ("standard", "project__code"),
    "-standard": ("-standard", "project__code"),
    "flags": ("open_flags", "project__code"),
    "-flags": ("-open_flags", "project__code"),
    "code": ("project__code",),
}


def _view(user: AnyUser) -> None:
    if not getattr(user, "is_authenticated", False) or getattr(user, "kind", "staff") != "staff":
        raise errors.PermissionDenied(action=_("view supporting fees"))
    require_permission(user, VIEW, action=_("view supporting fees"))


def fee_file_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[FeeFile]:
    """Fee files in the user's jurisdictions; filters: q (name part or code), jurisdiction (code),
    use, status, flagged (true), order (discount, -discount, standard, -standard, flags, -flags, code)."""
    _view(user)
    queryset = scope_queryset(FeeFile.objects.select_related("project", "jurisdiction"), user)
    filters = filters or {}
    q = str(filters.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(project__code=q) | Q(project__name__contains=q))
    if filters.get("jurisdiction"):
        queryset = queryset.filter(jurisdiction__code=filters["jurisdiction"])
    if filters.get("use"):
        queryset = queryset.filter(use=filters["use"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("flagged"):
        queryset = queryset.filter(open_flags__gt=0)
    order = ORDERINGS.get(str(filters.get("order") or "-discount"), ORDERINGS["-discount"])
    return queryset.order_by(*order)


def access_fee_project_by_id(user: AnyUser, project_id: Any) -> Project:
    """The project (scoped, NotFound outside the user's jurisdictions) whose fee page is asked for."""
    _view(user)
    return access_project_by_id(user, project_id)


@dataclass(frozen=True)
class AreaRow:
    basis: str
    label: str
    area: domain.Area | None
    levied: Decimal | None
    delta: Decimal | None  # against the planning permit
    percent: Decimal | None
    documents: list[str]


def area_comparison(project: Project) -> list[AreaRow]:
    """The floor area at planning permit, construction permit and completion survey, each with the
    change against the planning permit. The caller has already checked access to the project."""
    documents: dict[str, list[str]] = {}
    for basis, document in project.fee_areas.order_by("measured_on", "pk").values_list("basis", "document"):
        documents.setdefault(basis, []).append(document)
    rows = []
    planning: Decimal | None = None
    for basis in Basis:
        area = project_area(project, basis)
        levied = domain.money(area.levied) if area else None
        if basis == Basis.PLANNING:
            planning = levied
        delta = percent = None
        if levied is not None and planning is not None and basis != Basis.PLANNING:
            delta = levied - planning
            percent = (delta / planning * 100).quantize(Decimal("0.1")) if planning else None
        rows.append(
            AreaRow(basis.value, str(basis.label), area, levied, delta, percent, documents.get(basis.value, []))
        )
    return rows


@dataclass(frozen=True)
class ProjectFee:
    project: Project
    file: FeeFile | None
    areas: list[AreaRow]
    assessments: list[Assessment]
    relief: Relief | None
    payments: list[Payment]
    flags: list[tuple[Flag, str]]
    sections: list[BidSection]


def project_fee(*, user: AnyUser, project: Project) -> ProjectFee:
    """Everything on a project's fee page (the project was fetched through the access helper)."""
    _view(user)
    file = FeeFile.objects.filter(project=project).first()
    return ProjectFee(
        project=project,
        file=file,
        areas=area_comparison(project),
        assessments=list(file.assessments.order_by("assessed_on", "pk")) if file else [],
        relief=Relief.objects.filter(fee_file=file).select_related("granted_by").first() if file else None,
        payments=list(file.payments.order_by("paid_on", "pk")) if file else [],
        flags=[(f, flag_message(f)) for f in Flag.objects.filter(project=project).order_by("-raised_on", "pk")],
        sections=list(BidSection.objects.filter(project=project).order_by("code")),
    )


def permit_fee_facts(*, section: BidSection, on: dt.date) -> dict[str, Any]:
    """Licensing's facts for "supporting fee paid or exempt before the permit", from the fee data.

    Empty when the fee office holds no assessment for the project (the applicant's declaration
    then stands and the reconciliation checks the permit afterwards); otherwise ``fee_paid``
    (payments up to ``on`` cover the first demand) and ``fee_exempt`` (relieved to nothing by ``on``)."""
    file = FeeFile.objects.filter(project_id=section.project_id).first()
    if file is None:
        return {}
    initial = file.assessments.filter(kind=Assessment.Kind.INITIAL).first()
    if initial is None or initial.assessed_on > on:
        return {"fee_paid": False, "fee_exempt": False, "fee_source": "fees"}
    relief = Relief.objects.filter(fee_file=file, granted_on__lte=on).first()
    paid = file.payments.filter(paid_on__lte=on).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    exempt = relief is not None and relief.amount_factor == 1
    due = initial.standard - (domain.money(initial.standard * relief.amount_factor) if relief else Decimal("0"))
    return {
        "fee_paid": bool(not exempt and paid >= due),
        "fee_exempt": bool(exempt),
        "fee_source": "fees",
        "fee_demand": initial.number,
    }


def flag_message(flag: Flag) -> str:
    """A flag in words (the command-centre warning's message, in the reader's language)."""
    from jianguan.fees.warnings import WARNING_KINDS

    kinds = {kind.code: kind for kind in WARNING_KINDS}
    kind = kinds.get(f"fees.{flag.kind}")
    if kind is None:
        return str(flag.get_kind_display())
    try:
        return str(kind.message) % {k: str(v) for k, v in flag.params.items()}
    except (KeyError, TypeError, ValueError):
        return str(kind.label)


def _rows(queryset: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in queryset]


_MONEY = DecimalField(max_digits=16, decimal_places=2)


def statistics(*, user: AnyUser) -> dict[str, list[dict[str, Any]]]:
    """Per district, per use and per approver: projects, standard, relieved, due, paid, discount rate;
    for approvers, how many reliefs they granted, worth how much, how many were flagged."""
    files = fee_file_list(user=user, filters={"order": "code"}).order_by()
    sums = {
        "projects": Count("pk"),
        "standard": Coalesce(Sum("standard"), Value(0), output_field=_MONEY),
        "relieved": Coalesce(Sum("relieved"), Value(0), output_field=_MONEY),
        "due": Coalesce(Sum("due"), Value(0), output_field=_MONEY),
        "paid": Coalesce(Sum("paid"), Value(0), output_field=_MONEY),
        "flagged": Count("pk", filter=Q(open_flags__gt=0)),
    }

    def finish(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            row["discount_rate"] = domain.discount_rate(paid=Decimal(row["paid"]), standard=Decimal(row["standard"]))
        return rows

    by_district = finish(
        _rows(files.values("jurisdiction__code", "jurisdiction__name").annotate(**sums).order_by("jurisdiction__code"))
    )
    by_use = finish(_rows(files.values("use").annotate(**sums).order_by("use")))
    for row in by_use:
        row["use_label"] = str(Use(row["use"]).label)
    reliefs = Relief.objects.filter(fee_file__in=files.values("pk"))
    by_approver = _rows(
        reliefs.values("granted_by_label")
        .annotate(
            reliefs=Count("pk"),
            exemptions=Count("pk", filter=Q(exemption=True)),
            flagged=Count("pk", filter=~Q(status=Relief.Status.MATCHED)),
            standard=Coalesce(Sum("fee_file__standard"), Value(0), output_field=_MONEY),
            amount=Coalesce(Sum("fee_file__relieved"), Value(0), output_field=_MONEY),
        )
        .order_by("-amount", "granted_by_label")
    )
    return {"by_district": by_district, "by_use": by_use, "by_approver": by_approver}


def flag_list(*, user: AnyUser, open_only: bool = True) -> QuerySet[Flag]:
    _view(user)
    queryset = scope_queryset(
        Flag.objects.select_related("project", "project__jurisdiction"), user, field="project__jurisdiction"
    )
    if open_only:
        queryset = queryset.filter(resolved_on__isnull=True)
    return queryset.order_by("-raised_on", "pk")
