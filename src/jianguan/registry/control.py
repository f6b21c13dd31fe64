"""Control relationships between enterprises on a given day, for 招标投标法实施条例 art. 34 §2
("单位负责人为同一人或者存在控股、管理关系的不同单位，不得参加同一标段投标").

Definitions (the reasons: docs/decisions/0012-bidding-control-relationship.md):

* **controls** — X controls enterprise E on day d when X holds more than 50 % of E on d (the
  controlling shareholder of 公司法 art. 265), or X controls an enterprise that holds more than 50 %
  of E on d: control runs along a chain of majority holdings, any number of steps. X is an
  enterprise or a natural person.
* two enterprises are in a **controlling relationship** when one controls the other;
* they have a **common controller** when a third party (enterprise or person) controls both;
* they are in a **management relationship** when a recorded ``ManagementRelation`` between them
  (either direction) is in force on d.

A holding of 50 % or less is not control here, even if its votes may sway the board (the second
limb of art. 265): the registry cannot see votes, so such cases are for the investigator.

Everything below :func:`ControlData.load` is plain Python over the loaded records, so the rules are
tested without a database and one load serves every tender of a leads refresh.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Node = tuple[str, int]  # ("enterprise", id) or ("person", id)

CONTROL_SHARE = Decimal(50)  # more than this is control
MAX_CHAIN = 32  # a guard against cycles in bad data; real chains are a few steps


def _period_text(since: dt.date | None, until: dt.date | None) -> str:
    return f"{since.isoformat() if since else '…'}–{until.isoformat() if until else ''}"


def _in_force(since: dt.date | None, until: dt.date | None, day: dt.date) -> bool:
    return (since is None or since <= day) and (until is None or until >= day)


@dataclass(frozen=True)
class Holding:
    """A majority holding (share > 50 %) as loaded from ``Shareholding``."""

    record: int
    holder: Node
    held: int
    holder_name: str
    held_name: str
    share: Decimal
    since: dt.date | None = None
    until: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return _in_force(self.since, self.until, day)

    def text(self) -> str:
        return (
            f"#{self.record} {self.holder_name} → {self.held_name} {self.share:.2f}% "
            f"({_period_text(self.since, self.until)})"
        )


@dataclass(frozen=True)
class Management:
    record: int
    manager: int
    managed: int
    manager_name: str
    managed_name: str
    kind: str
    basis: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return _in_force(self.since, self.until, day)


@dataclass(frozen=True)
class ControlGroup:
    """Bidders (two or more) tied by majority holdings. ``kind`` is ``controlling_shareholder`` when
    one of them controls another, else ``common_controller``; ``controller`` names the nearest party
    controlling (or being) every member; ``holdings`` are the records of the chains, as evidence."""

    members: tuple[int, ...]
    kind: str
    controller: str
    holdings: tuple[Holding, ...]


def _controllers(enterprise: int, parents: Mapping[int, list[Holding]]) -> dict[Node, tuple[int, list[Holding]]]:
    """Everyone controlling the enterprise, with the distance and the chain of holdings to it."""
    found: dict[Node, tuple[int, list[Holding]]] = {}
    frontier: list[tuple[int, list[Holding]]] = [(enterprise, [])]
    for depth in range(1, MAX_CHAIN + 1):
        following: list[tuple[int, list[Holding]]] = []
        for held, chain in frontier:
            for holding in parents.get(held, ()):
                node = holding.holder
                if node in found or node == ("enterprise", enterprise):
                    continue
                found[node] = (depth, [*chain, holding])
                if node[0] == "enterprise":
                    following.append((node[1], found[node][1]))
        if not following:
            break
        frontier = following
    return found


def control_groups(
    members: Iterable[int], holdings: Iterable[Holding], day: dt.date, names: Mapping[Node, str] | None = None
) -> list[ControlGroup]:
    """The groups of ``members`` (enterprise ids) tied by control on ``day``."""
    parents: dict[int, list[Holding]] = defaultdict(list)
    node_names: dict[Node, str] = dict(names or {})
    for holding in holdings:
        if holding.share > CONTROL_SHARE and holding.in_force(day):
            parents[holding.held].append(holding)
            node_names.setdefault(holding.holder, holding.holder_name)
            node_names.setdefault(("enterprise", holding.held), holding.held_name)
    ids = sorted(set(members))
    above = {e: _controllers(e, parents) for e in ids}
    # union of members whose sets of controllers (with themselves) meet
    reach = {e: {("enterprise", e), *above[e]} for e in ids}
    groups: list[list[int]] = []
    for e in ids:
        joined = [g for g in groups if any(reach[e] & reach[o] for o in g)]
        merged = [e, *(o for g in joined for o in g)]
        groups = [g for g in groups if g not in joined] + [sorted(merged)]
    found: list[ControlGroup] = []
    for group in sorted(groups):
        if len(group) < 2:
            continue
        controls_another = any(("enterprise", a) in above[b] for a in group for b in group if a != b)
        common = set.intersection(*(reach[e] for e in group))

        def distance(node: Node, group: list[int] = group) -> tuple[int, str]:
            total = sum(0 if node == ("enterprise", e) else above[e][node][0] for e in group)
            return total, node_names.get(node, "")

        controller = node_names.get(min(common, key=distance), "") if common else ""
        chains: dict[int, Holding] = {}
        for e in group:
            targets = [min(common, key=distance)] if common else list(above[e])
            for node in targets:
                if node in above[e]:
                    for holding in above[e][node][1]:
                        chains[holding.record] = holding
        found.append(
            ControlGroup(
                members=tuple(group),
                kind="controlling_shareholder" if controls_another else "common_controller",
                controller=controller,
                holdings=tuple(sorted(chains.values(), key=lambda h: h.record)),
            )
        )
    return found


def managements_between(members: Iterable[int], relations: Iterable[Management], day: dt.date) -> list[Management]:
    """Management relationships in force on ``day`` between two of ``members``."""
    ids = set(members)
    return [r for r in relations if r.manager in ids and r.managed in ids and r.in_force(day)]


@dataclass
class ControlData:
    """Majority holdings and management relationships, loaded once for many tenders."""

    holdings: list[Holding] = field(default_factory=list)
    managements: list[Management] = field(default_factory=list)

    @classmethod
    def load(cls) -> ControlData:
        from jianguan.registry.models import ManagementRelation, Shareholding

        holdings = [
            Holding(
                record=s.pk,
                holder=("enterprise", s.holder_enterprise_id)
                if s.holder_enterprise_id
                else ("person", s.holder_person_id),  # type: ignore[arg-type]
                held=s.enterprise_id,
                holder_name=s.holder_name,
                held_name=s.enterprise.name,
                share=s.share,
                since=s.since,
                until=s.until,
            )
            for s in Shareholding.objects.filter(share__gt=CONTROL_SHARE).select_related(
                "enterprise", "holder_enterprise", "holder_person"
            )
        ]
        managements = [
            Management(
                record=m.pk,
                manager=m.manager_id,
                managed=m.managed_id,
                manager_name=m.manager.name,
                managed_name=m.managed.name,
                kind=m.kind,
                basis=m.basis,
                since=m.since,
                until=m.until,
            )
            for m in ManagementRelation.objects.select_related("manager", "managed")
        ]
        return cls(holdings, managements)

    def groups(self, members: Sequence[int], day: dt.date) -> list[ControlGroup]:
        return control_groups(members, self.holdings, day)

    def managements_between(self, members: Sequence[int], day: dt.date) -> list[Management]:
        return managements_between(members, self.managements, day)
