"""What a campaign did beyond what would have happened anyway, read from its holdout (control) arm.

The lift is the treatment arm's rate minus the control arm's (response or purchase), with a 95% confidence
interval by Newcombe's hybrid score method (Newcombe 1998, method 10): it combines each arm's Wilson score
interval, so it stays inside [-1, 1] and keeps its coverage for the small control arms and rare purchases of
campaign data, where the textbook normal approximation (Wald) is too narrow or collapses to a point at 0 events.
A lift whose interval includes zero is not proven, however large the point estimate.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
import polars as pl

Z95 = NormalDist().inv_cdf(0.975)

PROVEN = "proven"
NOT_PROVEN = "not proven"
NEGATIVE = "negative"
NO_CONTROL = "no control arm"


def wilson_interval(successes, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion; NaN where n is 0."""
    x, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z / denominator * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def newcombe_difference(x1, n1, x2, n2, z: float = Z95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p1 - p2 with Newcombe's hybrid score interval; NaN where either arm is empty."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=float) for a in (x1, n1, x2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        l1, u1 = wilson_interval(x1, n1, z)
        l2, u2 = wilson_interval(x2, n2, z)
        diff = p1 - p2
        low = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return diff, low, high


def verdict(low, high, n_control) -> list[str]:
    """'proven' when the whole interval is above zero, 'negative' when below, else 'not proven'."""
    out = []
    for lo, hi, n in zip(np.asarray(low, dtype=float), np.asarray(high, dtype=float), np.asarray(n_control)):
        if not n or np.isnan(lo):
            out.append(NO_CONTROL)
        elif lo > 0:
            out.append(PROVEN)
        elif hi < 0:
            out.append(NEGATIVE)
        else:
            out.append(NOT_PROVEN)
    return out


def campaign_lift(counts: pl.DataFrame) -> pl.DataFrame:
    """The rows of the campaign_lift dataset with each arm's rates, the response and purchase lift with their
    95% intervals and verdicts, and what the purchase lift is worth.

    Incremental sales = purchase lift x treatment contacts; incremental margin = incremental sales x the gross
    margin a buying contact brought in the window (both arms pooled); incremental ROI = (incremental margin -
    cost) / cost, as DOMAIN's ROI. Their bounds carry the interval of the lift only, not the spread of margins.
    """
    n_t, n_c = counts["count_treatment"].to_numpy(), counts["count_control"].to_numpy()
    columns = {}
    for kind, x_t, x_c in (
        ("response", counts["count_treatment_responders"].to_numpy(), counts["count_control_responders"].to_numpy()),
        ("purchase", counts["count_treatment_buyers"].to_numpy(), counts["count_control_buyers"].to_numpy()),
    ):
        diff, low, high = newcombe_difference(x_t, n_t, x_c, n_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[f"treatment_{kind}_rate"] = x_t / n_t
            columns[f"control_{kind}_rate"] = x_c / n_c
        columns[f"{kind}_lift"] = diff
        columns[f"{kind}_lift_low"] = low
        columns[f"{kind}_lift_high"] = high
        columns[f"{kind}_verdict"] = verdict(low, high, n_c)

    buyers = counts["count_treatment_buyers"].to_numpy() + counts["count_control_buyers"].to_numpy()
    margin = counts["treatment_buyer_margin"].to_numpy() + counts["control_buyer_margin"].to_numpy()
    cost = counts["cost_in_scope"].to_numpy().astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin_per_buyer = np.where(buyers > 0, margin / buyers, np.nan)
        columns["margin_per_buyer"] = margin_per_buyer
        for suffix in ("", "_low", "_high"):
            sales = columns[f"purchase_lift{suffix}"] * n_t
            columns[f"incremental_sales{suffix}"] = sales
            columns[f"incremental_margin{suffix}"] = sales * margin_per_buyer
            columns[f"incremental_roi{suffix}"] = np.where(cost > 0, (sales * margin_per_buyer - cost) / cost, np.nan)
    added = pl.DataFrame(columns).fill_nan(None)
    return pl.concat([counts, added], how="horizontal")
