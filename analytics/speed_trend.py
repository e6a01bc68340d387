"""Are we getting faster? The trend of a monthly duration (the median hours of a complaint step), read robustly.

The slope is Theil-Sen's (the median of the slopes between every pair of months), in hours per month, with its
95% confidence interval; unlike a least-squares line it is not swung by one month with a few stuck complaints.
Months with too few finished steps are left out: their median is mostly noise. The verdict says "faster" or
"slower" only when the whole interval is on one side of zero; otherwise the change is not clear.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FASTER = "faster"
SLOWER = "slower"
NO_CLEAR_CHANGE = "no clear change"
TOO_FEW_MONTHS = "too few months"

MIN_MONTHS = 6
MIN_COUNT = 5


@dataclass(frozen=True)
class SpeedTrend:
    slope_per_month: float | None  # hours per month; negative is faster
    low: float | None
    high: float | None
    months_used: int
    verdict: str


def speed_trend(values, counts=None, min_count: int = MIN_COUNT, min_months: int = MIN_MONTHS) -> SpeedTrend:
    """The Theil-Sen trend of consecutive monthly values (None/NaN for a month without any), weighting nothing.

    `counts` are the finished steps behind each month's value; months with fewer than `min_count` are dropped,
    keeping their place on the time axis so the slope stays per calendar month.
    """
    y = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    x = np.arange(len(y), dtype=float)
    keep = ~np.isnan(y)
    if counts is not None:
        keep &= np.array([(c or 0) >= min_count for c in counts], dtype=bool)
    x, y = x[keep], y[keep]
    if len(y) < min_months:
        return SpeedTrend(None, None, None, int(len(y)), TOO_FEW_MONTHS)
    from scipy.stats import theilslopes  # scipy only when a trend is asked for

    fit = theilslopes(y, x, alpha=0.95)
    slope, low, high = float(fit.slope), float(fit.low_slope), float(fit.high_slope)
    if high < 0:
        verdict = FASTER
    elif low > 0:
        verdict = SLOWER
    else:
        verdict = NO_CLEAR_CHANGE
    return SpeedTrend(slope, low, high, int(len(y)), verdict)
