"""analytics.speed_trend on its own: the Theil-Sen slope against a plain computation, and when it says faster."""
from __future__ import annotations

import itertools

import numpy as np

from analytics.speed_trend import FASTER, NO_CLEAR_CHANGE, SLOWER, TOO_FEW_MONTHS, speed_trend


def median_pairwise_slope(y) -> float:
    """Theil-Sen by its definition: the median of the slopes between every pair of points."""
    points = [(x, v) for x, v in enumerate(y) if v is not None]
    return float(np.median([(b - a) / (j - i) for (i, a), (j, b) in itertools.combinations(points, 2)]))


def test_slope_is_the_median_of_pairwise_slopes():
    rng = np.random.default_rng(3)
    y = list(80 - 1.5 * np.arange(18) + rng.normal(0, 4, 18))
    fit = speed_trend(y)
    assert np.isclose(fit.slope_per_month, median_pairwise_slope(y))
    assert fit.low <= fit.slope_per_month <= fit.high
    assert fit.months_used == 18


def test_a_falling_duration_is_faster_a_rising_one_slower_and_noise_unclear():
    rng = np.random.default_rng(11)
    months = np.arange(24)
    assert speed_trend(list(100 - 2.0 * months + rng.normal(0, 3, 24))).verdict == FASTER
    assert speed_trend(list(20 + 0.8 * months + rng.normal(0, 1, 24))).verdict == SLOWER
    assert speed_trend(list(50 + rng.normal(0, 5, 24))).verdict == NO_CLEAR_CHANGE


def test_one_stuck_month_does_not_swing_it():
    y = [10.0 - 0.2 * i for i in range(12)]
    y[5] = 400.0  # a month of complaints waiting for parts
    assert speed_trend(y).verdict == FASTER


def test_thin_and_empty_months_are_left_out_but_keep_their_place():
    y = [30, None, 28, 27, 26, 25, 24, 99, 22]
    counts = [20, 0, 20, 20, 20, 20, 20, 2, 20]
    fit = speed_trend(y, counts)
    assert fit.months_used == 7
    # The slope is per calendar month: the gap and the thin month do not compress the axis.
    assert np.isclose(fit.slope_per_month, median_pairwise_slope([30, None, 28, 27, 26, 25, 24, None, 22]))


def test_too_few_months_gives_no_verdict():
    fit = speed_trend([5.0, 4.0, 3.0, 2.0, 1.0])
    assert fit.verdict == TOO_FEW_MONTHS and fit.slope_per_month is None and fit.months_used == 5
    assert speed_trend([]).verdict == TOO_FEW_MONTHS
