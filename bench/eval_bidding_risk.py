"""ROC AUC of the bid-rigging risk score on the three labelled public data sets.

    .venv/bin/python bench/eval_bidding_risk.py

The shipped score (``jianguan.bidding.domain.risk_score``) has no fitted parameter, so every AUC it
prints is out of sample. For comparison the script also fits a logistic regression on all the screens
leave-one-data-set-out (fit on two sets, evaluate on the third): the transfer a learned score gets
across countries.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

SCREENS = ("cv", "spd", "kurt", "skew", "diffp", "rd", "rdnor", "rdalt", "ks")


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    """Screens on scales a linear model can use; undefined values as the neutral 0 of each feature."""
    return pd.DataFrame(
        {
            "log_cv": np.log(frame.cv.clip(lower=1e-4)),
            "log_spd": np.log(frame.spd.clip(lower=1e-4)),
            "kurt": frame["kurt"].fillna(0.0),
            "skew": frame["skew"].fillna(0.0),
            "log_diffp": np.log(frame.diffp.clip(lower=1e-4)),
            "log1p_rd": np.log1p(frame.rd.fillna(0.0)),
            "ks": frame.ks.fillna(0.0),
        }
    )


def _fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    design = np.column_stack([np.ones(len(x)), x])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ w
        p = 1 / (1 + np.exp(-z))
        penalty = np.r_[0.0, w[1:]]
        value = float(np.sum(np.logaddexp(0, z) - y * z) + l2 * penalty @ penalty / 2)
        return value, design.T @ (p - y) + l2 * penalty

    return optimize.minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B").x


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianguan.config.settings")
    import django

    django.setup()
    from jianguan.bidding.domain import roc_auc
    from jianguan.bidding.evaluation import DATA_SETS, evaluate_risk, read_data_set, tender_labels
    from jianguan.bidding.screens import run_screens

    labelled = {}
    print(f"{'data set':8} {'tenders':>7} {'collusive':>9} {'risk AUC':>8}  " + " ".join(f"{s:>6}" for s in SCREENS))
    for name in DATA_SETS:
        bids = read_data_set(name)
        screens = run_screens(bids[["tender_id", "bidder", "amount"]])
        result = evaluate_risk(name, screens, bids)
        row = " ".join(f"{result.screen_auc[s]:6.3f}" for s in SCREENS)
        print(f"{name:8} {result.tenders:7d} {result.collusive:9d} {result.auc:8.3f}  {row}")
        defined = screens[screens.risk.notna()].set_index("tender_id").join(tender_labels(bids))
        labelled[name] = defined

    print("\nleave-one-data-set-out logistic regression on all screens (comparison, not shipped):")
    for name in DATA_SETS:
        train = pd.concat([frame for other, frame in labelled.items() if other != name])
        test = labelled[name]
        x_train, x_test = _features(train), _features(test)
        mean, sd = x_train.mean(), x_train.std()
        weights = _fit_logistic(((x_train - mean) / sd).to_numpy(), train.collusive.to_numpy())
        score = np.column_stack([np.ones(len(test)), ((x_test - mean) / sd).to_numpy()]) @ weights
        others = " + ".join(other for other in DATA_SETS if other != name)
        print(f"  {name:8} AUC {roc_auc(score, test.collusive):.3f}  (fitted on {others})")


if __name__ == "__main__":
    main()
