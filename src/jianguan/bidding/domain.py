"""Bid-rigging screens and the risk score: plain functions, no database.

The screens follow the bid-rigging literature (Imhof 2017; Huber & Imhof 2019) as defined in
``REGULATIONS.md``. For one tender with bids sorted b1 ≤ … ≤ bn (one bid per bidder), mean b̄ and
sample standard deviation s:

* ``cv``    s / b̄ — the variance screen, lower under collusion;
* ``spd``   (bn − b1) / b1 — the spread, lower;
* ``kurt``  excess kurtosis, bias-corrected exactly as pandas computes it (G2), higher;
* ``skew``  skewness, bias-corrected exactly as pandas computes it (G1), negative;
* ``diffp`` (b2 − b1) / b1 — the gap between the two lowest bids, higher;
* ``rd``    (b2 − b1) / sd(b2 … bn) — the relative distance, the cover-bidding screen, higher (> 1 conspicuous);
* ``rdnor`` (n − 1)(b2 − b1) / (bn − b1) — the normalised distance;
* ``rdalt`` (b2 − b1) / mean gap between adjacent losing bids;
* ``ks``    the Kolmogorov–Smirnov statistic of the bids against ``scipy.stats.uniform.fit(bids)``.

A screen is ``None`` where it is undefined: fewer than :data:`MIN_BIDS` bids, fewer than four for the
kurtosis (as pandas), or a zero denominator (all bids equal, all losing bids equal).

This module is the reference implementation, computing one tender at a time with pandas and scipy.
:mod:`jianguan.bidding.screens` computes the same numbers for millions of bids as one Ibis job; the
tests hold the two together.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

# Screens need at least three bids: two losing bids for RD, three points for a skewness.
MIN_BIDS = 3
# pandas gives no kurtosis below four values.
MIN_BIDS_KURTOSIS = 4

# The risk score (see risk_score). Not fitted to any data set: the two screens Imhof (2017) built
# his method on, with equal weights on a log scale; the centre only fixes where risk = 0.5.
RISK_CV_FLOOR = 1e-4  # identical bids (CV = 0) score as a CV of 0.01 %, not as infinity
RISK_CENTRE_CV = 0.05
RISK_CENTRE_RD = 1.0
RISK_CENTRE = -math.log(RISK_CENTRE_CV) + math.log1p(RISK_CENTRE_RD)

SCREEN_NAMES = ("cv", "spd", "kurt", "skew", "diffp", "rd", "rdnor", "rdalt", "ks")


@dataclass(frozen=True)
class TenderScreens:
    """The screens of one tender and the risk score combining them (None where undefined)."""

    n_bids: int
    cv: float | None = None
    spd: float | None = None
    kurt: float | None = None
    skew: float | None = None
    diffp: float | None = None
    rd: float | None = None
    rdnor: float | None = None
    rdalt: float | None = None
    ks: float | None = None
    risk: float | None = None


class ConflictingBids(ValueError):
    """One bidder appears with two different amounts in the same tender."""

    def __init__(self, bidder: Hashable, first: float, second: float) -> None:
        self.bidder, self.first, self.second = bidder, first, second
        super().__init__(f"bidder {bidder!r} bids both {first} and {second}")


def one_bid_per_bidder(bids: Iterable[tuple[Hashable, float]]) -> list[float]:
    """The tender's bids, one per bidder: a bidder listed again with the same amount (a consortium's
    members listed one per row, a repeated record) is counted once; a different amount is refused."""
    seen: dict[Hashable, float] = {}
    for bidder, amount in bids:
        if bidder in seen:
            if seen[bidder] != amount:
                raise ConflictingBids(bidder, seen[bidder], amount)
            continue
        seen[bidder] = amount
    return list(seen.values())


def _defined(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else float(value)


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else _defined(numerator / denominator)


def ks_uniform(amounts: npt.ArrayLike) -> float | None:
    """Kolmogorov–Smirnov statistic of the bids against a uniform fitted to them (scipy's fit:
    loc = min, scale = max − min); None when all bids are equal."""
    values = np.asarray(amounts, dtype=float)
    if values.size == 0 or values.max() == values.min():
        return None
    return _defined(stats.kstest(values, "uniform", args=stats.uniform.fit(values)).statistic)


def screen_bids(amounts: Iterable[float]) -> TenderScreens:
    """All screens and the risk score of one tender, from its bids (one per bidder, any order)."""
    bids = pd.Series(sorted(float(a) for a in amounts), dtype=float)
    n = len(bids)
    if n < MIN_BIDS:
        return TenderScreens(n_bids=n)
    b1, b2, bn = float(bids.iloc[0]), float(bids.iloc[1]), float(bids.iloc[-1])
    losing = bids.iloc[1:]
    all_equal = bn == b1
    losing_equal = bn == b2
    # identical bids: exactly 0 (a computed mean can differ from them in the last bit)
    cv = 0.0 if all_equal else _ratio(float(bids.std()), float(bids.mean()))
    rd = None if losing_equal else _ratio(b2 - b1, float(losing.std()))
    return TenderScreens(
        n_bids=n,
        cv=cv,
        spd=_ratio(bn - b1, b1),
        kurt=None if all_equal or n < MIN_BIDS_KURTOSIS else _defined(cast(float, bids.kurt())),
        skew=None if all_equal else _defined(cast(float, bids.skew())),
        diffp=_ratio(b2 - b1, b1),
        rd=rd,
        rdnor=None if all_equal else _ratio((n - 1) * (b2 - b1), bn - b1),
        rdalt=None if losing_equal else _ratio(b2 - b1, (bn - b2) / (n - 2)),
        ks=ks_uniform(bids.to_numpy()),
        risk=risk_score(cv=cv, rd=rd),
    )


def risk_score(*, cv: float | None, rd: float | None) -> float | None:
    """Collusion risk of a tender in (0, 1): the variance screen and the cover-bidding screen
    (Imhof 2017) combined with equal weights, logistic(−ln CV + ln(1 + RD) − centre).

    Low dispersion (CV) and a conspicuous gap between the lowest and the other bids (RD) both raise
    it; a tender with CV 5 % and RD 1 scores 0.5. RD undefined (losing bids all equal) adds nothing.
    Nothing in it is fitted to data, so its ROC AUC on the labelled data sets is an honest figure.
    """
    if cv is None:
        return None
    raw = -math.log(max(cv, RISK_CV_FLOOR)) + (math.log1p(rd) if rd is not None else 0.0)
    return 1.0 / (1.0 + math.exp(-(raw - RISK_CENTRE)))


def roc_auc(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Area under the ROC curve (the probability that a collusive tender outranks a clean one,
    ties counting half), from the Mann–Whitney rank sum."""
    score = np.asarray(scores, dtype=float)
    label = np.asarray(labels, dtype=int)
    positives = int(label.sum())
    negatives = int(label.size - positives)
    if positives == 0 or negatives == 0:
        raise ValueError("the ROC AUC needs both collusive and clean tenders")
    ranks = stats.rankdata(score)
    return float((ranks[label == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))
