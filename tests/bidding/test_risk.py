"""The risk score's ROC AUC on the labelled data sets: the figures docs/benchmarks.md publishes.

The score has no fitted parameter (domain.risk_score), so these are out-of-sample figures. If a change
to the screens or the score moves them, update docs/benchmarks.md with the new output of
`bench/eval_bidding_risk.py` — and say why in the commit.
"""

from __future__ import annotations

import pytest

from jianguan.bidding.evaluation import evaluate_risk, read_data_set
from jianguan.bidding.screens import run_screens

DOCUMENTED = {  # data set: (tenders screened, collusive, risk AUC, CV AUC, RD AUC)
    "ticino": (210, 172, 0.908, 0.825, 0.907),
    "japan": (1080, 123, 0.728, 0.739, 0.620),
    "brazil": (100, 32, 0.881, 0.900, 0.763),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_risk_auc_is_the_documented_figure(name: str) -> None:
    bids = read_data_set(name)
    result = evaluate_risk(name, run_screens(bids[["tender_id", "bidder", "amount"]]), bids)
    tenders, collusive, auc, cv_auc, rd_auc = DOCUMENTED[name]
    assert (result.tenders, result.collusive) == (tenders, collusive)
    assert round(result.auc, 3) == auc
    assert round(result.screen_auc["cv"], 3) == cv_auc
    assert round(result.screen_auc["rd"], 3) == rd_auc
    assert result.auc > 0.7  # the score separates collusive from clean tenders on every set
