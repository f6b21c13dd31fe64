"""Award concentration over a period: wins, win rate and market share per enterprise (overall, per
owner and per tender agent), HHI per market segment, recurring groups of co-bidders, rotation
among them, and losers who always lose to the same winner. Computed with pandas from the tenders
in scope (a few queries)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from jianguan.bidding.models import Bid

MIN_GROUP_TENDERS = 3  # tenders a pair must bid together in to be a recurring group
MIN_LOSSES = 3


@dataclass
class Concentration:
    enterprises: pd.DataFrame  # bidder_id, name, bids, wins, win_rate, value_won, share
    hhi: pd.DataFrame  # segment, tenders, value, hhi
    groups: list[dict[str, Any]]  # recurring co-bidder groups with rotation
    always_lose_to: list[dict[str, Any]]
    network: dict[str, Any]
    # per owner (and per tender agent): each winner's share of the value that owner awarded
    by_owner: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_agent: pd.DataFrame = field(default_factory=pd.DataFrame)


def bids_frame(
    *, start: dt.date | None = None, end: dt.date | None = None, jurisdiction_ids: Any = None
) -> pd.DataFrame:
    queryset = Bid.objects.all()
    if start:
        queryset = queryset.filter(tender__opened_on__gte=start)
    if end:
        queryset = queryset.filter(tender__opened_on__lt=end)
    if jurisdiction_ids is not None:
        queryset = queryset.filter(tender__jurisdiction_id__in=jurisdiction_ids)
    rows = list(
        queryset.values_list(
            "tender_id",
            "tender__segment",
            "tender__owner_id",
            "tender__owner__name",
            "tender__agent_id",
            "tender__agent__name",
            "bidder_id",
            "bidder__name",
            "amount",
            "won",
        )
    )
    frame = pd.DataFrame(
        rows,
        columns=["tender", "segment", "owner", "owner_name", "agent", "agent_name", "bidder", "name", "amount", "won"],
    )
    frame["amount"] = frame["amount"].astype(float)
    return frame


def shares_by(wins: pd.DataFrame, key: str) -> pd.DataFrame:
    """For each owner (``key="owner"``) or tender agent (``"agent"``): every winner's tenders won and
    share of the value that party awarded (or ran), largest share first. Tenders without one are
    left out."""
    columns = [key, f"{key}_name", "tenders", "value", "bidder", "name", "wins", "value_won", "share"]
    part = wins.dropna(subset=[key]) if key in wins else wins.iloc[0:0]
    if part.empty:
        return pd.DataFrame(columns=columns)
    totals = part.groupby(key).agg(tenders=("tender", "nunique"), value=("amount", "sum")).reset_index()
    per = (
        part.groupby([key, f"{key}_name", "bidder", "name"])
        .agg(wins=("tender", "nunique"), value_won=("amount", "sum"))
        .reset_index()
        .merge(totals, on=key)
    )
    per["share"] = per["value_won"] / per["value"]
    return per.sort_values(["share", "tenders", "value_won"], ascending=False).reset_index(drop=True)[columns]


def concentration(frame: pd.DataFrame) -> Concentration:
    if frame.empty:
        empty = pd.DataFrame()
        return Concentration(empty, empty, [], [], {"nodes": [], "links": []}, empty, empty)
    wins = frame[frame["won"]]
    per = frame.groupby(["bidder", "name"]).agg(bids=("tender", "nunique")).reset_index()
    won = wins.groupby("bidder").agg(wins=("tender", "nunique"), value_won=("amount", "sum")).reset_index()
    per = per.merge(won, on="bidder", how="left").fillna({"wins": 0, "value_won": 0.0})
    per["win_rate"] = per["wins"] / per["bids"]
    total = wins["amount"].sum()
    per["share"] = per["value_won"] / total if total else 0.0
    per = per.sort_values(["value_won", "wins"], ascending=False).reset_index(drop=True)

    segment_rows = []
    for segment, part in wins.groupby("segment"):
        value = part["amount"].sum()
        shares = part.groupby("bidder")["amount"].sum() / value if value else pd.Series(dtype=float)
        segment_rows.append(
            {
                "segment": segment,
                "tenders": part["tender"].nunique(),
                "value": value,
                "hhi": round(float(((shares * 100) ** 2).sum()), 1),
            }
        )
    hhi = pd.DataFrame(segment_rows)

    names = dict(zip(frame["bidder"], frame["name"], strict=False))
    bidders_of = frame.groupby("tender")["bidder"].apply(lambda s: sorted(set(s)))
    winner_of = wins.groupby("tender")["bidder"].first().to_dict()
    pairs: Counter[tuple[int, int]] = Counter()
    for members in bidders_of:
        pairs.update(itertools.combinations(members, 2))
    # recurring groups: connected components of pairs seen together in MIN_GROUP_TENDERS tenders
    strong = [(a, b) for (a, b), n in pairs.items() if n >= MIN_GROUP_TENDERS]
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in strong:
        parent[find(a)] = find(b)
    components: dict[int, set[int]] = defaultdict(set)
    for a, b in strong:
        components[find(a)].update((a, b))
    groups = []
    for members in components.values():
        together = [t for t, bidders in bidders_of.items() if len(members & set(bidders)) >= 2]
        winners = Counter(winner_of[t] for t in together if t in winner_of and winner_of[t] in members)
        rotation = len(winners) >= 2 and len(winners) >= len(members) - 1 and sum(winners.values()) >= MIN_GROUP_TENDERS
        groups.append(
            {
                "members": sorted(names[m] for m in members),
                "member_ids": sorted(members),
                "tenders": len(together),
                "wins_inside": dict(sorted(((names[w], n) for w, n in winners.items()), key=lambda x: -x[1])),
                "rotation": rotation,
            }
        )
    groups.sort(key=lambda g: (not g["rotation"], -int(str(g["tenders"]))))

    losers = []
    lost = frame[~frame["won"]].copy()
    lost["winner"] = lost["tender"].map(winner_of)
    lost = lost.dropna(subset=["winner"])
    for bidder, part in lost.groupby("bidder"):
        if len(part) >= MIN_LOSSES and part["winner"].nunique() == 1 and not (wins["bidder"] == bidder).any():
            winner = int(part["winner"].iloc[0])
            losers.append(
                {
                    "loser": names[bidder],
                    "loser_id": int(str(bidder)),
                    "winner": names[winner],
                    "winner_id": winner,
                    "losses": len(part),
                }
            )

    links = [{"source": str(a), "target": str(b), "value": n} for (a, b), n in pairs.items() if n >= 2]
    linked = {int(str(x)) for link in links for x in (link["source"], link["target"])}
    win_counts = dict(zip(per["bidder"], per["wins"], strict=False))
    nodes = [
        {"id": str(b), "name": names[b], "value": int(str(win_counts.get(b, 0)).split(".")[0])} for b in sorted(linked)
    ]
    return Concentration(
        per, hhi, groups, losers, {"nodes": nodes, "links": links}, shares_by(wins, "owner"), shares_by(wins, "agent")
    )
