"""Anomaly flags: is a month's figure, or a dealer's rate, further from what was expected than chance allows, once
the many tests a person is shown are allowed for?

Three pieces, each a plain function of numbers (no database, no page):

1. `interval_check(history, actual)`: the forecast-interval check of one month of a monthly series. The month is
   forecast from the months before it alone, with the seasonal-naive fit of analytics/forecast.py (the same month
   last year; its spread is the root mean square of the in-sample seasonal differences, FPP3 5.5). The forecaster's
   own choice of model (a rolling-origin backtest of five candidates) costs seconds per series; an alerts page checks
   hundreds of series (six KPIs x every region and dealer) on a filter change, and the seasonal-naive fit is
   microseconds. The distribution assumed for the actual is a Student t around the forecast with that spread as its
   scale and as many degrees of freedom as seasonal differences went into the spread: with the spread estimated from
   two to four years of months, a normal interval (forecast.py's 1.96) flags 6-7% of pure noise instead of 5% (the
   tests simulate it). The p-value is two-sided: a move either way is news; whether it is bad news is the KPI's.
2. `binomial_p` / `poisson_p`: funnel-plot p-values of a dealer's rate against the scope's overall rate (Spiegelhalter
   2005): exact binomial for a share of attempts (response rate, SLA compliance, conversion), Poisson for a count per
   exposure (complaints per 100 customers). Two-sided by doubling the smaller tail, so a dealer is outside the 95%
   funnel limits of analytics/funnel_limits.py exactly when its p-value is below 0.05.
3. `bh_q_values`: Benjamini-Hochberg adjusted p-values (q-values) over every test shown to the person; a flag is a
   test with q <= 0.05, which keeps the expected share of false flags among all flags at 5% or less (for independent
   or positively dependent tests). Without it, 400 checks of pure noise would raise about 20 flags.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats

from analytics import forecast, funnel_limits

Q = 0.05  # the false discovery rate kept across all tests shown
COVERAGE = 0.95  # the forecast interval and the funnel limits shown with a flag
MIN_HISTORY = 2 * forecast.SEASON  # months before the checked one: at least 12 seasonal differences to estimate the spread
MODEL = forecast.SEASONAL_NAIVE


@dataclass(frozen=True)
class Check:
    """One test: what was seen, what was expected with its 95% range, and the two-sided p-value."""

    actual: float
    expected: float
    lower: float
    upper: float
    p_value: float

    @property
    def direction(self) -> str:
        return "up" if self.actual > self.expected else "down"


def interval_check(history: Sequence[float], actual: float) -> Check | None:
    """The month after `history` (oldest first, whole months, no gaps) against the seasonal-naive forecast made from
    `history` alone: expected value, 95% Student-t interval and two-sided p-value of `actual`. None where the check
    cannot be made: fewer than MIN_HISTORY months, a missing value, or a history whose seasonal differences are all
    zero (no spread to judge a move by)."""
    y = np.asarray(history, dtype=float)
    if len(y) < MIN_HISTORY or actual is None or not np.all(np.isfinite(y)) or not math.isfinite(float(actual)):
        return None
    fitted = forecast.fit(MODEL, y)
    if not fitted.sigma > 0:
        return None
    expected = float(fitted.forecast(1)[0][0])
    df = len(y) - forecast.SEASON  # the seasonal differences the spread was estimated from
    half = float(stats.t.ppf(0.5 + COVERAGE / 2, df)) * fitted.sigma
    z = (float(actual) - expected) / fitted.sigma
    return Check(float(actual), expected, expected - half, expected + half, float(2 * stats.t.sf(abs(z), df)))


def binomial_p(successes: int, n: int, p0: float) -> float:
    """Two-sided exact binomial p-value of `successes` out of `n` when the true rate is `p0`: twice the smaller tail
    (P(X <= x) or P(X >= x)), capped at 1."""
    if n < 1 or p0 is None:
        return 1.0
    if p0 <= 0:
        return 1.0 if successes == 0 else 0.0
    if p0 >= 1:
        return 1.0 if successes == n else 0.0
    low = stats.binom.cdf(successes, n, p0)
    high = stats.binom.sf(successes - 1, n, p0)
    return float(min(1.0, 2 * min(low, high)))


def binomial_check(successes: int, n: int, p0: float) -> Check | None:
    """A dealer's share against the scope's rate `p0`: its rate, `p0`, the 95% funnel limits at its `n`
    (analytics/funnel_limits: exact binomial quantiles, as rates) and the p-value. None without attempts."""
    if n is None or n < 1 or p0 is None:
        return None
    lower, upper = funnel_limits.quantile_counts(int(n), float(p0), COVERAGE)
    return Check(successes / n, float(p0), lower / n, upper / n, binomial_p(int(successes), int(n), float(p0)))


def poisson_p(count: int, expected: float) -> float:
    """Two-sided Poisson p-value of `count` events when `expected` were expected: twice the smaller tail."""
    if expected is None or expected <= 0:
        return 1.0 if count == 0 else 0.0
    low = stats.poisson.cdf(count, expected)
    high = stats.poisson.sf(count - 1, expected)
    return float(min(1.0, 2 * min(low, high)))


def poisson_check(count: int, exposure: float, rate: float, per: float = 100.0) -> Check | None:
    """A dealer's count per `per` units of exposure (complaints per 100 customers) against the scope's `rate` (also
    per `per`): its rate, the scope's, the 95% Poisson funnel limits at its exposure and the p-value. None without
    exposure."""
    if exposure is None or exposure <= 0 or rate is None:
        return None
    mu = exposure * rate / per
    tail = (1 - COVERAGE) / 2
    lower, upper = (stats.poisson.ppf(tail, mu), stats.poisson.isf(tail, mu)) if mu > 0 else (0.0, 0.0)
    scale = per / exposure
    return Check(count * scale, float(rate), float(lower) * scale, float(upper) * scale, poisson_p(int(count), mu))


def bh_q_values(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values: q_(i) = min over j >= i of p_(j) m / j (p sorted ascending), capped at
    1, returned in the input's order. A test is a discovery at false discovery rate Q when q <= Q."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    q = np.empty(m)
    q[order] = q_sorted
    return q
