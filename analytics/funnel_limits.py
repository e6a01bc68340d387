"""Funnel-plot limits for a rate (answered calls / attempts) compared across units of very different sizes.

A dealer with 40 call attempts can sit 15 points below the network by chance alone; one with 4,000 cannot. The
funnel plot draws, around the network's rate p, the range a unit of n attempts would fall in if its true rate were
p: the exact binomial quantiles of Binomial(n, p) at (1 - coverage) / 2 and 1 - (1 - coverage) / 2, as counts,
divided by n. Two pairs are customary (Spiegelhalter, "Funnel plots for comparing institutional performance",
Statistics in Medicine 2005): 95% (about 2 standard errors; a warning) and 99.8% (about 3; an alarm). A unit is
flagged only outside the limits, so a small dealer is not singled out for noise.

The quantile is the smallest count k with P(X <= k) >= q (scipy.stats.binom.ppf's definition; the test checks it
against scipy). A unit with x answers out of n is below the limits when x < lower(n) and above when x > upper(n):
on a limit is inside.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WARNING = 0.95
ALARM = 0.998
COVERAGES = (WARNING, ALARM)

BELOW = "below"
ABOVE = "above"
WITHIN = "within"


def _log_pmf(n: int, p: float) -> np.ndarray:
    """log P(X = k) for k = 0..n: log n! - log k! - log (n-k)! + k log p + (n-k) log(1-p), the factorials as
    running sums of logs (exact to about 1e-12 relative at n = 100,000)."""
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=float)))])
    k = np.arange(n + 1, dtype=float)
    return log_fact[n] - log_fact - log_fact[::-1] + k * math.log(p) + (n - k) * math.log1p(-p)


def quantile_counts(n: int, p: float, coverage: float) -> tuple[int, int]:
    """The lower and upper limit of Binomial(n, p) as counts: the (1 - coverage) / 2 and 1 - (1 - coverage) / 2
    quantiles. The upper tail is summed from the top, so a tail probability of 1e-4 keeps its digits."""
    if n <= 0:
        return 0, 0
    if p <= 0:
        return 0, 0
    if p >= 1:
        return n, n
    tail = (1 - coverage) / 2
    pmf = np.exp(_log_pmf(n, p))
    cdf = np.cumsum(pmf)
    # P(X > k) summed from the top: sf[k] = sum of pmf[k+1:]
    sf = np.concatenate([np.cumsum(pmf[::-1])[::-1][1:], [0.0]])
    # A relative tolerance like scipy's (it accepts a cdf a hair short of q), so floating sums agree at the edge.
    eps = 1e-10
    lower = int(np.argmax(cdf >= tail * (1 - eps)))
    # upper: the smallest k with P(X <= k) >= 1 - tail, i.e. P(X > k) <= tail
    upper = int(np.argmax(sf <= tail * (1 + eps)))
    return lower, upper


@dataclass(frozen=True)
class Limits:
    """The limits of one coverage at each size n: lower and upper as counts and as rates."""
    coverage: float
    n: np.ndarray
    lower_count: np.ndarray
    upper_count: np.ndarray

    @property
    def lower_rate(self) -> np.ndarray:
        return self.lower_count / self.n

    @property
    def upper_rate(self) -> np.ndarray:
        return self.upper_count / self.n


def limits(sizes, p: float, coverage: float) -> Limits:
    """The limits around rate `p` for each size in `sizes` (sizes below 1 are left out)."""
    n = np.array(sorted({int(s) for s in sizes if s is not None and s >= 1}), dtype=np.int64)
    pairs = [quantile_counts(int(x), p, coverage) for x in n]
    lower = np.array([a for a, _ in pairs], dtype=np.int64)
    upper = np.array([b for _, b in pairs], dtype=np.int64)
    return Limits(coverage, n, lower, upper)


def curve_sizes(largest: int, points: int = 120) -> list[int]:
    """The sizes a funnel's curves are drawn at: every size up to 30, then evenly on a log scale up to `largest`."""
    if largest < 1:
        return []
    small = list(range(1, min(largest, 30) + 1))
    if largest <= 30:
        return small
    grid = np.unique(np.round(np.geomspace(30, largest, points)).astype(np.int64))
    return sorted(set(small) | {int(x) for x in grid} | {int(largest)})


def verdict(answered: int, attempts: int, p: float, coverage: float) -> str:
    """Where a unit of `answered` out of `attempts` falls against the limits of `coverage` around `p`."""
    if attempts is None or attempts < 1 or p is None:
        return WITHIN
    lower, upper = quantile_counts(int(attempts), float(p), coverage)
    if answered < lower:
        return BELOW
    if answered > upper:
        return ABOVE
    return WITHIN
