"""Budget what-if: the leads and sales a channel would bring for a budget, projected from what its campaigns
measured (leads per yuan, won / closed leads), with intervals that say how sure that projection is.

It is a projection, not a forecast: it assumes each yuan buys leads at the channel's measured rate (no
saturation, no change in the offer) and that those leads convert as the channel's measured leads did. The
interval carries three sources of doubt, simulated together:
- the measured leads per yuan is itself an estimate: a Gamma around it (Jeffreys prior on a Poisson count),
  widened by the between-campaign dispersion, since some campaigns of a channel simply do better than others;
- the measured conversion is an estimate: a Beta (Jeffreys) from won and closed leads;
- the leads and sales that a budget brings vary by chance even at known rates: Poisson leads, binomial sales.
"""
from __future__ import annotations

import numpy as np
import polars as pl

DRAWS = 4000
SEED = 20240601
LEVELS = {"80": (0.10, 0.90), "95": (0.025, 0.975)}


def project(rates: pl.DataFrame, budgets: dict[str, float], draws: int = DRAWS, seed: int = SEED) -> pl.DataFrame:
    """One row per channel of `budgets` and one 'all channels' row: the budget, the expected leads and sales
    (budget / cost per lead, x conversion) and their 80% and 95% intervals.

    `rates` holds the budget_channel_rates rows (channel, cost, count_leads, count_closed, count_won,
    lead_dispersion). A channel with no measured leads or cost cannot be projected: its figures are None and
    `note` says why. The simulation is seeded, so the same inputs give the same intervals.
    """
    rng = np.random.default_rng(seed)
    by_channel = {row["channel"]: row for row in rates.iter_rows(named=True)}
    rows, total_leads, total_sales = [], np.zeros(draws), np.zeros(draws)
    projected_any = False
    for channel, budget in budgets.items():
        budget = max(float(budget or 0.0), 0.0)
        row = {"channel": channel, "budget": budget, "note": None}
        measured = by_channel.get(channel)
        if measured is None or not measured["cost"] or not measured["count_leads"]:
            row["note"] = "no measured leads for this channel's campaigns in the period: cannot project"
            rows.append(row)
            continue
        cost, leads = float(measured["cost"]), int(measured["count_leads"])
        closed, won = int(measured["count_closed"] or 0), int(measured["count_won"] or 0)
        dispersion = max(1.0, float(measured.get("lead_dispersion") or 1.0))
        # Leads per yuan: Gamma(shape (L + 1/2) / phi, rate C / phi) keeps the mean and multiplies the variance by phi.
        per_yuan = rng.gamma((leads + 0.5) / dispersion, dispersion / cost, draws)
        conversion = rng.beta(won + 0.5, closed - won + 0.5, draws) if closed else np.full(draws, np.nan)
        lead_draws = rng.poisson(per_yuan * budget).astype(float)
        sale_draws = rng.binomial(lead_draws.astype(np.int64), np.nan_to_num(conversion)).astype(float)
        expected_leads = budget * leads / cost
        expected_conversion = won / closed if closed else None
        row.update(
            cost_per_lead=cost / leads,
            lead_conversion=expected_conversion,
            expected_leads=expected_leads,
            expected_sales=expected_leads * expected_conversion if closed else None,
            **_intervals("leads", lead_draws),
            **(_intervals("sales", sale_draws) if closed else {}),
        )
        if measured.get("count_campaigns", 2) < 2:
            row["note"] = "measured on one campaign: the spread between campaigns is unknown, so the interval is too narrow"
        total_leads += lead_draws
        total_sales += sale_draws if closed else 0.0
        projected_any = True
        rows.append(row)
    if projected_any:
        projected = [r for r in rows if r.get("expected_leads") is not None]
        rows.append({
            "channel": "all channels",
            "budget": sum(r["budget"] for r in rows),
            "expected_leads": sum(r["expected_leads"] for r in projected),
            "expected_sales": sum(r.get("expected_sales") or 0.0 for r in projected),
            **_intervals("leads", total_leads),
            **_intervals("sales", total_sales),
            "note": "channels without measured leads add nothing" if len(projected) < len(rows) else None,
        })
    schema = {
        "channel": pl.String, "budget": pl.Float64, "cost_per_lead": pl.Float64, "lead_conversion": pl.Float64,
        "expected_leads": pl.Float64, "leads_low_80": pl.Float64, "leads_high_80": pl.Float64,
        "leads_low_95": pl.Float64, "leads_high_95": pl.Float64, "expected_sales": pl.Float64,
        "sales_low_80": pl.Float64, "sales_high_80": pl.Float64, "sales_low_95": pl.Float64,
        "sales_high_95": pl.Float64, "note": pl.String,
    }
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


def _intervals(name: str, draws: np.ndarray) -> dict[str, float]:
    out = {}
    for level, (lo, hi) in LEVELS.items():
        low, high = np.quantile(draws, [lo, hi])
        out[f"{name}_low_{level}"] = float(low)
        out[f"{name}_high_{level}"] = float(high)
    return out
