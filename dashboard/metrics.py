"""The metrics of docs/domain.md by name: label, format, definition and direction. Formulas live in the SQL
(queries/metrics.sql and the datasets); this module is how pages name, format and explain them."""
from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard import formats
from dashboard.i18n import N_, _


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str  # count | money | share | score | ratio | hours | points (a difference of shares) | percent | number
    definition: str
    higher_is_better: bool = True
    count_column: str | None = None  # the sample size shown beside it


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("units", N_("Units sold"), "count", N_("Sum of quantity over sales in the period.")),
        Metric("sales_revenue", N_("Sales revenue"), "money", N_("Sum of revenue over sales in the period.")),
        Metric("gross_margin", N_("Gross margin"), "money", N_("Sum of revenue - cost over sales in the period (sales with a cost).")),
        Metric("service_revenue", N_("Service revenue"), "money", N_("Sum of service visit revenue in the period.")),
        Metric("new_customers", N_("New customers"), "count", N_("Customers whose first sale or service visit falls in the period.")),
        Metric("active_customers", N_("Active customers"), "count", N_("Customers with a sale or service visit in the 12 months ending at the period's end.")),
        Metric(
            "service_retention", N_("Service retention"), "share",
            N_("Of customers who bought 12-24 months before the period's end, the share with a service visit within 12 months of buying."),
            count_column="count_retention_cohort",
        ),
        Metric("nps", N_("NPS"), "score", N_("% of sales and service survey scores 9-10 minus % of scores 0-6."), count_column="count_nps_responses"),
        Metric("complaint_backlog", N_("Complaint backlog"), "count", N_("Complaints received by the period's end and not closed by then."), higher_is_better=False),
        Metric(
            "sla_compliance", N_("Complaint SLA compliance"), "share",
            N_("Of the period's complaints whose outcome is known at its end, the share resolved within the severity's deadline."),
            count_column="count_sla_complaints",
        ),
        Metric(
            "campaign_roi", N_("Campaign ROI"), "ratio",
            N_("(Attributed gross margin - cost) / cost, over campaigns that ended in the period; cost apportioned to the filtered scope."),
            count_column="count_campaigns",
        ),
        Metric("complaints_per_100_customers", N_("Complaints per 100 customers"), "number", N_("Complaints received in the period per 100 customers of the dealer."), higher_is_better=False),
        Metric("lead_conversion", N_("Lead conversion"), "share", N_("Won leads / closed (won or lost) leads created in the period."), count_column="count_leads_closed"),
        Metric("campaign_cost", N_("Campaign cost"), "money", N_("Actual cost of the campaigns that ended in the period, apportioned to the filtered scope by its share of their contacts (or leads)."), higher_is_better=False),
        Metric("attributed_margin", N_("Attributed gross margin"), "money", N_("Gross margin of the sales credited to the campaigns (by the mart's record unless a rule is named).")),
        Metric("cost_per_lead", N_("Cost per lead"), "money", N_("Campaign cost in scope / the campaign's leads in scope."), higher_is_better=False),
        Metric("cost_per_sale", N_("Cost per sale"), "money", N_("Campaign cost in scope / the sales credited to the campaign."), higher_is_better=False),
        Metric(
            "purchase_lift", N_("Purchase lift"), "points",
            N_("Share of the treatment arm that bought within the window minus the share of the control arm, with a 95% interval (Newcombe)."),
            count_column="count_treatment",
        ),
        Metric(
            "response_lift", N_("Response lift"), "points",
            N_("Share of the treatment arm that responded minus the share of the control arm, with a 95% interval (Newcombe)."),
            count_column="count_treatment",
        ),
        Metric("incremental_margin", N_("Incremental margin"), "money", N_("Purchase lift x treatment contacts x gross margin per buying contact: the margin the campaign added.")),
        Metric("incremental_roi", N_("Incremental ROI"), "ratio", N_("(Incremental margin - cost) / cost: what the campaign returned beyond what would have happened anyway.")),
        Metric("speed_to_lead", N_("Speed to lead"), "hours", N_("Median hours from a lead's creation to its first contact."), higher_is_better=False, count_column="count_contacted"),
        # Complaints page: figures as they stood at the end of the as-of day (or the period's end, if earlier).
        Metric("complaints_received", N_("Complaints received"), "count", N_("Complaints received in the period."), higher_is_better=False),
        Metric("complaints_past_due", N_("Open past deadline"), "count", N_("Open complaints not resolved by their severity's deadline."), higher_is_better=False),
        Metric(
            "hours_to_dispatch", N_("Hours to dispatch"), "hours",
            N_("Median hours from receipt to HQ's dispatch to the dealer, over the period's complaints dispatched so far."),
            higher_is_better=False, count_column="count_dispatched",
        ),
        Metric(
            "hours_to_acknowledge", N_("Hours to acknowledgement"), "hours",
            N_("Median hours from receipt to the dealer's acknowledgement, over the period's complaints acknowledged so far."),
            higher_is_better=False, count_column="count_acknowledged",
        ),
        Metric(
            "hours_to_resolve", N_("Hours to resolution"), "hours",
            N_("Median hours from receipt to resolution, over the period's complaints resolved so far."),
            higher_is_better=False, count_column="count_resolved",
        ),
        Metric(
            "reopen_rate", N_("Reopen rate"), "share", N_("Of the period's complaints resolved so far, the share reopened at least once."),
            higher_is_better=False, count_column="count_resolved",
        ),
        Metric(
            "callback_satisfaction", N_("Callback satisfaction (1-5)"), "score",
            N_("Mean callback score (1-5) given at closing, over the period's complaints closed so far."),
            count_column="count_callbacks",
        ),
        # Forecast page: backtest accuracy (analytics/forecast.py computes them).
        Metric(
            "mase", N_("MASE"), "number",
            N_("Mean absolute backtest error in units of the seasonal-naive forecast's in-sample error; below the baseline's MASE = better than the baseline."),
            higher_is_better=False, count_column="count_errors",
        ),
        Metric(
            "smape", N_("sMAPE"), "percent",
            N_("Symmetric mean absolute percentage error of the backtest: mean of 200 |actual - forecast| / (|actual| + |forecast|), 0-200%."),
            higher_is_better=False, count_column="count_errors",
        ),
        # Customer segments and value (RFM, tiers and activity in queries/metrics.sql; CLV in analytics/clv.py).
        Metric("rfm_customers", N_("Customers scored"), "count", N_("Customers in scope with a sale or service visit in the period: the ones RFM scores.")),
        Metric("customer_share", N_("Share of customers"), "share", N_("The group's customers / the period's customers with a sale or service visit.")),
        Metric("revenue_share", N_("Share of revenue"), "share", N_("The group's sales and service revenue in the period / all of it.")),
        Metric("avg_customer_revenue", N_("Average value"), "money", N_("Sales and service revenue in the period per customer of the group.")),
        Metric(
            "tier_a_customer_share", N_("Customers making 80% of revenue"), "share",
            N_("Tier A's share of the period's customers: the fewest customers, largest first, who together bring 80% of the revenue."),
            higher_is_better=False,
        ),
        Metric("share_active", N_("Share active"), "share", N_("Of a cohort (customers by month or quarter of first purchase), the share with a sale or service visit in the period.")),
        Metric("at_risk_customers", N_("At risk"), "count", N_("Customers whose last sale or service visit was 12-18 months before the period's end."), higher_is_better=False),
        Metric("lapsed_customers", N_("Lapsed"), "count", N_("Customers with no sale or service visit in the 18 months to the period's end."), higher_is_better=False),
        Metric(
            "lapse_rate", N_("Lapse rate"), "share",
            N_("Of customers whose first transaction was 18+ months before the period's end, the share with none in the last 18 months."),
            higher_is_better=False, count_column="count_customers",
        ),
        Metric(
            "clv", N_("Expected 12-month value"), "money",
            N_("Expected repeat purchase days in the next 52 weeks (BG/NBD) x the expected value of one (Gamma-Gamma). Where "
               "the mart has service visits they are service visit days and their bills: a vehicle purchase starts a "
               "customer's history and its price is not averaged with service bills."),
        ),
        Metric("clv_total", N_("Expected 12-month value, all customers"), "money", N_("The sum of every customer's expected 12-month value.")),
        Metric("expected_transactions", N_("Expected purchases, next 12 months"), "number", N_("Expected repeat purchase days in the next 52 weeks (BG/NBD): service visit days where the mart has service visits, sale days otherwise.")),
        Metric("p_alive", N_("Probability still active"), "share", N_("BG/NBD's probability that the customer has not dropped out, given their purchases so far.")),
        # After-sales page (views/after_sales.py; the rules in dashboard/after_sales.py and the datasets).
        Metric(
            "revenue_per_vehicle_serviced", N_("Service revenue per vehicle serviced"), "money",
            N_("Service revenue in the period / the vehicles (customer x model) with a service visit in the period."),
        ),
        Metric(
            "revenue_per_vehicle_in_service", N_("Service revenue per vehicle in service"), "money",
            N_("Service revenue in the period / vehicles in service: the units sold in the 5 years up to the period's end."),
        ),
        Metric("vehicles_in_service", N_("Vehicles in service"), "count", N_("Units sold in the 5 years up to the period's end: the vehicles the dealers look after.")),
        Metric(
            "warranty_claims_per_100", N_("Warranty claims per 100 vehicles a year"), "number",
            N_("100 x the warranty claims made in the period by a model's vehicles at an age (months since sale) / the vehicle-years its vehicles spent at that age in the period."),
            higher_is_better=False,
        ),
        Metric(
            "maintenance_due", N_("Due for maintenance"), "count",
            N_("Vehicles due within 30 days or overdue by up to 12 months: 6 months or 10,000 km after their last maintenance visit, whichever comes first (km estimated from the vehicle's km per day so far)."),
            higher_is_better=False,
        ),
        Metric(
            "holdout_error", N_("Holdout error"), "ratio",
            N_("(Predicted - actual) / actual repeat purchases in the holdout weeks, by a model fitted only on the weeks before them."),
        ),
    ]
}


# The named RFM segments of queries/metrics.sql (rfm_segment), most valuable first: who they are and what to do.
RFM_SEGMENTS: dict[str, str] = {
    "champions": N_("Recent and frequent (R 4-5, F 4-5): reward them, ask for referrals."),
    "loyal": N_("Frequent, not the most recent (R 3, F 3-5): keep close with service plans and loyalty offers."),
    "potential loyalists": N_("Recent, a few transactions (R 4-5, F 2-3): nurture into loyalty."),
    "new": N_("Recent, one transaction in the period (R 4-5, F 1): welcome, first service reminder."),
    "can't lose": N_("Were among the most frequent, long gone (R 1-2, F 5): personal outreach now."),
    "at risk": N_("Used to come often, not lately (R 1-2, F 3-4): win back before they lapse."),
    "hibernating": N_("Infrequent and not recent (R 2-3, F 1-2): low-cost reactivation."),
    "lost": N_("Least recent, least frequent (R 1, F 1-2): cheap campaigns only."),
}
NOT_ACTIVE = "not active"  # no sale or service visit in the period: no RFM segment

# Activity at the period's end (queries/metrics.sql: activity_status).
ACTIVITY_STATUSES: dict[str, str] = {
    "active": N_("A sale or service visit in the 12 months to the period's end."),
    "at risk": N_("Last sale or service visit 12-18 months before the period's end: no longer active, not yet lapsed."),
    "lapsed": N_("No sale or service visit in the 18 months to the period's end."),
}


def fmt(value, unit: str) -> str:
    """A value as a person reads it, in their language: money in 万/亿 or k/M/B, shares as %, counts with separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return formats.EMPTY
    if unit == "money":
        return formats.money(float(value))
    if unit == "share":
        return formats.percent(value)
    if unit == "ratio":
        return formats.change(value, digits=0)
    if unit == "points":
        return formats.points(value)
    if unit == "score":
        return formats.number(value, 1)
    if unit == "percent":  # already in percent, e.g. sMAPE
        return formats.number(value, 1) + "%"
    if unit == "hours":
        return _("{hours} h").format(hours=formats.number(value, 1))
    if unit == "count":
        return formats.number(int(value))
    return formats.number(value, 2)


def format_metric(name: str, value) -> str:
    return fmt(value, METRICS[name].unit)


def delta_text(name: str, current, previous) -> str | None:
    """The change against the comparison period, in the metric's own terms (points for shares and scores)."""
    if current is None or previous is None:
        return None
    unit = METRICS[name].unit
    if unit in ("share", "ratio", "points"):
        return formats.points(current - previous)
    if unit == "score":
        change = round(current - previous, 1)
        return f"{change:+.1f}" if change else "0.0"   # a score's change: its own units, no sign when none
    if previous == 0:
        return None
    return formats.change((current - previous) / abs(previous))



