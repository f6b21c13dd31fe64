"""The screens of one tender, as REGULATIONS.md defines them, checked by hand and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from jianguan.bidding.domain import (
    RISK_CENTRE_CV,
    RISK_CENTRE_RD,
    ConflictingBids,
    TenderScreens,
    ks_uniform,
    one_bid_per_bidder,
    risk_score,
    roc_auc,
    screen_bids,
)


def test_screens_of_a_small_tender_computed_by_hand() -> None:
    screens = screen_bids([110, 100, 104.5, 103])  # any order
    # mean 104.375, squared deviations sum to 52.6875, sample variance 17.5625
    assert screens.n_bids == 4
    assert screens.cv == pytest.approx(math.sqrt(17.5625) / 104.375)
    assert screens.spd == pytest.approx(0.1)
    assert screens.diffp == pytest.approx(0.03)
    # losing bids 103, 104.5, 110: sample sd sqrt(13.58333…)
    assert screens.rd == pytest.approx(3 / math.sqrt((8.0277777 + 1.7777777 + 17.3611111) / 2))
    assert screens.rdnor == pytest.approx(3 * 3 / 10)
    assert screens.rdalt == pytest.approx(3 / 3.5)
    # fitted uniform on [100, 110]: F = 0, .3, .45, 1 → D+ = .75 − .45, D− = 1 − .75
    assert screens.ks == pytest.approx(0.3)


def test_skewness_and_kurtosis_are_the_bias_corrected_ones() -> None:
    bids = [1_210_000.0, 1_180_500.0, 1_199_990.0, 1_250_000.0, 1_201_000.0, 1_300_000.0]
    screens = screen_bids(bids)
    assert screens.skew == pytest.approx(stats.skew(bids, bias=False), rel=1e-12)
    assert screens.kurt == pytest.approx(stats.kurtosis(bids, bias=False), rel=1e-12)


def test_ks_is_scipys_kstest_against_the_fitted_uniform() -> None:
    rng = np.random.default_rng(3)
    bids = rng.normal(5e6, 2e5, size=11)
    expected = stats.kstest(bids, "uniform", args=stats.uniform.fit(bids)).statistic
    assert ks_uniform(bids) == pytest.approx(expected, rel=1e-15)


def test_fewer_than_three_bids_give_no_screens() -> None:
    assert screen_bids([100, 120]) == TenderScreens(n_bids=2)
    assert screen_bids([]) == TenderScreens(n_bids=0)


def test_three_bids_give_no_kurtosis_as_in_pandas() -> None:
    screens = screen_bids([100, 101, 105])
    assert screens.kurt is None
    assert screens.skew is not None


def test_identical_bids_have_zero_dispersion_and_no_shape() -> None:
    screens = screen_bids([0.1, 0.1, 0.1, 0.1])
    assert (screens.cv, screens.spd, screens.diffp) == (0.0, 0.0, 0.0)
    assert (screens.kurt, screens.skew, screens.rd, screens.rdnor, screens.rdalt, screens.ks) == (None,) * 6
    assert screens.risk is not None
    assert screens.risk > 0.99  # identical bids are the most suspicious pattern


def test_identical_losing_bids_leave_the_relative_distance_undefined() -> None:
    screens = screen_bids([90, 100, 100, 100])
    assert screens.rd is None
    assert screens.rdalt is None
    assert screens.rdnor == pytest.approx(3.0)


def test_a_bidder_listed_again_with_the_same_bid_counts_once() -> None:
    rows = [("A", 100.0), ("consortium-1", 98.0), ("consortium-1", 98.0), ("B", 103.0)]
    assert one_bid_per_bidder(rows) == [100.0, 98.0, 103.0]


def test_a_bidder_with_two_amounts_is_refused() -> None:
    with pytest.raises(ConflictingBids, match=r"'A' bids both 100\.0 and 101\.0"):
        one_bid_per_bidder([("A", 100.0), ("B", 99.0), ("A", 101.0)])


def test_risk_is_one_half_at_its_centre_and_moves_as_the_literature_says() -> None:
    assert risk_score(cv=RISK_CENTRE_CV, rd=RISK_CENTRE_RD) == pytest.approx(0.5)
    base = risk_score(cv=0.05, rd=1.0)
    assert base is not None
    assert risk_score(cv=0.02, rd=1.0) > base  # tighter bids
    assert risk_score(cv=0.05, rd=3.0) > base  # a bigger cover gap
    assert risk_score(cv=None, rd=None) is None
    assert risk_score(cv=0.05, rd=None) == risk_score(cv=0.05, rd=0.0)


def test_a_rigged_tender_scores_above_a_competitive_one() -> None:
    competitive = screen_bids([9.1e6, 9.6e6, 9.9e6, 1.04e7, 1.08e7, 1.12e7])
    rigged = screen_bids([9.50e6, 9.93e6, 9.95e6, 9.96e6, 9.98e6, 1.0e7])  # one low bid, covers packed above it
    assert rigged.risk is not None
    assert competitive.risk is not None
    assert rigged.risk > 0.8
    assert competitive.risk < 0.5


def test_roc_auc() -> None:
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]) == 1.0
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5
    with pytest.raises(ValueError, match="both"):
        roc_auc([0.1, 0.2], [1, 1])


bid_lists = st.lists(
    st.floats(min_value=1e4, max_value=1e9, allow_nan=False, allow_infinity=False), min_size=3, max_size=25
)


@settings(max_examples=60, deadline=None)
@given(bids=bid_lists, factor=st.sampled_from([0.01, 7.0, 1000.0]))
def test_screens_do_not_depend_on_order_or_currency_unit(bids: list[float], factor: float) -> None:
    screens = screen_bids(bids)
    reordered = screen_bids([b * factor for b in reversed(bids)])
    for name in ("cv", "spd", "kurt", "skew", "diffp", "rd", "rdnor", "rdalt", "ks", "risk"):
        ours, theirs = getattr(screens, name), getattr(reordered, name)
        if ours is None or theirs is None:
            continue  # a near-tie may round to an exact tie in another unit
        assert theirs == pytest.approx(ours, rel=1e-6, abs=1e-6), name
