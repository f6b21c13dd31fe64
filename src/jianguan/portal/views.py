"""The public portal: readable without signing in; shows only what jianguan.credit.public discloses."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jianguan.credit.public import public_blacklist, public_feed, public_file, public_search
from jianguan.portal.selectors import public_permit, public_project, public_project_search
from jianguan.registry.models import Enterprise, PermittedWork, Person, Project, Registration


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:64]
    hits = public_search(query) if query else []
    return render(request, "portal/lookup.html", {"query": query, "hits": hits, "too_short": 0 < len(query) < 2})


@require_GET
def enterprise_file(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = Enterprise.objects.filter(uscc=uscc.upper()).first()
    if enterprise is None:
        raise Http404(_("No such enterprise."))
    return render(request, "portal/file.html", {"file": public_file(enterprise)})


@require_GET
def person_file(request: HttpRequest, person_id: int) -> HttpResponse:
    person = Person.objects.select_related("enterprise").filter(pk=person_id).first()
    if person is None or not Registration.objects.filter(person=person).exists():
        raise Http404(_("No such registered person."))
    return render(request, "portal/file.html", {"file": public_file(person)})


@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:64]
    hits = public_project_search(query) if query else []
    return render(request, "portal/projects.html", {"query": query, "hits": hits, "too_short": 0 < len(query) < 2})


@require_GET
def project(request: HttpRequest, code: str) -> HttpResponse:
    found = Project.objects.select_related("jurisdiction", "owner").filter(code=code).first()
    if found is None:
        raise Http404(_("No such project."))
    return render(request, "portal/project.html", {"project": public_project(found)})


@require_GET
def permit(request: HttpRequest, number: str) -> HttpResponse:
    work = PermittedWork.objects.select_related("bid_section__project").filter(permit_number=number).first()
    if work is None:
        raise Http404(_("No such construction permit."))
    return render(request, "portal/permit.html", {"page": public_permit(work)})


@require_GET
def blacklist(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/blacklist.html", {"files": public_blacklist(), "day": timezone.localdate()})


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value or default), low), high)
    except ValueError:
        return default


@require_GET
def feed(request: HttpRequest) -> JsonResponse:
    """The documented JSON feed (docs/api.md): today's disclosure only (a past day would show
    records that have expired since); ?offset=&limit= (at most 1000)."""
    offset = _int(request.GET.get("offset"), 0, 0, 10**9)
    limit = _int(request.GET.get("limit"), 500, 1, 1000)
    response = JsonResponse(public_feed(offset=offset, limit=limit), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
