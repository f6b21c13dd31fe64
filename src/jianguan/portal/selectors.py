"""What the public may see of projects and construction permits, and nothing more.

A project's registration facts (code, name, address, division, owner, use, investment, area,
status), its bid sections with the enterprises taking part and the key people in post, and the
construction permits issued for them. Each enterprise and registered person comes with the credit
the portal discloses (:func:`jianguan.credit.public.public_file`: today's score and grade replayed
from the records in force today, and those records only). People are named with their role and,
when they hold a registration, a link to their public file; their ID numbers, phones and the
enterprises' phones are never part of what is returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from jianguan.credit.public import PublicFile, public_file
from jianguan.registry.models import BidSection, Enterprise, PermittedWork, Person, Project, Registration

MAX_RESULTS = 50


@dataclass(frozen=True)
class PublicPermit:
    number: str
    name: str
    issued_on: dt.date
    floor_area: Decimal | None
    contract_price: Decimal | None
    status: str  # the licensing module's status label, "" when it does not know the permit
    status_code: str
    section_code: str
    project_code: str
    project_name: str


@dataclass(frozen=True)
class PublicParticipant:
    role: str
    file: PublicFile


@dataclass(frozen=True)
class PublicKeyPerson:
    role: str
    name: str
    file: PublicFile | None  # None when the person holds no registration (no public credit file)


@dataclass(frozen=True)
class PublicSection:
    code: str
    name: str
    status: str
    contract_price: Decimal | None
    participants: list[PublicParticipant] = field(default_factory=list)
    key_people: list[PublicKeyPerson] = field(default_factory=list)
    permits: list[PublicPermit] = field(default_factory=list)


@dataclass(frozen=True)
class PublicProject:
    code: str
    name: str
    address: str
    jurisdiction: str
    owner: PublicFile
    category: str
    function: str
    investment: Decimal
    floor_area: Decimal
    registered_on: dt.date
    status: str
    day: dt.date
    sections: list[PublicSection] = field(default_factory=list)


@dataclass(frozen=True)
class ProjectHit:
    kind: str  # "project" | "permit"
    key: str  # the project code, or the permit number
    name: str
    detail: str


def _licensing_status(works: list[PermittedWork]) -> dict[int, tuple[str, str]]:
    """The licensing module's status of each permitted work's permit, when it is installed."""
    if not apps.is_installed("jianguan.licensing") or not works:
        return {}
    from jianguan.licensing.models import Permit

    return {
        p.permitted_work_id: (p.status, str(p.get_status_display()))
        for p in Permit.objects.filter(permitted_work__in=works)
        if p.permitted_work_id is not None
    }


def _permits(works: list[PermittedWork]) -> list[PublicPermit]:
    statuses = _licensing_status(works)
    found = []
    for work in works:
        code, label = statuses.get(work.pk, ("", ""))
        section = work.bid_section
        found.append(
            PublicPermit(
                number=work.permit_number,
                name=work.name,
                issued_on=work.issued_on,
                floor_area=work.floor_area,
                contract_price=work.contract_price,
                status=label,
                status_code=code,
                section_code=section.code,
                project_code=section.project.code,
                project_name=section.project.name,
            )
        )
    return found


class _Files:
    """Public credit files, each subject replayed once per page."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.cache: dict[tuple[str, int], PublicFile] = {}

    def of(self, target: Enterprise | Person) -> PublicFile:
        key = ("enterprise" if isinstance(target, Enterprise) else "person", target.pk)
        if key not in self.cache:
            self.cache[key] = public_file(target, self.day)
        return self.cache[key]


def _section(section: BidSection, files: _Files, registered: set[int]) -> PublicSection:
    participants = [
        PublicParticipant(str(p.get_role_display()), files.of(p.enterprise))
        for p in section.participants.select_related("enterprise").order_by("role")
    ]
    key_people = [
        PublicKeyPerson(
            str(post.get_role_display()),
            post.person.name,
            files.of(post.person) if post.person_id in registered else None,
        )
        for post in section.key_people.filter(ended_on__isnull=True).select_related("person").order_by("role")
    ]
    works = list(section.permitted_works.select_related("bid_section__project").order_by("issued_on"))
    return PublicSection(
        code=section.code,
        name=section.name,
        status=str(section.get_status_display()),
        contract_price=section.contract_price,
        participants=participants,
        key_people=key_people,
        permits=_permits(works),
    )


def _registered(sections: list[BidSection]) -> set[int]:
    people = Person.objects.filter(key_posts__bid_section__in=sections, key_posts__ended_on__isnull=True)
    return set(Registration.objects.filter(person__in=people).values_list("person_id", flat=True))


def public_project(project: Project, on: dt.date | None = None) -> PublicProject:
    """A project as the public sees it, with every bid section, participant, key person and permit."""
    day = on or timezone.localdate()
    files = _Files(day)
    sections = list(project.bid_sections.order_by("code"))
    registered = _registered(sections)
    return PublicProject(
        code=project.code,
        name=project.name,
        address=project.address,
        jurisdiction=project.jurisdiction.name,
        owner=files.of(project.owner),
        category=str(project.get_category_display()),
        function=str(project.get_function_display()),
        investment=project.investment,
        floor_area=project.floor_area,
        registered_on=project.registered_on,
        status=str(project.get_status_display()),
        day=day,
        sections=[_section(s, files, registered) for s in sections],
    )


@dataclass(frozen=True)
class PublicPermitPage:
    permit: PublicPermit
    project: PublicProject
    section: PublicSection


def public_permit(work: PermittedWork, on: dt.date | None = None) -> PublicPermitPage:
    """A construction permit: its facts and the bid section it covers, with the section's
    participants and key people and their credit."""
    day = on or timezone.localdate()
    project = public_project(work.bid_section.project, day)
    section = next(s for s in project.sections if s.code == work.bid_section.code)
    permit = next(p for p in section.permits if p.number == work.permit_number)
    return PublicPermitPage(permit=permit, project=project, section=section)


def public_project_search(query: str) -> list[ProjectHit]:
    """Projects by name part, address part or exact project code; permits by exact permit number
    or name part."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    hits: list[ProjectHit] = []
    projects = (
        Project.objects.filter(Q(name__icontains=query) | Q(address__icontains=query) | Q(code=query))
        .select_related("jurisdiction", "owner")
        .order_by("-registered_on", "code")
    )
    for p in projects[:MAX_RESULTS]:
        hits.append(ProjectHit("project", p.code, p.name, f"{p.jurisdiction.name} · {p.address}"))
    works = (
        PermittedWork.objects.filter(Q(permit_number=query) | Q(name__icontains=query))
        .select_related("bid_section__project")
        .order_by("-issued_on", "permit_number")
    )
    for w in works[:MAX_RESULTS]:
        hits.append(
            ProjectHit("permit", w.permit_number, w.name, f"{w.issued_on:%Y-%m-%d} · {w.bid_section.project.name}")
        )
    return hits
