"""Pages of bulk exchange: import (upload → result with counts and the error workbook), template
downloads, Excel exports of the filtered lists, and the provincial sync runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jianguan.core.access import acting_user, require_permission
from jianguan.core.documents import excel_response
from jianguan.core.errors import ApplicationError
from jianguan.registry.exchange.export import EXPORT_KINDS, FILTERS, export_filtered
from jianguan.registry.exchange.models import ImportRun, SyncRun
from jianguan.registry.exchange.records import ENTITIES, ENTITY_LABELS
from jianguan.registry.exchange.tabular import import_recorded, template_csv, template_workbook

MAX_UPLOAD = 50 * 1024 * 1024


def _may_import(request: HttpRequest) -> None:
    require_permission(request.user, "registry.import_data", action=_("import registry data"))


def _entities() -> list[tuple[str, str]]:
    return [(entity, str(ENTITY_LABELS[entity])) for entity in ENTITIES]


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    _may_import(request)
    if request.method == "POST":
        entity = request.POST.get("entity", "")
        upload = request.FILES.get("file")
        if entity not in ENTITIES or upload is None:
            messages.error(request, _("Choose a record type and a file."))
        elif upload.size and upload.size > MAX_UPLOAD:
            messages.error(request, _("The file is larger than 50 MB; split it or use the command line."))
        else:
            try:
                run, _result = import_recorded(
                    actor=acting_user(request), entity=entity, filename=upload.name or "upload", content=upload.read()
                )
            except ApplicationError as error:
                messages.error(request, error.render())
            else:
                return redirect("registry:import-result", run_id=run.pk)
    runs = ImportRun.objects.select_related("actor")[:20]
    return render(request, "registry/exchange/import.html", {"entities": _entities(), "runs": runs})


@login_required
def import_result(request: HttpRequest, run_id: int) -> HttpResponse:
    _may_import(request)
    run = get_object_or_404(ImportRun, pk=run_id)
    return render(
        request,
        "registry/exchange/import_result.html",
        {"run": run, "label": ENTITY_LABELS.get(run.entity, run.entity)},
    )


@login_required
def import_errors(request: HttpRequest, run_id: int) -> HttpResponseBase:
    _may_import(request)
    run = get_object_or_404(ImportRun, pk=run_id)
    if not run.errors_file:
        raise Http404
    return FileResponse(run.errors_file.open("rb"), as_attachment=True, filename=f"import-{run.pk}-errors.xlsx")


@login_required
def import_template(request: HttpRequest, entity: str, fmt: str) -> HttpResponse:
    _may_import(request)
    if entity not in ENTITIES:
        raise Http404
    if fmt == "csv":
        response = HttpResponse(template_csv(entity), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{entity}-template.csv"'
        return response
    return excel_response(template_workbook(entity), f"{entity}-template.xlsx")


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """``…/export.xlsx?<the list's filters>``: the rows the list shows, as Excel."""
    if kind not in EXPORT_KINDS:
        raise Http404
    filters = {key: request.GET.get(key, "") for key in FILTERS[kind]}
    content = export_filtered(kind, user=request.user, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return excel_response(content, f"{kind}-{stamp}.xlsx")


@login_required
def sync_runs(request: HttpRequest) -> HttpResponse:
    _may_import(request)
    page = Paginator(SyncRun.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "registry/exchange/sync_runs.html", {"page": page})


@login_required
def sync_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    _may_import(request)
    run = get_object_or_404(SyncRun, pk=run_id)
    return render(request, "registry/exchange/sync_run.html", {"run": run})
