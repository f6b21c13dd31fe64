"""The registry's demo city: valid identifiers, a whole project tree, and the planted problems
found by the selectors."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from jianguan.core.demo_framework import demo_build
from jianguan.core.models import LedgerEntry
from jianguan.registry import domain, selectors
from jianguan.registry.models import BidSection, Enterprise, KeyPerson, Person, Project, Registration

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


def test_tiny_demo_builds_a_registry_with_its_planted_problems() -> None:
    demo_build(scale="tiny", seed=7, today=TODAY, out=io.StringIO(), show_progress=False)
    assert Enterprise.objects.filter(source="demo").count() == 60  # other steps add labs, bidders …
    assert Person.objects.filter(source="demo").count() == 600
    assert Project.objects.count() >= 30  # other steps may register a few through the services
    for enterprise in Enterprise.objects.all():
        assert domain.clean_uscc(enterprise.uscc) == enterprise.uscc
    for person in Person.objects.all():
        ident = domain.parse_ric(person.id_number)
        assert (ident.gender, ident.birth_date) == (person.gender, person.birth_date)
    # 人证合一: every registration is with the person's one enterprise
    assert not Registration.objects.exclude(enterprise_id=models_f("person__enterprise_id")).exists()
    # every active section has a contractor and a project manager
    active = BidSection.objects.filter(status="active")
    assert active.exists()
    assert active.filter(participants__role="contractor").distinct().count() == active.count()
    assert KeyPerson.objects.filter(role="project_manager", ended_on__isnull=True).exists()
    # planted: key people acting for an enterprise they are not registered with
    assert selectors.key_people_not_registered_with_their_enterprise().count() >= 2
    # planted: expired safety licences still taking work, and certificates running out
    assert selectors.active_sections_of_expired_enterprises(today=TODAY).exists()
    expiring = selectors.certificates_expiring(today=TODAY)
    assert any(c.expired for c in expiring)
    assert any(not c.expired for c in expiring)
    # every object is in the ledger, the ID numbers are not
    assert LedgerEntry.objects.filter(action="registry.person.created").count() == Person.objects.count()
    assert LedgerEntry.objects.filter(action="registry.bid_section.added").count() == BidSection.objects.count()
    some = Person.objects.first()
    assert some is not None
    assert not LedgerEntry.objects.filter(payload__icontains=some.id_number).exists()


def test_the_demo_is_reproducible() -> None:
    demo_build(scale="tiny", seed=11, today=TODAY, out=io.StringIO(), show_progress=False)
    first = list(Enterprise.objects.order_by("pk").values_list("uscc", "name"))[:10]
    people = list(Person.objects.order_by("pk").values_list("id_number", flat=True))[:10]
    assert len(set(first)) == 10
    assert len(set(people)) == 10


def models_f(name: str) -> object:
    from django.db.models import F

    return F(name)
