"""Ranking dealers honestly: a rate from a small sample is flagged and left unranked, not ranked as certain."""
from __future__ import annotations

import polars as pl

from dashboard.metrics import METRICS, Metric
from dashboard.targets import ATTAINMENT

# The measures of the scorecard: (metric, sample-size column, smallest sample that is ranked).
MEASURES: dict[str, tuple[str | None, int]] = {
    "sales_revenue": (None, 0),
    "units": (None, 0),
    "service_retention": ("count_retention_cohort", 30),
    "nps": ("count_nps_responses", 30),
    "complaints_per_100_customers": ("count_customers", 50),
    "sla_compliance": ("count_sla_complaints", 20),
    "lead_conversion": ("count_leads_closed", 30),
    # Against target (dashboard/targets.py): a ratio of sums, never a small sample (every dealer has a target).
    "revenue_attainment": (None, 0),
    "units_attainment": (None, 0),
}
# The rest of a dealer's row, behind the table's "Show all columns".
DETAIL_COLUMNS = ["dealer_id", "region", "province", "units", "sales_revenue", "service_retention",
                  "count_retention_cohort", "nps", "count_nps_responses", "complaints_per_100_customers",
                  "count_customers", "sla_compliance", "count_sla_complaints", "lead_conversion", "count_leads_closed",
                  "revenue_attainment", "revenue_target", "units_attainment", "units_target",
                  "is_small_sample"]
LOWER_IS_BETTER = {"complaints_per_100_customers"}
# Sums grow with the number of dealers: their yardstick is the average dealer of the region or nation.
ADDITIVE = {"sales_revenue", "units"}


def measure(metric: str) -> Metric:
    """A scorecard measure's label, unit and definition: a metric of METRICS, or an attainment measure."""
    return METRICS.get(metric) or ATTAINMENT[metric]


def rank_dealers(scorecard: pl.DataFrame, metric: str) -> pl.DataFrame:
    """Dealer rows with `rank` (1 = best on `metric`) and `is_small_sample`; small samples get no rank."""
    sample_column, minimum = MEASURES[metric]
    dealers = scorecard.filter(pl.col("level") == "dealer")
    small = pl.lit(False) if sample_column is None else pl.col(sample_column) < minimum
    dealers = dealers.with_columns(is_small_sample=small | pl.col(metric).is_null())
    descending = metric not in LOWER_IS_BETTER
    rank = (
        pl.when(~pl.col("is_small_sample"))
        .then(pl.col(metric))
        .rank(method="min", descending=descending)
        .cast(pl.Int64)
    )
    # Polars ranks nulls as null, so small samples stay unranked.
    return dealers.with_columns(rank=rank).sort(["is_small_sample", "rank"], nulls_last=True)


def yardsticks(scorecard: pl.DataFrame, metric: str) -> dict[str, float | None]:
    """The metric for each region in the scorecard and for the nation: what every dealer is compared with
    (for sums, the average per dealer)."""
    def value(row) -> float | None:
        if row[metric] is None:
            return None
        return row[metric] / row["count_dealers"] if metric in ADDITIVE else row[metric]

    out = {row["region"]: value(row) for row in scorecard.filter(pl.col("level") == "region").iter_rows(named=True)}
    national = scorecard.filter(pl.col("level") == "national")
    out["national"] = value(national.row(0, named=True)) if len(national) else None
    return out
