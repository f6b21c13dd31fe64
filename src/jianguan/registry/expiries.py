"""Certificates running out, and key people acting for an enterprise they are not registered
with: a daily scan writes one ledger event per certificate and threshold (and per post), and
``registry.handlers`` turns those events into command-centre warnings.

Thresholds: ``registry.certificate.expiring`` 90 and 30 days before the end of validity,
``registry.certificate.expired`` once it has passed. A renewed certificate (new end date) is
reported again when it runs out again. Re-running the scan the same day writes nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jianguan.core.ledger import Event, ledger_append_many
from jianguan.core.models import LedgerEntry
from jianguan.registry import selectors
from jianguan.registry.models import Enterprise, Qualification, Registration, SafetyLicence

THRESHOLDS = (90, 30)
EXPIRING = "registry.certificate.expiring"
EXPIRED = "registry.certificate.expired"
NOT_REGISTERED = "registry.key_person.not_registered"
ACTOR = "system:registry"

MODELS: dict[str, type[Qualification] | type[SafetyLicence] | type[Registration]] = {
    "qualification": Qualification,
    "safety_licence": SafetyLicence,
    "registration": Registration,
}


@dataclass(frozen=True)
class ExpiryResult:
    expiring: int
    expired: int
    not_registered: int


def _reported(actions: Iterable[str]) -> set[tuple[str, str, str, str, str]]:
    """(action, object_type, object_id, threshold, valid_until) already in the ledger."""
    seen = set()
    for action, object_type, object_id, payload in LedgerEntry.objects.filter(action__in=list(actions)).values_list(
        "action", "object_type", "object_id", "payload"
    ):
        data: dict[str, Any] = json.loads(payload) if isinstance(payload, str) else (payload or {})
        seen.add((action, object_type, object_id, str(data.get("threshold", "")), str(data.get("valid_until", ""))))
    return seen


def expiries_scan(*, today: dt.date | None = None, progress: Callable[[int], Any] | None = None) -> ExpiryResult:
    """Write the events not written yet for today's state. Safe to run any number of times."""
    today = today or timezone.localdate()
    with transaction.atomic():
        seen = _reported([EXPIRING, EXPIRED, NOT_REGISTERED])
        events: list[Event] = []
        counts = {"expiring": 0, "expired": 0, "not_registered": 0}
        certificates = selectors.certificates_expiring(within_days=max(THRESHOLDS), today=today)
        labels = dict(
            Enterprise.objects.filter(pk__in={c.enterprise_id for c in certificates}).values_list("pk", "uscc")
        )
        for cert in certificates:
            model = MODELS[cert.kind]
            object_type = model._meta.label_lower
            until = cert.valid_until.isoformat()
            days_left = (cert.valid_until - today).days
            payload = {
                "certificate": cert.kind,
                "number": cert.number,
                "holder": cert.holder,
                "holder_id": cert.holder_id,
                "enterprise_id": cert.enterprise_id,
                "enterprise": labels.get(cert.enterprise_id, ""),
                "valid_until": until,
            }
            if cert.expired:
                if (EXPIRED, object_type, str(cert.id), "", until) not in seen:
                    events.append(Event(EXPIRED, object_type, str(cert.id), payload))
                    counts["expired"] += 1
                continue
            # the tightest threshold reached, reported once
            threshold = min(t for t in THRESHOLDS if days_left <= t)
            if (EXPIRING, object_type, str(cert.id), str(threshold), until) not in seen:
                events.append(
                    Event(
                        EXPIRING, object_type, str(cert.id), {**payload, "threshold": threshold, "days_left": days_left}
                    )
                )
                counts["expiring"] += 1
        for post in selectors.key_people_not_registered_with_their_enterprise():
            if (NOT_REGISTERED, "registry.keyperson", str(post.pk), "", "") in seen:
                continue
            registered = post.person.enterprise
            events.append(
                Event(
                    NOT_REGISTERED,
                    "registry.keyperson",
                    str(post.pk),
                    {
                        "bid_section": post.bid_section.code,
                        "bid_section_id": post.bid_section_id,
                        "role": post.role,
                        "person_id": post.person_id,
                        "person": post.person.name,
                        "enterprise": post.enterprise.name,
                        "registered_with": registered.name if registered else "",
                    },
                )
            )
            counts["not_registered"] += 1
        if events:
            ledger_append_many(actor=ACTOR, events=events)
        if progress:
            progress(len(events))
    return ExpiryResult(counts["expiring"], counts["expired"], counts["not_registered"])
