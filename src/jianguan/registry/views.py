"""The base registry's pages: search and detail of enterprises, people and projects (with the
project tree), the certificates running out, and the forms of the main writes. Every write goes
through ``registry.services``; their bilingual errors are shown next to the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from jianguan.core.access import acting_user, require_permission
from jianguan.core.errors import ApplicationError
from jianguan.core.ledger import ledger_entries_for
from jianguan.core.models import Jurisdiction
from jianguan.registry import selectors, services
from jianguan.registry.forms import (
    BidSectionForm,
    EnterpriseForm,
    KeyPersonForm,
    ManagementForm,
    ParticipantForm,
    PersonForm,
    ProjectForm,
    QualificationForm,
    RegistrationForm,
    SafetyLicenceForm,
    ShareholdingForm,
    apply_error,
)
from jianguan.registry.models import (
    BidSection,
    Enterprise,
    KeyPerson,
    Participant,
    Person,
    Project,
    Registration,
    UnitProject,
)

NO_ENTERPRISE = gettext_lazy("There is no enterprise with the unified social credit code %(uscc)s.")
NO_PERSON = gettext_lazy("There is no person with the resident ID number %(number)s.")


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, 50).get_page(request.GET.get("page"))


def _filters(request: HttpRequest, *names: str) -> dict[str, str]:
    # NUL cannot be stored or compared in PostgreSQL text; drop it rather than fail
    values = {name: request.GET.get(name, "").replace("\x00", "").strip()[:100] for name in names}
    for name in ("enterprise", "owner"):  # ids: anything else is ignored rather than a server error
        if name in values and not (values[name].isdigit() and len(values[name]) < 10):
            values[name] = ""
    return values


def _districts() -> Any:
    return Jurisdiction.objects.exclude(level=Jurisdiction.Level.CITY).order_by("code")


def _list(request: HttpRequest, template: str, rows: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, rows if request.headers.get("HX-Request") else template, context)


def _enterprise_by_uscc(form: forms.Form, field: str) -> Enterprise | None:
    code = str(form.cleaned_data[field]).strip().upper()
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        form.add_error(field, NO_ENTERPRISE % {"uscc": code})
    return enterprise


def _person_by_id_number(form: forms.Form, field: str) -> Person | None:
    number = str(form.cleaned_data[field]).strip().upper()
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        form.add_error(field, NO_PERSON % {"number": number})
    return person


def _write(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    back: str,
    action: Callable[[], Any],
    done: Callable[[Any], str],
    success: str,
) -> HttpResponse:
    """Run ``action`` (which calls a service) when the form is valid; on a service error show it on
    the form, otherwise redirect to ``done(result)``."""
    if request.method == "POST" and form.is_valid():
        try:
            result = action()
        except ApplicationError as error:
            apply_error(form, error)
        else:
            if result is not None:
                messages.success(request, success)
                return redirect(done(result))
    back_url = reverse(back) if back.startswith("registry:") else back
    return render(request, "registry/form.html", {"form": form, "title": title, "back": back_url})


# --- enterprises ---------------------------------------------------------------------------


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request, "q", "kind", "status", "jurisdiction")
    page = _page(request, selectors.enterprise_list(user=request.user, filters=filters))
    context = {
        "page": page,
        "filters": filters,
        "kinds": Enterprise.Kind.choices,
        "statuses": Enterprise.Status.choices,
        "districts": _districts(),
        "can_add": request.user.has_perm("registry.add_enterprise"),
    }
    return _list(request, "registry/enterprise_list.html", "registry/enterprise_rows.html", context)


@login_required
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
    licence = getattr(enterprise, "safety_licence", None) if hasattr(enterprise, "safety_licence") else None
    people = Person.objects.filter(enterprise=enterprise).order_by("name", "pk")
    registrations = (
        Registration.objects.filter(enterprise=enterprise).select_related("person").order_by("person__name", "kind")
    )
    sections = selectors.enterprise_projects(user=request.user, enterprise=enterprise).prefetch_related(
        Prefetch("participants", queryset=Participant.objects.filter(enterprise=enterprise), to_attr="own_roles")
    )
    context = {
        "enterprise": enterprise,
        "qualifications": enterprise.qualifications.all(),
        "licence": licence,
        "registrations": registrations[:500],
        "registration_count": registrations.count(),
        "people_count": people.count(),
        "sections": sections[:200],
        "section_count": sections.count(),
        "owned": selectors.project_list(user=request.user, filters={"owner": enterprise.pk})[:200],
        "trail": ledger_entries_for(enterprise),
        "today": timezone.localdate(),
        "can_edit": request.user.has_perm("registry.change_qualification"),
        "can_licence": request.user.has_perm("registry.change_safetylicence"),
        "can_control": request.user.has_perm("registry.change_enterprise"),
        "legal_representative_id": selectors.legal_representative_id_display(request.user, enterprise),
        "control": selectors.enterprise_control(user=request.user, enterprise=enterprise),
    }
    return render(request, "registry/enterprise_detail.html", context)


def _shareholding_save(request: HttpRequest, form: ShareholdingForm, enterprise: Enterprise) -> Any:
    data = form.cleaned_data
    actor = acting_user(request)
    holder: dict[str, Any] = {}
    if data["holder_uscc"] and data["holder_id_number"]:
        raise ApplicationError(services.HOLDER_ONE, code="shareholder_one")
    if data["holder_uscc"]:
        holder["holder_enterprise"] = _enterprise_by_uscc(form, "holder_uscc")
        if holder["holder_enterprise"] is None:
            return None
    elif data["holder_id_number"]:
        holder["holder_person"] = services.shareholder_person(
            actor=actor, id_number=data["holder_id_number"], name=data["holder_name"]
        )
    values = {"share": data["share"], "since": data["since"], "until": data["until"], **holder}
    return services.shareholding_upsert(actor=actor, enterprise=enterprise, data=values)[0]


@login_required
def shareholding_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
    require_permission(request.user, "registry.change_enterprise", action=_("record shareholders"))
    form = ShareholdingForm(request.POST or None)
    back = reverse("registry:enterprise-detail", args=[enterprise.pk])
    return _write(
        request,
        form,
        title=_("Record a shareholder: %(name)s") % {"name": enterprise.name},
        back=back,
        action=lambda: _shareholding_save(request, form, enterprise),
        done=lambda _r: back + "#control",
        success=_("Shareholder recorded."),
    )


def _management_save(request: HttpRequest, form: ManagementForm, enterprise: Enterprise) -> Any:
    other = _enterprise_by_uscc(form, "other")
    if other is None:
        return None
    data = form.cleaned_data
    manager, managed = (enterprise, other) if data["direction"] == "manages" else (other, enterprise)
    values = {key: data[key] for key in ("kind", "basis", "since", "until")}
    return services.management_upsert(actor=acting_user(request), manager=manager, managed=managed, data=values)[0]


@login_required
def management_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
    require_permission(request.user, "registry.change_enterprise", action=_("record management relationships"))
    form = ManagementForm(request.POST or None)
    back = reverse("registry:enterprise-detail", args=[enterprise.pk])
    return _write(
        request,
        form,
        title=_("Record a management relationship: %(name)s") % {"name": enterprise.name},
        back=back,
        action=lambda: _management_save(request, form, enterprise),
        done=lambda _r: back + "#control",
        success=_("Management relationship recorded."),
    )


@login_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "registry.add_enterprise", action=_("register enterprises"))
    form = EnterpriseForm(request.POST or None)
    return _write(
        request,
        form,
        title=_("Register an enterprise"),
        back="registry:enterprise-list",
        action=lambda: services.enterprise_create(actor=acting_user(request), data=form.service_data()),
        done=lambda e: reverse("registry:enterprise-detail", args=[e.pk]),
        success=_("Enterprise registered."),
    )


@login_required
def qualification_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
    require_permission(request.user, "registry.change_qualification", action=_("record qualifications"))
    form = QualificationForm(request.POST or None)
    return _write(
        request,
        form,
        title=_("Add a qualification: %(name)s") % {"name": enterprise.name},
        back=reverse("registry:enterprise-detail", args=[enterprise.pk]),
        action=lambda: services.qualification_upsert(
            actor=acting_user(request), enterprise=enterprise, data=form.service_data()
        ),
        done=lambda _r: reverse("registry:enterprise-detail", args=[enterprise.pk]),
        success=_("Qualification recorded."),
    )


@login_required
def safety_licence_set(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.access_enterprise_by_id(request.user, enterprise_id)
    require_permission(request.user, "registry.change_safetylicence", action=_("record safety licences"))
    form = SafetyLicenceForm(request.POST or None)
    return _write(
        request,
        form,
        title=_("Safety production licence: %(name)s") % {"name": enterprise.name},
        back=reverse("registry:enterprise-detail", args=[enterprise.pk]),
        action=lambda: services.safety_licence_upsert(
            actor=acting_user(request), enterprise=enterprise, data=form.service_data()
        ),
        done=lambda _r: reverse("registry:enterprise-detail", args=[enterprise.pk]),
        success=_("Safety licence recorded."),
    )


# --- people --------------------------------------------------------------------------------


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request, "q", "enterprise")
    queryset = selectors.person_list(user=request.user, filters=filters)
    page = _page(request, queryset)
    page.object_list = [selectors.person_display(request.user, person) for person in page.object_list]
    context = {"page": page, "filters": filters, "can_add": request.user.has_perm("registry.add_person")}
    return _list(request, "registry/person_list.html", "registry/person_rows.html", context)


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.access_person_by_id(request.user, person_id)
    posts = (
        KeyPerson.objects.filter(person=person)
        .select_related("bid_section", "bid_section__project", "enterprise")
        .order_by("-started_on")
    )
    context = {
        "person": person,
        "view": selectors.person_display(request.user, person),
        "registrations": person.registrations.select_related("enterprise").order_by("kind"),
        "posts": posts,
        "visible_sections": set(
            selectors.bid_section_list(user=request.user)
            .filter(pk__in=[p.bid_section_id for p in posts])
            .values_list("pk", flat=True)
        ),
        "trail": ledger_entries_for(person),
        "today": timezone.localdate(),
        "can_register": request.user.has_perm("registry.change_registration"),
    }
    return render(request, "registry/person_detail.html", context)


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "registry.add_person", action=_("register people"))
    form = PersonForm(request.POST or None)
    return _write(
        request,
        form,
        title=_("Register a person"),
        back="registry:person-list",
        action=lambda: services.person_create(actor=acting_user(request), data=form.cleaned_data),
        done=lambda p: reverse("registry:person-detail", args=[p.pk]),
        success=_("Person registered."),
    )


@login_required
def registration_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.access_person_by_id(request.user, person_id)
    require_permission(request.user, "registry.change_registration", action=_("record registrations"))
    initial = {"enterprise": person.enterprise.uscc} if person.enterprise else {}
    form = RegistrationForm(request.POST or None, initial=initial)

    def action() -> Any:
        enterprise = _enterprise_by_uscc(form, "enterprise")
        if enterprise is None:
            return None
        data = {k: v for k, v in form.cleaned_data.items() if k != "enterprise"}
        return services.registration_upsert(actor=acting_user(request), person=person, enterprise=enterprise, data=data)

    return _write(
        request,
        form,
        title=_("Add a registration: %(name)s") % {"name": person.name},
        back=reverse("registry:person-detail", args=[person.pk]),
        action=action,
        done=lambda _r: reverse("registry:person-detail", args=[person.pk]),
        success=_("Registration recorded."),
    )


# --- projects ------------------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request, "q", "status", "category", "jurisdiction")
    page = _page(request, selectors.project_list(user=request.user, filters=filters))
    context = {
        "page": page,
        "filters": filters,
        "statuses": [
            (code, pgettext("project status", "Registered") if code == "registered" else label)
            for code, label in Project.Status.choices
        ],
        "categories": Project.Category.choices,
        "districts": _districts(),
        "can_add": request.user.has_perm("registry.add_project"),
    }
    return _list(request, "registry/project_list.html", "registry/project_rows.html", context)


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.access_project_by_id(request.user, project_id)
    sections = (
        BidSection.objects.filter(project=project)
        .prefetch_related(
            "units",
            "permitted_works",
            Prefetch("participants", queryset=Participant.objects.select_related("enterprise")),
            Prefetch(
                "key_people",
                queryset=KeyPerson.objects.select_related("person", "enterprise", "person__enterprise").order_by(
                    "ended_on", "role", "-started_on"
                ),
            ),
        )
        .order_by("code")
    )
    units = UnitProject.objects.filter(project=project).prefetch_related("bid_sections").order_by("code")
    context = {
        "project": project,
        "units": units,
        "sections": sections,
        "trail": ledger_entries_for(project),
        "can_edit": request.user.has_perm("registry.change_project"),
        "can_participants": request.user.has_perm("registry.change_bidsection"),
        "can_key_people": request.user.has_perm("registry.change_keyperson"),
    }
    return render(request, "registry/project_detail.html", context)


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "registry.add_project", action=_("register projects"))
    form = ProjectForm(request.POST or None)

    def action() -> Any:
        owner = _enterprise_by_uscc(form, "owner")
        if owner is None:
            return None
        data = {k: v for k, v in form.cleaned_data.items() if k != "owner" and v not in (None, "")}
        data["jurisdiction"] = form.cleaned_data["jurisdiction"].code
        return services.project_register(actor=acting_user(request), owner=owner, data=data)

    return _write(
        request,
        form,
        title=_("Register a project"),
        back="registry:project-list",
        action=action,
        done=lambda p: reverse("registry:project-detail", args=[p.pk]),
        success=_("Project registered."),
    )


@login_required
def bid_section_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.access_project_by_id(request.user, project_id)
    require_permission(request.user, "registry.change_project", action=_("add bid sections"))
    form = BidSectionForm(request.POST or None, project=project)

    def action() -> Any:
        data = {"name": form.cleaned_data["name"], "contract_price": form.cleaned_data["contract_price"]}
        return services.bid_section_add(
            actor=acting_user(request), project=project, data=data, units=list(form.cleaned_data["units"])
        )

    return _write(
        request,
        form,
        title=_("Add a bid section: %(name)s") % {"name": project.name},
        back=reverse("registry:project-detail", args=[project.pk]),
        action=action,
        done=lambda s: reverse("registry:project-detail", args=[project.pk]) + f"#section-{s.pk}",
        success=_("Bid section added."),
    )


@login_required
def participant_set(request: HttpRequest, section_id: int) -> HttpResponse:
    section = selectors.access_bid_section_by_id(request.user, section_id)
    require_permission(request.user, "registry.change_bidsection", action=_("name participants"))
    form = ParticipantForm(request.POST or None, initial={"role": request.GET.get("role", "")})

    def action() -> Any:
        enterprise = _enterprise_by_uscc(form, "enterprise")
        if enterprise is None:
            return None
        return services.participant_set(
            actor=acting_user(request), section=section, role=form.cleaned_data["role"], enterprise=enterprise
        )

    return _write(
        request,
        form,
        title=_("Name a participant: %(section)s") % {"section": section},
        back=reverse("registry:project-detail", args=[section.project_id]),
        action=action,
        done=lambda _r: reverse("registry:project-detail", args=[section.project_id]) + f"#section-{section.pk}",
        success=_("Participant recorded."),
    )


@login_required
def key_person_assign(request: HttpRequest, section_id: int) -> HttpResponse:
    section = selectors.access_bid_section_by_id(request.user, section_id)
    require_permission(request.user, "registry.change_keyperson", action=_("assign key people"))
    form = KeyPersonForm(request.POST or None, initial={"role": request.GET.get("role", "")})

    def action() -> Any:
        person = _person_by_id_number(form, "person")
        if person is None:
            return None
        return services.key_person_assign(
            actor=acting_user(request),
            section=section,
            role=form.cleaned_data["role"],
            person=person,
            started_on=form.cleaned_data["started_on"],
        )

    return _write(
        request,
        form,
        title=_("Assign a key person: %(section)s") % {"section": section},
        back=reverse("registry:project-detail", args=[section.project_id]),
        action=action,
        done=lambda _r: reverse("registry:project-detail", args=[section.project_id]) + f"#section-{section.pk}",
        success=_("Key person assigned."),
    )


# --- certificates --------------------------------------------------------------------------


@login_required
def certificate_expiring(request: HttpRequest) -> HttpResponse:
    try:
        within = min(max(int(request.GET.get("within", 90)), 0), 730)
    except ValueError:
        within = 90
    only = request.GET.get("kind", "")
    rows = selectors.certificates_expiring(user=request.user, within_days=within)
    if only:
        rows = [row for row in rows if row.kind == only]
    expired = request.GET.get("expired", "")
    if expired in {"0", "1"}:
        rows = [row for row in rows if row.expired == (expired == "1")]
    filters = {"within": str(within), "kind": only, "expired": expired}
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    kinds = [
        ("qualification", _("Qualification")),
        ("safety_licence", _("Safety production licence")),
        ("registration", _("Registration")),
    ]
    context = {
        "page": page,
        "filters": filters,
        "kinds": kinds,
        "kind_labels": dict(kinds),
        "expired_count": sum(1 for row in rows if row.expired),
        "today": timezone.localdate(),
    }
    return render(request, "registry/certificate_expiring.html", context)
