"""The fee's pages: the city table (sortable by discount rate, Excel export), a project's fee page
(areas at the three bases, assessments, relief, payments, flags, the forms), statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianguan.core import errors
from jianguan.core.access import acting_user, require_permission
from jianguan.core.documents import Column, excel_response, workbook_bytes
from jianguan.core.errors import ApplicationError
from jianguan.core.ledger import ledger_entries_for
from jianguan.fees import selectors, services
from jianguan.fees.forms import AreaForm, AssessForm, PaymentForm, RecalculateForm, ReliefForm
from jianguan.fees.models import USE_FROM_FUNCTION, FeeFile, Use
from jianguan.registry.models import BidSection

FILTERS = ("q", "jurisdiction", "use", "status", "flagged", "order")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: (request.GET.get(name) or "").strip() for name in FILTERS}


@login_required
def city(request: HttpRequest) -> HttpResponse:
    """Every fee file in the user's jurisdictions, most discounted first (or as sorted)."""
    filters = _filters(request)
    files = selectors.fee_file_list(user=request.user, filters=filters)
    page = Paginator(files, 50).get_page(request.GET.get("page"))
    order = filters["order"] or "-discount"
    return render(
        request,
        "fees/city.html",
        {
            "page": page,
            "filters": filters,
            "uses": Use.choices,
            "statuses": FeeFile.Status.choices,
            "discount_order": "discount" if order == "-discount" else "-discount",
            "standard_order": "-standard" if order != "-standard" else "standard",
        },
    )


EXPORT_COLUMNS = [
    Column("code", "项目编号 Project code", 20),
    Column("name", "项目名称 Project", 32),
    Column("district", "区县 District", 12),
    Column("use", "用途 Use", 16),
    Column("zone", "区域 Zone", 8),
    Column("standard", "应征标准额（元）Standard (yuan)", 18),
    Column("relieved", "减免（元）Relieved (yuan)", 16),
    Column("due", "应缴（元）Due (yuan)", 16),
    Column("paid", "已缴（元）Paid (yuan)", 16),
    Column("discount_rate", "折扣率 Discount rate", 14),
    Column("status", "状态 Status", 12),
    Column("flags", "未结疑点 Open flags", 12),
]


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The city table as it is filtered and sorted, as Excel."""
    files = selectors.fee_file_list(user=request.user, filters=_filters(request))
    rows = (
        {
            "code": f.project.code,
            "name": f.project.name,
            "district": f.jurisdiction.name,
            "use": str(Use(f.use).label),
            "zone": f.zone,
            "standard": f.standard,
            "relieved": f.relieved,
            "due": f.due,
            "paid": f.paid,
            "discount_rate": f.discount_rate,
            "status": f.get_status_display(),
            "flags": f.open_flags,
        }
        for f in files.iterator(chunk_size=2000)
    )
    content = workbook_bytes(title="城市基础设施配套费 Supporting fees", columns=EXPORT_COLUMNS, rows=rows)
    return excel_response(content, f"配套费-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    stats = selectors.statistics(user=request.user)
    return render(request, "fees/statistics.html", {"stats": stats})


def _forms(request: HttpRequest, view: selectors.ProjectFee) -> dict[str, Any]:
    today = timezone.localdate()
    can_assess = request.user.has_perm("fees.assess_fee")
    can_grant = request.user.has_perm("fees.grant_relief")
    file = view.file
    suggested = USE_FROM_FUNCTION.get(view.project.function, Use.OTHER)
    return {
        "area_form": AreaForm(initial={"measured_on": today}) if can_assess else None,
        "assess_form": AssessForm(initial={"use": suggested, "on": today}) if can_assess and file is None else None,
        "relief_form": ReliefForm(initial={"on": today})
        if can_grant and file is not None and view.relief is None
        else None,
        "payment_form": PaymentForm(initial={"paid_on": today}) if can_assess and file is not None else None,
        "recalculate_form": RecalculateForm(initial={"on": today})
        if can_assess and file is not None and not any(a.kind == "completion" for a in view.assessments)
        else None,
    }


@login_required
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    item = selectors.access_fee_project_by_id(request.user, project_id)
    view = selectors.project_fee(user=request.user, project=item)
    trail = []
    if view.file is not None:
        trail = list(ledger_entries_for(view.file))
        for assessment in view.assessments:
            trail += list(ledger_entries_for(assessment))
        for payment in view.payments:
            trail += list(ledger_entries_for(payment))
        if view.relief is not None:
            trail += list(ledger_entries_for(view.relief))
        trail.sort(key=lambda e: e.seq)
    return render(request, "fees/project.html", {"view": view, "trail": trail, **_forms(request, view)})


FORMS: dict[str, Any] = {
    "area": AreaForm,
    "assess": AssessForm,
    "relief": ReliefForm,
    "payment": PaymentForm,
    "recalculate": RecalculateForm,
}


@login_required
@require_POST
def project_action(request: HttpRequest, project_id: int, action: str) -> HttpResponseBase:
    item = selectors.access_fee_project_by_id(request.user, project_id)
    if action not in FORMS:
        raise errors.NotFound(what=_("Action"), id=action)
    require_permission(
        request.user,
        "fees.grant_relief" if action == "relief" else "fees.assess_fee",
        action=_("keep supporting fees"),
    )
    form = FORMS[action](request.POST)
    back = redirect("fees:project", project_id=item.pk)
    if not form.is_valid():
        messages.error(request, _("Please correct the form: %(errors)s") % {"errors": form.errors.as_text()})
        return back
    data = form.cleaned_data
    actor = acting_user(request)
    try:
        if action == "area":
            section = None
            if data.get("bid_section"):
                section = BidSection.objects.filter(pk=data["bid_section"], project=item).first()
                if section is None:
                    raise errors.NotFound(what=_("Bid section"), id=data["bid_section"])
            services.area_record(
                actor=actor,
                project=item,
                basis=data["basis"],
                above_ground=data["above_ground"],
                below_ground=data["below_ground"] or 0,
                civil_air_defence=data["civil_air_defence"] or 0,
                measured_on=data["measured_on"],
                document=data["document"],
                bid_section=section,
            )
        elif action == "assess":
            services.assessment_make(actor=actor, project=item, use=data["use"], on=data["on"])
        elif action == "relief":
            services.relief_grant(
                actor=actor,
                project=item,
                code=data["code"],
                share=data.get("share"),
                document=data["document"],
                reason=data.get("reason", ""),
                on=data["on"],
            )
        elif action == "payment":
            services.payment_record(
                actor=actor, project=item, amount=data["amount"], paid_on=data["paid_on"], receipt=data["receipt"]
            )
        else:
            services.assessment_recalculate(actor=actor, project=item, on=data["on"])
    except ApplicationError as error:
        messages.error(request, error.render())
        return back
    messages.success(request, _("Saved."))
    return back
