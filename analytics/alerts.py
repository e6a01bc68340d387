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

# scipy.special, not scipy.stats: importing scipy.stats took 0.4-0.6 s (it builds its distributions' docstrings),
# the largest single part of the dashboard's cold start, as the overview's tiles carry these flags. The functions at
# the end call the special functions scipy.stats.t, .binom and .poisson (SciPy 1.17) call, with the same values
# outside the support: equal to scipy.stats to the last bit on 560,000 random and edge-case arguments when written.
# They also skip scipy.stats' per-call argument handling, which cost more than the arithmetic over the ~1,900 tests
# of one filter change.
from scipy import special

from analytics import forecast, funnel_limits

try:
    # scipy.stats.binom's own cdf and sf (Boost's binomial); the public special.bdtr and bdtrc differ in the last digits.
    from scipy.special._ufuncs import _binom_cdf, _binom_sf
except ImportError:  # a SciPy that moved them: the same functions reached through scipy.stats, at its import cost
    def _binom_cdf(k, n, p):
        from scipy import stats
        return stats.binom._cdf(k, n, p)

    def _binom_sf(k, n, p):
        from scipy import stats
        return stats.binom._sf(k, n, p)

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
    half = float(_t_ppf(0.5 + COVERAGE / 2, df)) * fitted.sigma
    z = (float(actual) - expected) / fitted.sigma
    return Check(float(actual), expected, expected - half, expected + half, float(2 * _t_sf(abs(z), df)))


def binomial_p(successes: int, n: int, p0: float) -> float:
    """Two-sided exact binomial p-value of `successes` out of `n` when the true rate is `p0`: twice the smaller tail
    (P(X <= x) or P(X >= x)), capped at 1."""
    if n < 1 or p0 is None:
        return 1.0
    if p0 <= 0:
        return 1.0 if successes == 0 else 0.0
    if p0 >= 1:
        return 1.0 if successes == n else 0.0
    low = _binom_cdf_at(successes, n, p0)
    high = _binom_sf_at(successes - 1, n, p0)
    return float(min(1.0, 2 * min(low, high)))


def binomial_check(successes: int, n: int, p0: float, limits: bool = True) -> Check | None:
    """A dealer's share against the scope's rate `p0`: its rate, `p0`, the 95% funnel limits at its `n`
    (analytics/funnel_limits: exact binomial quantiles, as rates) and the p-value. None without attempts.
    `limits=False`: the limits are left NaN (a caller that needs only the p-value skips their cost)."""
    if n is None or n < 1 or p0 is None:
        return None
    lower, upper = funnel_limits.quantile_counts(int(n), float(p0), COVERAGE) if limits else (math.nan, math.nan)
    return Check(successes / n, float(p0), lower / n, upper / n, binomial_p(int(successes), int(n), float(p0)))


def poisson_p(count: int, expected: float) -> float:
    """Two-sided Poisson p-value of `count` events when `expected` were expected: twice the smaller tail."""
    if expected is None or expected <= 0:
        return 1.0 if count == 0 else 0.0
    low = _poisson_cdf_at(count, expected)
    high = _poisson_sf_at(count - 1, expected)
    return float(min(1.0, 2 * min(low, high)))


def poisson_check(count: int, exposure: float, rate: float, per: float = 100.0, limits: bool = True) -> Check | None:
    """A dealer's count per `per` units of exposure (complaints per 100 customers) against the scope's `rate` (also
    per `per`): its rate, the scope's, the 95% Poisson funnel limits at its exposure and the p-value. None without
    exposure. `limits=False`: the limits are left NaN."""
    if exposure is None or exposure <= 0 or rate is None:
        return None
    mu = exposure * rate / per
    tail = (1 - COVERAGE) / 2
    if not limits:
        lower, upper = math.nan, math.nan
    else:
        lower, upper = (_poisson_ppf(tail, mu), _poisson_ppf(1.0 - tail, mu)) if mu > 0 else (0.0, 0.0)
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


# ---- scipy.stats' t, binom and poisson at one point, through the special functions they call ----
# Each returns what scipy.stats (1.17) returns for a scalar with loc 0 and scale 1: the same special function on the
# same arguments, the same values outside the support and for bad parameters, and a discrete cdf or sf clipped to
# [0, 1] as scipy clips it.
def _t_sf(x: float, df: float) -> float:
    """scipy.stats.t.sf(x, df): stdtr(df, -x); 0 at +inf, 1 at -inf."""
    if math.isnan(x) or not df > 0:
        return math.nan
    if x == math.inf:
        return 0.0
    if x == -math.inf:
        return 1.0
    return float(special.stdtr(float(df), -x))


def _t_ppf(q: float, df: float) -> float:
    """scipy.stats.t.ppf(q, df) for 0 < q < 1: stdtrit(df, q)."""
    if not (0 < q < 1 and df > 0):
        return math.nan
    return float(special.stdtrit(float(df), q))


def _binom_cdf_at(k: int, n: int, p: float) -> float:
    """scipy.stats.binom.cdf(k, n, p): P(X <= k); 0 below the support, 1 from n on."""
    if not (0 <= p <= 1 and n >= 0 and n == math.floor(n)) or math.isnan(k):
        return math.nan
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return float(np.clip(_binom_cdf(float(math.floor(k)), float(n), p), 0, 1))


def _binom_sf_at(k: int, n: int, p: float) -> float:
    """scipy.stats.binom.sf(k, n, p): P(X > k); 1 below the support, 0 from n on."""
    if not (0 <= p <= 1 and n >= 0 and n == math.floor(n)) or math.isnan(k):
        return math.nan
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    return float(np.clip(_binom_sf(float(math.floor(k)), float(n), p), 0, 1))


def _poisson_cdf_at(k: int, mu: float) -> float:
    """scipy.stats.poisson.cdf(k, mu): pdtr(k, mu); 0 below the support."""
    if not mu >= 0 or math.isnan(k):
        return math.nan
    if k < 0:
        return 0.0
    return float(np.clip(special.pdtr(float(math.floor(k)), mu), 0, 1))


def _poisson_sf_at(k: int, mu: float) -> float:
    """scipy.stats.poisson.sf(k, mu): pdtrc(k, mu); 1 below the support."""
    if not mu >= 0 or math.isnan(k):
        return math.nan
    if k < 0:
        return 1.0
    return float(np.clip(special.pdtrc(float(math.floor(k)), mu), 0, 1))


def _poisson_ppf(q: float, mu: float) -> float:
    """scipy.stats.poisson.ppf(q, mu) for 0 < q < 1 (its isf(t, mu) is ppf(1.0 - t, mu)): the smallest k with
    P(X <= k) >= q, from pdtrik's continuous inverse."""
    if not (0 < q < 1 and mu >= 0):
        return math.nan
    vals = np.ceil(special.pdtrik(q, mu))
    vals1 = np.maximum(vals - 1, 0)
    return float(np.where(special.pdtr(vals1, mu) >= q, vals1, vals))
