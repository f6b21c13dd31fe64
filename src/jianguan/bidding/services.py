"""Writes of the bidding module: tenders imported from the trading centre, leads refreshed.

The trading-centre feed (documented in docs/api.md, "Trading-centre tender feed") is a JSON object
``{"tenders": [...]}`` or a CSV with one row per bid. Each tender is applied on its own, all or
nothing: a bad tender is reported with the reason and the others are applied. A tender sent again
with the same content changes nothing; with other content its bids are replaced and the change is
in the ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.bidding import markers as marker_rules
from jianguan.bidding.domain import risk_score, screen_bids
from jianguan.bidding.models import Bid, Lead, Tender
from jianguan.core import errors
from jianguan.core.ledger import Actor, canonical_json, ledger_append
from jianguan.core.models import Jurisdiction, User
from jianguan.registry.control import ControlData
from jianguan.registry.models import BidSection, Enterprise, Person

FEED_UNREADABLE = _("The tender feed cannot be read: %(reason)s")
TENDER_FIELD = _("Tender %(tender)s, field %(field)s: %(reason)s")
BID_FIELD = _("Tender %(tender)s, bid %(index)s, field %(field)s: %(reason)s")
REQUIRED = _("a value is required")
NOT_A_DATE = _("not a date (YYYY-MM-DD)")
NOT_AN_AMOUNT = _("not a positive amount")
UNKNOWN_ENTERPRISE = _("no enterprise with this unified social credit code")
UNKNOWN_PERSON = _("no person with this ID number")
UNKNOWN_DIVISION = _("no such administrative division")
UNKNOWN_SECTION = _("no such bid section")
TWO_BIDS = _("the bidder bids twice")
WINNER_NOT_BIDDER = _("the winner did not bid")

TENDER_KEYS = (
    "code",
    "name",
    "jurisdiction",
    "control_price",
    "published_on",
    "opened_on",
)
BID_TEXT_FIELDS = (
    "security_account",
    "preparer",
    "handler",
    "machine_code",
    "mac",
    "cpu_serial",
    "disk_serial",
    "dongle_serial",
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}


class _Bad(Exception):
    def __init__(self, error: errors.ApplicationError) -> None:
        self.error = error


def _tender_error(tender: str, field_name: str, reason: Any) -> _Bad:
    return _Bad(
        errors.ValidationFailed(TENDER_FIELD, code="tender_invalid", tender=tender, field=field_name, reason=reason)
    )


def _bid_error(tender: str, index: int, field_name: str, reason: Any) -> _Bad:
    return _Bad(
        errors.ValidationFailed(
            BID_FIELD, code="bid_invalid", tender=tender, index=index, field=field_name, reason=reason
        )
    )


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _amount(value: Any) -> Decimal:
    amount = Decimal(str(value).strip().replace(",", ""))
    if not amount.is_finite() or amount <= 0:
        raise InvalidOperation
    return amount.quantize(Decimal("0.01"))


def parse_feed(content: bytes, *, filename: str = "feed.json") -> list[dict[str, Any]]:
    """The tenders of a JSON or CSV feed as dictionaries (bids nested)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise errors.ValidationFailed(FEED_UNREADABLE, code="feed_unreadable", reason=str(exc)) from None
    if filename.lower().endswith(".csv"):
        tenders: dict[str, dict[str, Any]] = {}
        for row in csv.DictReader(io.StringIO(text)):
            row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
            code = row.get("tender_code", "")
            tender = tenders.setdefault(
                code,
                {
                    "code": code,
                    **{
                        key: row.get(key, "")
                        for key in ("name", "jurisdiction", "control_price", "published_on", "opened_on")
                    },
                    "bid_section": row.get("bid_section", ""),
                    "owner_uscc": row.get("owner_uscc", ""),
                    "agent_uscc": row.get("agent_uscc", ""),
                    "segment": row.get("segment", "") or "building",
                    "procedure": row.get("procedure", "") or "open",
                    "bids": [],
                },
            )
            bid = {
                key: row.get(key, "")
                for key in (
                    "bidder_uscc",
                    "amount",
                    "project_manager_id_number",
                    "upload_ip",
                    "score",
                    *BID_TEXT_FIELDS,
                )
            }
            bid["uploaded_on_site"] = row.get("uploaded_on_site", "").lower() in {"1", "true", "yes", "是"}
            bid["won"] = row.get("won", "").lower() in {"1", "true", "yes", "是"}
            tender["bids"].append(bid)
        return list(tenders.values())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.ValidationFailed(FEED_UNREADABLE, code="feed_unreadable", reason=str(exc)) from None
    tenders_list = data.get("tenders") if isinstance(data, dict) else data
    if not isinstance(tenders_list, list):
        raise errors.ValidationFailed(FEED_UNREADABLE, code="feed_unreadable", reason="no list of tenders")
    return [t if isinstance(t, dict) else {"code": str(t)} for t in tenders_list]


def _clean(raw: dict[str, Any], lookups: dict[str, Any]) -> dict[str, Any]:
    """Validate one tender and resolve its references; raise _Bad naming the first problem."""
    code = str(raw.get("code") or "").strip()
    if not code:
        raise _tender_error("?", "code", REQUIRED)
    for key in TENDER_KEYS:
        if raw.get(key) in (None, ""):
            raise _tender_error(code, key, REQUIRED)
    try:
        control_price = _amount(raw["control_price"])
    except (InvalidOperation, ValueError):
        raise _tender_error(code, "control_price", NOT_AN_AMOUNT) from None
    dates = {}
    for key in ("published_on", "opened_on"):
        try:
            dates[key] = _date(raw[key])
        except ValueError:
            raise _tender_error(code, key, NOT_A_DATE) from None
    jurisdiction = lookups["divisions"].get(str(raw["jurisdiction"]).strip())
    if jurisdiction is None:
        raise _tender_error(code, "jurisdiction", UNKNOWN_DIVISION)
    section = None
    if raw.get("bid_section"):
        section = lookups["sections"].get(str(raw["bid_section"]).strip())
        if section is None:
            raise _tender_error(code, "bid_section", UNKNOWN_SECTION)
    parties: dict[str, Enterprise | None] = {}
    for key in ("owner_uscc", "agent_uscc"):
        value = str(raw.get(key) or "").strip().upper()
        parties[key] = None
        if value:
            parties[key] = lookups["enterprises"].get(value)
            if parties[key] is None:
                raise _tender_error(code, key, UNKNOWN_ENTERPRISE)
    bids_raw = raw.get("bids") or []
    if not isinstance(bids_raw, list):
        raise _tender_error(code, "bids", REQUIRED)
    bids, seen = [], set()
    winner = str(raw.get("winner_uscc") or "").strip().upper()
    for index, bid in enumerate(bids_raw, start=1):
        uscc = str(bid.get("bidder_uscc") or "").strip().upper()
        bidder = lookups["enterprises"].get(uscc)
        if bidder is None:
            raise _bid_error(code, index, "bidder_uscc", UNKNOWN_ENTERPRISE if uscc else REQUIRED)
        if bidder.pk in seen:
            raise _bid_error(code, index, "bidder_uscc", TWO_BIDS)
        seen.add(bidder.pk)
        try:
            amount = _amount(bid.get("amount"))
        except (InvalidOperation, ValueError):
            raise _bid_error(code, index, "amount", NOT_AN_AMOUNT) from None
        pm = None
        pm_id = str(bid.get("project_manager_id_number") or "").strip().upper()
        if pm_id:
            pm = lookups["people"].get(pm_id)
            if pm is None:
                raise _bid_error(code, index, "project_manager_id_number", UNKNOWN_PERSON)
        score = None
        if bid.get("score") not in (None, ""):
            try:
                score = Decimal(str(bid["score"]))
            except InvalidOperation:
                raise _bid_error(code, index, "score", NOT_AN_AMOUNT) from None
        bids.append(
            {
                "bidder": bidder,
                "amount": amount,
                "project_manager": pm,
                "upload_ip": str(bid.get("upload_ip") or "").strip() or None,
                "uploaded_on_site": bool(bid.get("uploaded_on_site")),
                "score": score,
                "won": bool(bid.get("won")) or (winner != "" and uscc == winner),
                **{key: str(bid.get(key) or "").strip() for key in BID_TEXT_FIELDS},
            }
        )
    if winner and not any(b["won"] for b in bids):
        raise _tender_error(code, "winner_uscc", WINNER_NOT_BIDDER)
    return {
        "code": code,
        "name": str(raw["name"]).strip(),
        "jurisdiction": jurisdiction,
        "bid_section": section,
        "owner": parties["owner_uscc"],
        "agent": parties["agent_uscc"],
        "segment": str(raw.get("segment") or "building"),
        "procedure": str(raw.get("procedure") or "open"),
        "control_price": control_price,
        **dates,
        "bids": bids,
    }


def _hash(cleaned: dict[str, Any]) -> str:
    def plain(value: Any) -> Any:
        return value.pk if hasattr(value, "pk") else value

    body = {key: plain(value) for key, value in cleaned.items() if key != "bids"}
    body["bids"] = sorted(
        ({key: plain(value) for key, value in bid.items()} for bid in cleaned["bids"]), key=lambda b: b["bidder"]
    )
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _lookups(tenders: list[dict[str, Any]]) -> dict[str, Any]:
    usccs: set[str] = set()
    ids: set[str] = set()
    sections: set[str] = set()
    for tender in tenders:
        usccs.update(str(tender.get(k) or "").strip().upper() for k in ("owner_uscc", "agent_uscc"))
        sections.add(str(tender.get("bid_section") or "").strip())
        for bid in tender.get("bids") or []:
            if isinstance(bid, dict):
                usccs.add(str(bid.get("bidder_uscc") or "").strip().upper())
                ids.add(str(bid.get("project_manager_id_number") or "").strip().upper())
    return {
        "enterprises": {e.uscc: e for e in Enterprise.objects.filter(uscc__in=usccs - {""})},
        "people": {p.id_number: p for p in Person.objects.filter(id_number__in=ids - {""})},
        "sections": {s.code: s for s in BidSection.objects.filter(code__in=sections - {""})},
        "divisions": {j.code: j for j in Jurisdiction.objects.all()},
    }


def tenders_import(*, actor: Actor, tenders: list[dict[str, Any]]) -> ImportReport:
    """Apply a feed's tenders, each all or nothing; bad tenders are reported, not applied."""
    report = ImportReport()
    lookups = _lookups([t for t in tenders if isinstance(t, dict)])
    for raw in tenders:
        try:
            cleaned = _clean(raw, lookups)
        except _Bad as bad:
            report.errors.append({"tender": str(raw.get("code") or "?"), **bad.error.as_dict()})
            continue
        outcome = _tender_apply(actor=actor, cleaned=cleaned)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


@transaction.atomic
def _tender_apply(*, actor: Actor, cleaned: dict[str, Any]) -> str:
    digest = _hash(cleaned)
    bids = cleaned.pop("bids")
    tender = Tender.objects.select_for_update().filter(code=cleaned["code"]).first()
    if tender is not None and tender.content_hash == digest:
        return "unchanged"
    outcome = "updated" if tender else "created"
    if tender is None:
        tender = Tender(**cleaned, content_hash=digest)
    else:
        for key, value in cleaned.items():
            setattr(tender, key, value)
        tender.content_hash = digest
        tender.imported_at = timezone.now()
        tender.bids.all().delete()
    tender.full_clean()
    tender.save()
    Bid.objects.bulk_create([Bid(tender=tender, **bid) for bid in bids])
    ledger_append(
        actor=actor,
        action=f"bidding.tender.{outcome}",
        target=tender,
        payload={"code": tender.code, "bids": len(bids), "sha256": digest},
    )
    return outcome


def bid_facts(tender: Tender) -> list[marker_rules.BidFacts]:
    return [
        marker_rules.BidFacts(
            bidder_id=bid.bidder_id,
            bidder=bid.bidder.name,
            amount=bid.amount,
            legal_representative=bid.bidder.legal_representative,
            legal_representative_id=bid.bidder.legal_representative_id_number,
            security_account=bid.security_account,
            preparer=bid.preparer,
            handler=bid.handler,
            project_manager_id=bid.project_manager_id,
            project_manager=bid.project_manager.name if bid.project_manager else "",
            machine_code=bid.machine_code,
            mac=bid.mac,
            cpu_serial=bid.cpu_serial,
            disk_serial=bid.disk_serial,
            dongle_serial=bid.dongle_serial,
            upload_ip=bid.upload_ip or "",
            uploaded_on_site=bid.uploaded_on_site,
        )
        for bid in tender.bids.select_related("bidder", "project_manager")
    ]


LEAD_THRESHOLD = 10.0
SCREEN_MIN_BIDS_FOR_LEAD = 5


def tender_assess(
    tender: Tender, control: ControlData | None = None
) -> tuple[list[marker_rules.Marker], dict[str, Any], float]:
    """The markers, screens and lead score of one tender. ``control`` is the registry's control
    data (loaded once by ``leads_refresh``; loaded here when not given)."""
    facts = bid_facts(tender)
    control = control if control is not None else ControlData.load()
    bidders = [f.bidder_id for f in facts]
    found = marker_rules.statutory_markers(
        facts, control.groups(bidders, tender.opened_on), control.managements_between(bidders, tender.opened_on)
    )
    screens: dict[str, Any] = {}
    risk = None
    if len(facts) >= 3:
        result = screen_bids(float(f.amount) for f in facts)
        screens = {name: getattr(result, name) for name in ("cv", "spd", "kurt", "skew", "diffp", "rd", "rdnor", "ks")}
        risk = risk_score(cv=result.cv, rd=result.rd)
        screens["risk"] = risk
    # with fewer bids the screens are too noisy (RD rests on two or three losing bids) to make a
    # lead on their own; they are still shown
    counted = risk if len(facts) >= SCREEN_MIN_BIDS_FOR_LEAD else None
    return found, screens, marker_rules.lead_score(found, counted)


@transaction.atomic
def leads_refresh(*, actor: Actor = "system:bidding", since: dt.date | None = None) -> dict[str, int]:
    """Assess every tender (opened since ``since``) and keep a lead for each above the threshold."""
    tenders = Tender.objects.all()
    if since:
        tenders = tenders.filter(opened_on__gte=since)
    kept = removed = 0
    control = ControlData.load()
    for tender in tenders.iterator():
        found, screens, score = tender_assess(tender, control)
        if score >= LEAD_THRESHOLD:
            Lead.objects.update_or_create(
                tender=tender,
                defaults={"score": score, "markers": [m.as_dict() for m in found], "screens": screens},
            )
            kept += 1
        else:
            removed += Lead.objects.filter(tender=tender).delete()[0]
    ledger_append(actor=actor, action="bidding.leads.refreshed", payload={"leads": kept, "removed": removed})
    return {"leads": kept, "removed": removed}


def lead_viewed(*, user: User, lead: Lead, how: str = "page") -> None:
    """Every viewing of a lead is in the ledger: who, which lead, how (page, excel, pdf)."""
    ledger_append(
        actor=user, action="bidding.lead.viewed", target=lead, payload={"tender": lead.tender.code, "how": how}
    )
