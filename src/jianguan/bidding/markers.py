"""Statutory markers of collusion in one tender (招标投标法实施条例 art. 34 §2, 39, 40).

Plain functions over the bids of a tender; no database. Each hit is a :class:`Marker` that cites
the article, names the bidders and carries the records that match, so an investigator can check it.
What counts as a match follows REGULATIONS.md: electronic-file metadata from uploads made on site at
the opening is not compared; the same MAC + CPU + disk set (or the same MAC with different IPs: one
computer on another network) is art. 40(2); the same dongle serial or file-making machine code is
art. 40(1); a CPU match alone is a suspicion, weighted lower.

Art. 34 §2 (units whose head is the same person, or in a controlling or management relationship,
may not bid for the same section): a tender is one bid section's procurement, so every marker here
is "in the same section". The same head is the same legal representative *by resident ID number*;
control and management are as :mod:`jianguan.registry.control` defines them, on the opening day.
Where an ID number is missing, the same legal-representative name is only a weak hint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from jianguan.core.access import mask_id_number
from jianguan.registry.control import ControlGroup, Management

ARTICLES = {
    "34.2": _("Art. 34 §2: units with the same head or in a control relationship bid for the same section"),
    "40.1": _("Art. 40(1): documents prepared by the same unit or person"),
    "40.2": _("Art. 40(2): bidding handled by the same unit or person"),
    "40.3": _("Art. 40(3): the same project-management member named by different bidders"),
    "40.4": _("Art. 40(4): prices with regular differences"),
    "40.6": _("Art. 40(6): bid security paid from the same account"),
}

WEIGHTS = {  # points a marker adds to a lead's score
    "same_preparer": 40,
    "same_dongle": 40,
    "same_machine_code": 40,
    "same_handler": 40,
    "same_hardware_set": 40,
    "same_mac_other_ip": 35,
    "same_cpu_only": 15,
    "same_project_manager": 40,
    "regular_step": 30,
    "regular_ratio": 30,
    "same_security_account": 40,
    # art. 34 §2: the same legal representative (by ID number), one bidder controlling another, a
    # management relationship: each forbidden in itself, so each makes a lead
    "same_legal_representative": 40,
    "controlling_shareholder": 40,
    "management_relationship": 40,
    # two bidders under one controller: a lead, ranked a little lower (whether sister companies fall
    # under art. 34 §2 is argued; see the decision record)
    "common_controller": 30,
    # the same name where an ID number is missing: common names repeat, so this alone stays below
    # the lead threshold and only adds to other evidence
    "same_legal_representative_name": 8,
}

KIND_LABELS = {
    "same_preparer": _("The same unit or person prepared the documents"),
    "same_dongle": _("The same pricing-software dongle serial"),
    "same_machine_code": _("The same file-making machine code"),
    "same_handler": _("The same unit or person handled the bidding"),
    "same_hardware_set": _("Files uploaded from the same computer (MAC, CPU and disk)"),
    "same_mac_other_ip": _("The same network card (MAC) from different IP addresses"),
    "same_cpu_only": _("The same CPU serial (a suspicion, not proof)"),
    "same_project_manager": _("The same project manager named by different bidders"),
    "regular_step": _("Prices in a constant step"),
    "regular_ratio": _("Prices in a constant ratio"),
    "same_security_account": _("Bid security paid from the same account"),
    "same_legal_representative": _("The same legal representative (the same ID number)"),
    "controlling_shareholder": _("One bidder controls another (holding of more than 50 %)"),
    "common_controller": _("Bidders controlled by the same shareholder"),
    "management_relationship": _("Bidders in a management relationship"),
    "same_legal_representative_name": _(
        "Bidders whose legal representatives have the same name (ID number missing: check identity)"
    ),
}

RISK_FLOOR = 0.85
MIN_REGULAR_RUN = 3  # bids in a progression before it is a marker
STEP_TOLERANCE = Decimal("1.00")  # yuan
RATIO_TOLERANCE = 1e-6


@dataclass(frozen=True)
class BidFacts:
    bidder_id: int
    bidder: str
    amount: Decimal
    legal_representative: str = ""
    legal_representative_id: str = ""  # resident ID number, '' when the registry has none
    security_account: str = ""
    preparer: str = ""
    handler: str = ""
    project_manager_id: int | None = None
    project_manager: str = ""
    machine_code: str = ""
    mac: str = ""
    cpu_serial: str = ""
    disk_serial: str = ""
    dongle_serial: str = ""
    upload_ip: str = ""
    uploaded_on_site: bool = False


@dataclass
class Marker:
    kind: str
    article: str
    bidder_ids: list[int]
    bidders: list[str]
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def weight(self) -> int:
        return WEIGHTS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "article": self.article,
            "bidder_ids": self.bidder_ids,
            "bidders": self.bidders,
            "evidence": self.evidence,
            "weight": self.weight,
        }


def _norm(value: str) -> str:
    return "".join(value.split()).upper().replace("-", "").replace(":", "")


def _groups(
    bids: Sequence[BidFacts], key: Callable[[BidFacts], Any], *, electronic: bool = False
) -> list[tuple[Any, list[BidFacts]]]:
    """Groups of two or more different bidders sharing a non-empty key."""
    found: dict[Any, dict[int, BidFacts]] = defaultdict(dict)
    for bid in bids:
        if electronic and bid.uploaded_on_site:
            continue
        value = key(bid)
        if value in (None, ""):
            continue
        found[value][bid.bidder_id] = bid
    return [(value, list(members.values())) for value, members in found.items() if len(members) >= 2]


def _marker(kind: str, article: str, members: Iterable[BidFacts], **evidence: Any) -> Marker:
    members = sorted(members, key=lambda b: b.bidder_id)
    return Marker(kind, article, [b.bidder_id for b in members], [b.bidder for b in members], evidence)


def _shared(
    bids: Sequence[BidFacts], kind: str, article: str, attribute: str, *, electronic: bool = False
) -> list[Marker]:
    return [
        _marker(kind, article, members, **{attribute: value})
        for value, members in _groups(bids, lambda b: _norm(str(getattr(b, attribute))), electronic=electronic)
    ]


def hardware_markers(bids: Sequence[BidFacts]) -> list[Marker]:
    markers: list[Marker] = []
    full_sets = _groups(
        bids,
        lambda b: (
            (_norm(b.mac), _norm(b.cpu_serial), _norm(b.disk_serial))
            if b.mac and b.cpu_serial and b.disk_serial
            else None
        ),
        electronic=True,
    )
    covered: set[frozenset[int]] = set()
    for (mac, cpu, disk), members in full_sets:
        markers.append(_marker("same_hardware_set", "40.2", members, mac=mac, cpu_serial=cpu, disk_serial=disk))
        covered.add(frozenset(b.bidder_id for b in members))
    for mac, members in _groups(bids, lambda b: _norm(b.mac), electronic=True):
        ips = sorted({b.upload_ip for b in members if b.upload_ip})
        if frozenset(b.bidder_id for b in members) in covered or len(ips) < 2:
            continue
        markers.append(_marker("same_mac_other_ip", "40.2", members, mac=mac, upload_ips=ips))
    for cpu, members in _groups(bids, lambda b: _norm(b.cpu_serial), electronic=True):
        ids = frozenset(b.bidder_id for b in members)
        if any(ids <= group for group in covered):
            continue
        markers.append(_marker("same_cpu_only", "40.2", members, cpu_serial=cpu))
    return markers


def _chains(
    ordered: Sequence[BidFacts],
    following: Callable[[Decimal, Decimal], Decimal],
    close: Callable[[Decimal, Decimal], bool],
) -> list[list[int]]:
    """Longest chains of at least three bids, among any of the bids, where each next bid is
    ``following(previous, current)`` (an arithmetic or a geometric progression)."""
    amounts = [b.amount for b in ordered]
    found: list[list[int]] = []
    for i in range(len(amounts)):
        for j in range(i + 1, len(amounts)):
            if amounts[j] <= amounts[i]:
                continue
            chain = [i, j]
            while True:
                target = following(amounts[chain[-2]], amounts[chain[-1]])
                nxt = next((k for k in range(chain[-1] + 1, len(amounts)) if close(amounts[k], target)), None)
                if nxt is None:
                    break
                chain.append(nxt)
            if len(chain) >= MIN_REGULAR_RUN and not any(set(chain) <= set(other) for other in found):
                found = [other for other in found if not set(other) <= set(chain)]
                found.append(chain)
    return found


def regular_price_markers(bids: Sequence[BidFacts]) -> list[Marker]:
    """Three or more bids whose prices climb in a constant step, or in a constant ratio."""
    ordered = sorted(bids, key=lambda b: b.amount)
    markers: list[Marker] = []
    stepped: list[set[int]] = []
    for chain in _chains(ordered, lambda a, b: b + (b - a), lambda x, t: abs(x - t) <= STEP_TOLERANCE):
        members = [ordered[k] for k in chain]
        stepped.append({b.bidder_id for b in members})
        step = members[1].amount - members[0].amount
        markers.append(
            _marker("regular_step", "40.4", members, amounts=[str(b.amount) for b in members], step=str(step))
        )
    for chain in _chains(ordered, lambda a, b: b * b / a, lambda x, t: abs(float(x / t) - 1) <= RATIO_TOLERANCE):
        members = [ordered[k] for k in chain]
        if any({b.bidder_id for b in members} <= group for group in stepped):
            continue
        ratio = float(members[1].amount / members[0].amount)
        markers.append(
            _marker("regular_ratio", "40.4", members, amounts=[str(b.amount) for b in members], ratio=round(ratio, 8))
        )
    return markers


def legal_representative_markers(bids: Sequence[BidFacts]) -> list[Marker]:
    """The same legal representative by ID number (art. 34 §2); the same name only where an ID
    number is missing (bidders whose IDs differ are different people, whatever their names)."""
    markers = [
        _marker(
            "same_legal_representative",
            "34.2",
            members,
            legal_representative=sorted({b.legal_representative for b in members}),
            id_number=mask_id_number(number),
        )
        for number, members in _groups(bids, lambda b: b.legal_representative_id.strip().upper())
    ]
    for name, members in _groups(bids, lambda b: "".join(b.legal_representative.split())):
        unknown = [b for b in members if not b.legal_representative_id]
        if not unknown:
            continue
        markers.append(
            _marker(
                "same_legal_representative_name",
                "34.2",
                members,
                legal_representative=name,
                id_number_missing=[b.bidder for b in sorted(unknown, key=lambda b: b.bidder_id)],
            )
        )
    return markers


def control_markers(
    bids: Sequence[BidFacts], groups: Sequence[ControlGroup], managements: Sequence[Management]
) -> list[Marker]:
    """Bidders tied by control or management (art. 34 §2), with the registry records that show it."""
    by_id = {b.bidder_id: b for b in bids}
    markers = []
    for group in groups:
        members = [by_id[m] for m in group.members if m in by_id]
        if len(members) < 2:
            continue
        markers.append(
            _marker(
                group.kind,
                "34.2",
                members,
                controller=group.controller,
                holdings=[h.text() for h in group.holdings],
            )
        )
    for relation in managements:
        if relation.manager not in by_id or relation.managed not in by_id:
            continue
        period = f"{relation.since or '…'}–{relation.until or ''}"
        markers.append(
            _marker(
                "management_relationship",
                "34.2",
                [by_id[relation.manager], by_id[relation.managed]],
                managing_unit=relation.manager_name,
                managed_unit=relation.managed_name,
                relation=relation.kind,
                basis=relation.basis,
                record=f"#{relation.record} ({period})",
            )
        )
    return markers


def statutory_markers(
    bids: Sequence[BidFacts],
    groups: Sequence[ControlGroup] = (),
    managements: Sequence[Management] = (),
) -> list[Marker]:
    """Every statutory marker in one tender's bids; ``groups`` and ``managements`` are the control
    facts among its bidders on the opening day (``registry.control``)."""
    markers = [
        *_shared(bids, "same_preparer", "40.1", "preparer"),
        *_shared(bids, "same_dongle", "40.1", "dongle_serial", electronic=True),
        *_shared(bids, "same_machine_code", "40.1", "machine_code", electronic=True),
        *_shared(bids, "same_handler", "40.2", "handler"),
        *hardware_markers(bids),
        *regular_price_markers(bids),
        *_shared(bids, "same_security_account", "40.6", "security_account"),
        *legal_representative_markers(bids),
        *control_markers(bids, groups, managements),
    ]
    for _pm, members in _groups(bids, lambda b: b.project_manager_id):
        markers.append(_marker("same_project_manager", "40.3", members, project_manager=members[0].project_manager))
    return markers


def lead_score(markers: Sequence[Marker], risk: float | None) -> float:
    """Points from the markers, plus up to 15 from a statistical risk score above 0.85 (so the
    screens alone make a lead only above 0.95, where honest competition rarely goes)."""
    points = float(sum(m.weight for m in markers))
    if risk is not None and risk > RISK_FLOOR:
        points += round((risk - RISK_FLOOR) * 100, 1)
    return round(points, 1)
