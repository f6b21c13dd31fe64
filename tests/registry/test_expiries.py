"""Certificates running out and unregistered key people: events once per certificate and
threshold, and command-centre warnings."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from jianguan.command.models import Alert
from jianguan.core.models import Jurisdiction, LedgerEntry
from jianguan.registry import services
from jianguan.registry.expiries import EXPIRED, EXPIRING, NOT_REGISTERED, expiries_scan
from jianguan.registry.models import KeyPerson
from tests.registry.factories import make_enterprise, make_person, make_section, register

pytestmark = pytest.mark.django_db


def test_expiring_and_expired_are_reported_once_per_threshold(city: Jurisdiction) -> None:
    today = timezone.localdate()
    enterprise = make_enterprise()
    soon = register(make_person("孙将到期"), enterprise, "safety_b", valid_until=today + dt.timedelta(days=60))
    gone = register(make_person("钱已过期"), enterprise, "safety_c", valid_until=today - dt.timedelta(days=1))
    register(make_person("周有效"), enterprise, "safety_c", valid_until=today + dt.timedelta(days=400))

    first = expiries_scan(today=today)
    assert (first.expiring, first.expired) == (1, 1)
    assert expiries_scan(today=today).expiring == 0  # same day again: nothing new
    assert LedgerEntry.objects.filter(action=EXPIRING, object_id=str(soon.pk)).count() == 1
    assert LedgerEntry.objects.filter(action=EXPIRED, object_id=str(gone.pk)).count() == 1
    # 90-day threshold: in the ledger, no warning yet; the expired one is a warning for the market office
    assert not Alert.objects.filter(kind="registry.certificate_expiring").exists()
    expired_alert = Alert.objects.get(kind="registry.certificate_expired")
    assert expired_alert.department.code == "market"
    assert "钱已过期" in expired_alert.subject_label

    # 35 days later the 30-day threshold is reached: one more event and a warning
    later = today + dt.timedelta(days=35)
    assert expiries_scan(today=later).expiring == 1
    assert LedgerEntry.objects.filter(action=EXPIRING, object_id=str(soon.pk)).count() == 2
    assert Alert.objects.filter(kind="registry.certificate_expiring").count() == 1

    # renewed, then expired again: reported again
    services.registration_upsert(
        actor="system:test",
        person=gone.person,
        enterprise=enterprise,
        data={
            "kind": "safety_c",
            "number": gone.number,
            "issuer": gone.issuer,
            "valid_until": today + dt.timedelta(days=10),
        },
    )
    assert expiries_scan(today=today + dt.timedelta(days=11)).expired >= 1
    assert LedgerEntry.objects.filter(action=EXPIRED, object_id=str(gone.pk)).count() == 2


def test_key_person_not_registered_with_their_enterprise_raises_a_warning(city: Jurisdiction) -> None:
    setup = make_section()
    # the post is recorded for an enterprise the manager is not registered with (as imported data can be)
    other = make_enterprise()
    KeyPerson.objects.filter(pk=setup.manager_post.pk).update(enterprise=other)
    out = io.StringIO()
    call_command("registry", "expiries", stdout=out, stderr=io.StringIO())
    assert "1 key people" in out.getvalue()
    assert LedgerEntry.objects.filter(action=NOT_REGISTERED, object_id=str(setup.manager_post.pk)).count() == 1
    alert = Alert.objects.get(kind="registry.key_person_not_registered")
    assert alert.jurisdiction.code == "420502"
    assert setup.manager.name in alert.message
    call_command("registry", "expiries", stdout=io.StringIO(), stderr=io.StringIO())
    assert LedgerEntry.objects.filter(action=NOT_REGISTERED).count() == 1
