"""Why a KPI moved: its change between two periods split exactly across the groups of one dimension.

A ratio KPI R = N / D (conversion = won / closed leads, NPS = 100 (promoters - detractors) / responses, ...) is the
share-weighted mean of its groups' rates: R = sum_i w_i r_i, w_i = D_i / D (the group's share of the denominator),
r_i = N_i / D_i (its own rate). Kitagawa's midpoint decomposition splits the change R' - R, with no residual, into
    mix_i  = (w_i' - w_i) (r_i + r_i') / 2     (the group's share moved)
    rate_i = (r_i' - r_i) (w_i + w_i') / 2     (the group's own rate moved)
since mix_i + rate_i = w_i' r_i' - w_i r_i, whose sum over the groups is R' - R.

Each group's mix part is reported relative to the midpoint KPI, (w_i' - w_i) ((r_i + r_i') / 2 - (R + R') / 2): the
shares sum to 1 in both periods, so the subtracted terms sum to zero and the mix total is Kitagawa's exactly; but a
group that gains share at the average rate no longer shows as a mover (with the plain form it would, offset by
the groups that lost share: +2 points here, -2 points spread elsewhere, the KPI unchanged). `centre=False` gives
the plain form.

An additive total (units, revenue, complaints received) has no rate: each group's part of the change is its own
change (see `total_changes`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

COLUMNS = ["group", "share_before", "share_after", "rate_before", "rate_after", "mix", "rate", "total"]


class EmptyDenominator(ValueError):
    """The KPI has no value in a period (no closed leads, no responses...): there is no change to split."""


@dataclass(frozen=True)
class Split:
    """Per group (arrays in the caller's order) and overall, before (0) and after (1)."""

    share_before: np.ndarray
    share_after: np.ndarray
    rate_before: np.ndarray   # NaN where the group has no denominator in the period: its rate is undefined there
    rate_after: np.ndarray
    mix: np.ndarray
    rate: np.ndarray
    before: float             # the KPI, N / D
    after: float

    @property
    def total(self) -> np.ndarray:
        return self.mix + self.rate


def kitagawa(n0, d0, n1, d1, *, centre: bool = True) -> Split:
    """The midpoint decomposition of N1/D1 - N0/D0 over groups with numerators n and denominators d (aligned
    arrays; a group absent in a period has 0 and 0 there). Raises EmptyDenominator if D0 or D1 is 0."""
    n0, d0, n1, d1 = (np.asarray(x, dtype=float) for x in (n0, d0, n1, d1))
    total0, total1 = d0.sum(), d1.sum()
    if total0 == 0 or total1 == 0:
        raise EmptyDenominator("the KPI has no denominator in one of the periods")
    before, after = n0.sum() / total0, n1.sum() / total1
    w0, w1 = d0 / total0, d1 / total1
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = np.where(d0 != 0, n0 / d0, np.nan)
        r1 = np.where(d1 != 0, n1 / d1, np.nan)
    # A group present in one period only (share 0 in the other) has no rate there. Taking the other period's rate
    # keeps its parts exact: its rate part is 0 and its mix part w' r' (or -w r), its whole contribution to the
    # KPI, which is what appearing (or disappearing) did. A group with neither has rate 0 and contributes nothing.
    s0 = np.where(d0 != 0, r0, np.where(d1 != 0, r1, 0.0))
    s1 = np.where(d1 != 0, r1, np.where(d0 != 0, r0, 0.0))
    mix = (w1 - w0) * (s0 + s1) / 2
    rate = (s1 - s0) * (w0 + w1) / 2
    # A numerator without a denominator in a period (a complaint at a dealer that sold nothing that month) counts
    # in N / D but has no rate: the part of its contribution's change (n1/D1 - n0/D0) that the formula above does
    # not cover goes to the rate part, so the group still adds up.
    orphan = ((d0 == 0) & (n0 != 0)) | ((d1 == 0) & (n1 != 0))
    if orphan.any():
        rate = np.where(orphan, (n1 / total1 - n0 / total0) - mix, rate)
    if centre:
        mix = mix - (w1 - w0) * (before + after) / 2
    return Split(w0, w1, r0, r1, mix, rate, before, after)


def total_changes(x0, x1) -> Split:
    """An additive total T = sum_i x_i: each group's part of the change is its own change x_i' - x_i (all of it
    in `rate`; `mix` is 0: a shift between groups is itself a change of their totals). Shares are of the total
    (NaN where the total is 0); the 'rates' are the groups' own totals."""
    x0, x1 = np.asarray(x0, dtype=float), np.asarray(x1, dtype=float)
    t0, t1 = x0.sum(), x1.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        w0 = x0 / t0 if t0 else np.full_like(x0, np.nan)
        w1 = x1 / t1 if t1 else np.full_like(x1, np.nan)
    return Split(w0, w1, x0, x1, np.zeros_like(x0), x1 - x0, t0, t1)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"group": pl.String, **{c: pl.Float64 for c in COLUMNS[1:]}})


def decompose_parts(before: pl.DataFrame, after: pl.DataFrame, *, total: bool = False,
                    centre: bool = True) -> pl.DataFrame:
    """One row per group found in either period (frames of group, numerator, denominator; for a total only the
    numerator is read), with the columns of COLUMNS, largest |total| first. Empty where the KPI has no value in a
    period (EmptyDenominator)."""
    numbers = ["numerator"] if total else ["numerator", "denominator"]
    both = (before.select("group", *numbers)
            .join(after.select("group", *numbers), on="group", how="full", coalesce=True, suffix="_after")
            .with_columns(pl.exclude("group").cast(pl.Float64).fill_null(0.0))
            .sort("group"))
    if both.is_empty():
        return _empty()
    if total:
        split = total_changes(both["numerator"].to_numpy(), both["numerator_after"].to_numpy())
    else:
        try:
            split = kitagawa(both["numerator"].to_numpy(), both["denominator"].to_numpy(),
                             both["numerator_after"].to_numpy(), both["denominator_after"].to_numpy(), centre=centre)
        except EmptyDenominator:
            return _empty()
    out = pl.DataFrame({
        "group": both["group"],
        "share_before": split.share_before, "share_after": split.share_after,
        "rate_before": split.rate_before, "rate_after": split.rate_after,
        "mix": split.mix, "rate": split.rate, "total": split.total,
    }).with_columns(pl.col(pl.Float64).fill_nan(None))
    return out.sort(pl.col("total").abs(), "group", descending=[True, False])
