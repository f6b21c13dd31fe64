"""The labelled public data sets the screens are validated on (García Rodríguez et al. 2022).

Three sets from ``../shared/data/collusion/`` — Ticino (Switzerland), Japan (Okinawa) and Brazil —
each one row per bid with a tender-level label ``Collusive_competitor`` and the authors' screen
columns (CV, SPD, DIFFP, RD, KURT, SKEW, KSTEST, rounded to four decimals). This module reads them
into the shape the screens take (``tender_id, bidder, amount``) and measures the risk score.

What a *bid* is, per set:

* **Ticino** lists each member of a consortium as its own row with the consortium's bid
  (``Consortium`` = 1, 2, … numbers the consortia of a tender; 0 = a firm bidding alone). A
  consortium is one bidder, so its rows are one bid.
* **Japan** and **Brazil**: every row is a bid. Identical amounts from different firms are real
  (Japanese tenders often have several bids at the minimum price, the winner drawn by lot). The
  Japanese firm numbers are not a usable bidder key: in five tenders one number carries two
  different bids, so the row identifies the bidder.

The authors computed their screens over the rows as listed, so on Ticino tenders with a consortium
they count the consortium's bid once per member; ours count it once (see the tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.conf import settings

from jianguan.bidding.domain import roc_auc

DATA_SETS = {
    "ticino": "DB_Collusion_Switzerland_Ticino_processed.csv",
    "japan": "DB_Collusion_Japan_processed.csv",
    "brazil": "DB_Collusion_Brazil_processed.csv",
}
PUBLISHED_SCREENS = {
    "cv": "CV",
    "spd": "SPD",
    "diffp": "DIFFP",
    "rd": "RD",
    "kurt": "KURT",
    "skew": "SKEW",
    "ks": "KSTEST",
}
# The published values are rounded to four decimals: a correct value is within half a unit of the last
# place (plus the binary representation error of the decimal they print).
PUBLISHED_HALF_UNIT = 0.5e-4 + 1e-12


def collusion_folder() -> Path:
    """``shared/data/collusion`` beside the repository (read in place, never copied): the nearest
    ancestor of the checkout that has it, so a git worktree nested one level deeper finds it too;
    ``JIANGUAN_SHARED_DATA`` (the ``data`` folder) overrides."""
    override = os.environ.get("JIANGUAN_SHARED_DATA")
    if override:
        return Path(override) / "collusion"
    root = Path(settings.PROJECT_ROOT).resolve()
    for ancestor in root.parents:
        candidate = ancestor / "shared" / "data" / "collusion"
        if candidate.is_dir():
            return candidate
    return root.parent / "shared" / "data" / "collusion"


def read_data_set(name: str, folder: Path | None = None) -> pd.DataFrame:
    """One labelled set as bids: ``tender_id, bidder, amount, winner, collusive`` and the published
    screen columns (upper case), one row per row of the file."""
    raw = pd.read_csv((folder or collusion_folder()) / DATA_SETS[name])
    tender = raw["Tender"].astype("int64").astype(str)
    by_row = "row-" + raw.index.astype(str).to_series(index=raw.index)
    if name == "ticino":
        consortium = raw["Consortium"].fillna(0).astype("int64")
        bidder = by_row.where(consortium == 0, "consortium-" + consortium.astype(str))
    else:
        bidder = by_row
    frame = pd.DataFrame(
        {
            "tender_id": tender,
            "bidder": bidder,
            "amount": raw["Bid_value"].astype("float64"),
            "winner": raw["Winner"].fillna(0).astype("int64"),
            "collusive": raw["Collusive_competitor"].astype("int64"),
        }
    )
    for column in PUBLISHED_SCREENS.values():
        frame[column] = raw[column].astype("float64")
    return frame


def tender_labels(bids: pd.DataFrame) -> pd.Series:
    """The tender-level label (1 collusive), indexed by tender_id."""
    return bids.groupby("tender_id", sort=False)["collusive"].max()


@dataclass(frozen=True)
class RiskEvaluation:
    """How the risk score separates collusive from clean tenders on one labelled set."""

    data_set: str
    tenders: int
    collusive: int
    auc: float
    screen_auc: dict[str, float]


def evaluate_risk(name: str, screens: pd.DataFrame, bids: pd.DataFrame) -> RiskEvaluation:
    """ROC AUC of the risk score (and of each screen, oriented so that higher means collusive as the
    literature expects) over the tenders whose screens are defined."""
    labelled = screens.set_index("tender_id").join(tender_labels(bids))
    labelled = labelled[labelled["risk"].notna()]
    orientation = {"cv": -1, "spd": -1, "kurt": 1, "skew": -1, "diffp": 1, "rd": 1, "rdnor": 1, "rdalt": 1, "ks": 1}
    screen_auc = {}
    for screen, sign in orientation.items():
        defined = labelled[labelled[screen].notna()]
        screen_auc[screen] = roc_auc(sign * defined[screen], defined["collusive"])
    return RiskEvaluation(
        data_set=name,
        tenders=len(labelled),
        collusive=int(labelled["collusive"].sum()),
        auc=roc_auc(labelled["risk"], labelled["collusive"]),
        screen_auc=screen_auc,
    )
