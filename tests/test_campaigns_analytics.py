"""analytics.lift against the textbook two-proportion interval, analytics.budget against a hand calculation."""
from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analytics import budget, lift

# Newcombe (1998), "Interval estimation for the difference between independent proportions: comparison of
# eleven methods", Statistics in Medicine 17, Table II, method 10 (score, no continuity correction).
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_TABLE_II)
def test_the_interval_is_newcombes_published_one(counts, published):
    diff, low, high = lift.newcombe_difference(*counts)
    assert float(diff) == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert float(low) == pytest.approx(published[0], abs=5e-5)
    assert float(high) == pytest.approx(published[1], abs=5e-5)


def test_the_interval_agrees_with_statsmodels_over_campaign_sized_counts():
    rng = np.random.default_rng(5)
    n1 = rng.integers(20, 3000, 300)
    n2 = rng.integers(1, 400, 300)
    x1 = rng.binomial(n1, rng.uniform(0, 0.3, 300))
    x2 = rng.binomial(n2, rng.uniform(0, 0.3, 300))
    _, low, high = lift.newcombe_difference(x1, n1, x2, n2)
    for i in range(300):
        want = confint_proportions_2indep(x1[i], n1[i], x2[i], n2[i], method="newcomb", compare="diff")
        assert (low[i], high[i]) == pytest.approx(want, abs=1e-12)


def test_wilson_agrees_with_statsmodels():
    for x, n in [(0, 11), (3, 11), (50, 1000), (1000, 1000)]:
        low, high = lift.wilson_interval(x, n)
        assert (float(low), float(high)) == pytest.approx(proportion_confint(x, n, method="wilson"), abs=1e-12)


def test_an_empty_arm_has_no_interval():
    _, low, high = lift.newcombe_difference(5, 100, 0, 0)
    assert math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "verdict"),
    [
        (40, 100, 10, 100, lift.PROVEN),
        (10, 100, 40, 100, lift.NEGATIVE),
        # A lift of 5 points on a control arm of 20: large, and still not proven.
        (15, 100, 2, 20, lift.NOT_PROVEN),
        (15, 100, 0, 0, lift.NO_CONTROL),
    ],
)
def test_a_lift_whose_interval_crosses_zero_is_not_proven(x1, n1, x2, n2, verdict):
    _, low, high = lift.newcombe_difference(x1, n1, x2, n2)
    assert lift.verdict([low], [high], [n2]) == [verdict]


def counts_row(**overrides) -> dict:
    row = {
        "campaign_id": 1, "cost_in_scope": 100_000.0,
        "count_treatment": 1000, "count_treatment_responders": 120, "count_treatment_buyers": 60,
        "treatment_buyer_margin": 600_000.0,
        "count_control": 200, "count_control_responders": 10, "count_control_buyers": 6,
        "control_buyer_margin": 60_000.0,
    }
    return row | overrides


def test_incremental_margin_and_roi_by_hand():
    """Lift 6% - 3% = 3 points on 1,000 treated = 30 extra buyers; 660,000 / 66 buyers = 10,000 margin each,
    so 300,000 incremental margin on a 100,000 cost: incremental ROI (300,000 - 100,000) / 100,000 = 2."""
    got = lift.campaign_lift(pl.DataFrame([counts_row()])).row(0, named=True)
    assert got["treatment_purchase_rate"] == pytest.approx(0.06)
    assert got["control_purchase_rate"] == pytest.approx(0.03)
    assert got["purchase_lift"] == pytest.approx(0.03)
    assert got["margin_per_buyer"] == pytest.approx(10_000)
    assert got["incremental_sales"] == pytest.approx(30)
    assert got["incremental_margin"] == pytest.approx(300_000)
    assert got["incremental_roi"] == pytest.approx(2.0)
    low, high = confint_proportions_2indep(60, 1000, 6, 200, method="newcomb", compare="diff")
    assert got["incremental_margin_low"] == pytest.approx(low * 1000 * 10_000)
    assert got["incremental_margin_high"] == pytest.approx(high * 1000 * 10_000)
    assert got["incremental_roi_low"] == pytest.approx((low * 1000 * 10_000 - 100_000) / 100_000)
    # Responses: 12% against 5%, and with 200 in control that is proven; purchases (interval from below 0) are not.
    assert got["response_verdict"] == lift.PROVEN
    assert got["purchase_verdict"] == lift.NOT_PROVEN


def test_no_buyers_and_no_cost_give_no_incremental_figures_instead_of_errors():
    got = lift.campaign_lift(pl.DataFrame([
        counts_row(count_treatment_buyers=0, count_control_buyers=0, treatment_buyer_margin=0.0, control_buyer_margin=0.0),
        counts_row(campaign_id=2, cost_in_scope=0.0),
        counts_row(campaign_id=3, count_control=0, count_control_responders=0, count_control_buyers=0, control_buyer_margin=0.0),
    ]))
    assert got["incremental_margin"][0] is None and got["incremental_roi"][1] is None
    assert got["purchase_verdict"][2] == lift.NO_CONTROL and got["purchase_lift"][2] is None


# ------------------------------------------------------------------------------------------------ budget

RATES = pl.DataFrame([
    {"channel": "wechat", "count_campaigns": 3, "cost": 1_000_000.0, "count_leads": 400, "count_closed": 300,
     "count_won": 60, "lead_dispersion": 1.0},
    {"channel": "website", "count_campaigns": 1, "cost": 500_000.0, "count_leads": 100, "count_closed": 100,
     "count_won": 10, "lead_dispersion": None},
])


def test_the_projection_by_hand():
    """wechat: 1,000,000 bought 400 leads (2,500 a lead), 60 of 300 closed won (20%). 500,000 buys 200 leads
    and 40 sales. The spread, by the law of total variance over the simulated rates:
    leads: Var = E[lambda B] + Var(lambda B), lambda ~ Gamma(400.5, 1e-6): 200.25 + 100.125;
    sales: Var = E[N] E[p(1-p)] + Var(N p), p ~ Beta(60.5, 240.5)."""
    got = budget.project(RATES, {"wechat": 500_000.0}).row(0, named=True)
    assert got["cost_per_lead"] == pytest.approx(2500)
    assert got["lead_conversion"] == pytest.approx(0.2)
    assert got["expected_leads"] == pytest.approx(200)
    assert got["expected_sales"] == pytest.approx(40)

    mean_n, var_n = 200.25, 200.25 + 100.125
    a, b = 60.5, 240.5
    mean_p = a / (a + b)
    mean_p2 = mean_p ** 2 + a * b / ((a + b) ** 2 * (a + b + 1))
    mean_n2 = var_n + mean_n ** 2
    mean_s = mean_n * mean_p
    var_s = mean_n * (mean_p - mean_p2) + mean_n2 * mean_p2 - mean_s ** 2
    z = 1.959963984540054
    assert got["leads_low_95"] == pytest.approx(mean_n - z * math.sqrt(var_n), abs=3)
    assert got["leads_high_95"] == pytest.approx(mean_n + z * math.sqrt(var_n), abs=3)
    assert got["sales_low_95"] == pytest.approx(mean_s - z * math.sqrt(var_s), abs=2)
    assert got["sales_high_95"] == pytest.approx(mean_s + z * math.sqrt(var_s), abs=2)
    assert got["leads_low_95"] < got["leads_low_80"] < got["expected_leads"] < got["leads_high_80"] < got["leads_high_95"]


def test_dispersion_between_campaigns_widens_the_interval():
    wide = RATES.with_columns(lead_dispersion=pl.lit(6.0))
    narrow_row = budget.project(RATES, {"wechat": 500_000.0}).row(0, named=True)
    wide_row = budget.project(wide, {"wechat": 500_000.0}).row(0, named=True)
    assert wide_row["expected_leads"] == narrow_row["expected_leads"]
    assert (wide_row["leads_high_95"] - wide_row["leads_low_95"]) > 1.5 * (narrow_row["leads_high_95"] - narrow_row["leads_low_95"])


def test_moving_budget_moves_the_projection_and_the_total_adds_up():
    base = budget.project(RATES, {"wechat": 1_000_000.0, "website": 500_000.0})
    moved = budget.project(RATES, {"wechat": 1_500_000.0, "website": 0.0})
    assert base.filter(pl.col("channel") == "wechat")["expected_leads"][0] == pytest.approx(400)
    assert moved.filter(pl.col("channel") == "wechat")["expected_leads"][0] == pytest.approx(600)
    assert moved.filter(pl.col("channel") == "website")["expected_sales"][0] == 0
    assert moved.filter(pl.col("channel") == "website")["sales_high_95"][0] == 0
    for frame in (base, moved):
        total = frame.filter(pl.col("channel") == "all channels").row(0, named=True)
        parts = frame.filter(pl.col("channel") != "all channels")
        assert total["expected_leads"] == pytest.approx(parts["expected_leads"].sum())
        assert total["expected_sales"] == pytest.approx(parts["expected_sales"].sum())
        assert total["sales_low_95"] <= total["expected_sales"] <= total["sales_high_95"]
    # One campaign says nothing about the spread between campaigns: the note says the interval is too narrow.
    assert "one campaign" in base.filter(pl.col("channel") == "website")["note"][0]


def test_a_channel_without_measured_leads_is_not_projected_and_the_same_inputs_give_the_same_answer():
    got = budget.project(RATES, {"wechat": 200_000.0, "phone": 300_000.0})
    phone = got.filter(pl.col("channel") == "phone").row(0, named=True)
    assert phone["expected_leads"] is None and "cannot project" in phone["note"]
    assert got.filter(pl.col("channel") == "all channels")["budget"][0] == 500_000.0
    assert got.equals(budget.project(RATES, {"wechat": 200_000.0, "phone": 300_000.0}))
