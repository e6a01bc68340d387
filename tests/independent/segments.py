"""Customer segments and value recomputed in plain Polars from the raw mart tables and docs/domain.md's definitions.

Money is handled in integer cents, so tier boundaries and sums compare exactly; scores rank ties with the
lowest rank of their group (Polars' rank("min")), which is what "ties share the quintile where they start" means.
"""
from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from queries.filters import Filters
from tests.independent.frame import customers_in, months_before

# The segment grid of docs/domain.md's named segments as the dashboard defines it, written out cell by cell:
# rows are recency scores 5..1, columns frequency scores 1..5.
GRID = {
    5: ["new", "potential loyalists", "potential loyalists", "champions", "champions"],
    4: ["new", "potential loyalists", "potential loyalists", "champions", "champions"],
    3: ["hibernating", "hibernating", "loyal", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at risk", "at risk", "can't lose"],
    1: ["lost", "lost", "at risk", "at risk", "can't lose"],
}
SEGMENT_OF = pl.DataFrame(
    [(r, f + 1, name) for r, names in GRID.items() for f, name in enumerate(names)],
    schema={"r_score": pl.Int64, "f_score": pl.Int64, "segment": pl.String}, orient="row",
)


def cents(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round(0).cast(pl.Int64)


def transactions(t) -> pl.DataFrame:
    """Every sale and service visit: customer, day, revenue in cents."""
    return pl.concat([
        t["sales"].select("customer_id", pl.col("sold_on").alias("on"), cents("revenue").alias("cents")),
        t["service_visits"].select("customer_id", pl.col("visited_on").alias("on"), cents("revenue").alias("cents")),
    ])


def scope_ids(t, f: Filters) -> pl.Series:
    """Customers in scope: segment, channel, product ownership, and home dealer in the geography."""
    return customers_in(t, f, with_product=True, with_geo=True)["customer_id"]


def quintile(rank: pl.Expr, n: int) -> pl.Expr:
    return (1 + (5 * (rank - 1)) // n).cast(pl.Int64)


def rfm(t, f: Filters, start: date | None = None, end: date | None = None) -> pl.DataFrame:
    """One row per customer in scope with a transaction in [start, end]: recency, frequency, monetary (cents),
    scores, segment, tier."""
    start, end = start or f.start_on, end or f.end_on
    tx = transactions(t).filter(pl.col("on").is_between(start, end) & pl.col("customer_id").is_in(scope_ids(t, f).implode()))
    per = tx.group_by("customer_id").agg(
        last_on=pl.col("on").max(), frequency=pl.len().cast(pl.Int64), monetary_cents=pl.col("cents").sum()
    ).with_columns(recency_days=(pl.lit(end) - pl.col("last_on")).dt.total_days())
    n = per.height
    if n == 0:
        return per.with_columns(r_score=pl.lit(None, pl.Int64), f_score=pl.lit(None, pl.Int64), m_score=pl.lit(None, pl.Int64),
                                segment=pl.lit(None, pl.String), tier=pl.lit(None, pl.String))
    per = per.with_columns(
        r_score=quintile(pl.col("recency_days").rank("min", descending=True), n),
        f_score=quintile(pl.col("frequency").rank("min"), n),
        m_score=quintile(pl.col("monetary_cents").rank("min"), n),
    ).join(SEGMENT_OF, on=["r_score", "f_score"], how="left")
    total = int(per["monetary_cents"].sum())
    per = per.sort(["monetary_cents", "customer_id"], descending=[True, False]).with_columns(
        before=pl.col("monetary_cents").cum_sum() - pl.col("monetary_cents")
    )
    # Integer comparisons: before < 80% of total  <=>  100 * before < 80 * total.
    return per.with_columns(
        tier=pl.when(100 * pl.col("before") < 80 * total).then(pl.lit("A"))
        .when(100 * pl.col("before") < 95 * total).then(pl.lit("B")).otherwise(pl.lit("C")),
        monetary=pl.col("monetary_cents") / 100,
    ).drop("before")


def by_group(scored: pl.DataFrame, column: str) -> pl.DataFrame:
    n, total = scored.height, scored["monetary_cents"].sum()
    return scored.group_by(column).agg(
        count_customers=pl.len(), revenue_cents=pl.col("monetary_cents").sum(),
        avg_recency_days=pl.col("recency_days").mean(), avg_frequency=pl.col("frequency").mean(),
    ).with_columns(customer_share=pl.col("count_customers") / n, revenue_share=pl.col("revenue_cents") / total)


def pareto_point(scored: pl.DataFrame, percentile: int) -> tuple[float, float]:
    """(share of customers, share of revenue) of the largest customers up to the given percentile."""
    ordered = scored.sort(["monetary_cents", "customer_id"], descending=[True, False])
    n = ordered.height
    k = max(i for i in range(1, n + 1) if -(-100 * i // n) == percentile)  # the last position in that percentile
    return k / n, ordered["monetary_cents"].head(k).sum() / ordered["monetary_cents"].sum()


def cohorts(t, f: Filters, grain: str) -> pl.DataFrame:
    """One row per (cohort, periods since) with at least one active customer, plus every cohort's size."""
    every = "1mo" if grain == "month" else "3mo"
    tx = transactions(t)
    first = tx.group_by("customer_id").agg(first_on=pl.col("on").min())
    members = first.filter(
        pl.col("first_on").is_between(f.start_on, f.end_on) & pl.col("customer_id").is_in(scope_ids(t, f).implode())
    ).with_columns(cohort_on=pl.col("first_on").dt.truncate(every))
    active = (
        tx.filter(pl.col("on").is_between(f.start_on, f.end_on))
        .join(members, on="customer_id")
        .with_columns(period_on=pl.col("on").dt.truncate(every))
        .with_columns(periods_since=_months_between("cohort_on", "period_on") // (1 if grain == "month" else 3))
        .group_by("cohort_on", "periods_since").agg(count_active=pl.col("customer_id").n_unique())
    )
    sizes = members.group_by("cohort_on").agg(count_cohort=pl.len())
    return active.join(sizes, on="cohort_on").with_columns(share_active=pl.col("count_active") / pl.col("count_cohort"))


def _months_between(a: str, b: str) -> pl.Expr:
    return (pl.col(b).dt.year() - pl.col(a).dt.year()) * 12 + pl.col(b).dt.month() - pl.col(a).dt.month()


def history(t, f: Filters) -> pl.DataFrame:
    """One row per customer in scope with a transaction by the period's end: first, last, revenue, status."""
    end = f.end_on
    tx = transactions(t).filter((pl.col("on") <= end) & pl.col("customer_id").is_in(scope_ids(t, f).implode()))
    per = tx.group_by("customer_id").agg(first_on=pl.col("on").min(), last_on=pl.col("on").max(),
                                         lifetime_cents=pl.col("cents").sum())
    return per.with_columns(
        status=pl.when(pl.col("last_on") > months_before(end, 12)).then(pl.lit("active"))
        .when(pl.col("last_on") > months_before(end, 18)).then(pl.lit("at risk"))
        .otherwise(pl.lit("lapsed"))
    )


def churn_drivers(t, f: Filters) -> pl.DataFrame:
    """Lapse counts by complaint group and lowest-survey-score group, over customers old enough to lapse."""
    end = f.end_on
    eligible = history(t, f).filter(pl.col("first_on") <= months_before(end, 18))
    complained = t["complaints"].filter(pl.col("received_at").dt.date() <= end)["customer_id"].unique()
    lowest = t["surveys"].filter(pl.col("surveyed_on") <= end).group_by("customer_id").agg(lowest=pl.col("score").min())
    labelled = eligible.join(lowest, on="customer_id", how="left").with_columns(
        complaints=pl.when(pl.col("customer_id").is_in(complained.implode())).then(pl.lit("complained")).otherwise(pl.lit("no complaint")),
        survey=pl.when(pl.col("lowest").is_null()).then(pl.lit("no survey"))
        .when(pl.col("lowest") <= 6).then(pl.lit("lowest score 0-6"))
        .when(pl.col("lowest") >= 9).then(pl.lit("lowest score 9-10"))
        .otherwise(pl.lit("lowest score 7-8")),
    )
    out = []
    for driver, column in (("complaints", "complaints"), ("survey score", "survey")):
        out.append(labelled.group_by(pl.col(column).alias("customer_group")).agg(
            count_customers=pl.len(),
            count_lapsed=(pl.col("status") == "lapsed").sum(),
            count_at_risk=(pl.col("status") == "at risk").sum(),
        ).with_columns(driver=pl.lit(driver)))
    return pl.concat(out)


def clv_inputs(t, f: Filters, calibration_end: date) -> pl.DataFrame:
    """One row per customer in scope with a transaction by the period's end, born on their first sale or visit:
    repeat purchases (days after the first with a service visit: one process, not vehicle prices mixed with
    service bills; several visits on one day are one purchase worth their sum), days to the last, days observed,
    mean repeat value, and the same up to calibration_end with the holdout count after it."""
    end = f.end_on
    ids = scope_ids(t, f).implode()
    tx = transactions(t).filter((pl.col("on") <= end) & pl.col("customer_id").is_in(ids))
    firsts = tx.group_by("customer_id").agg(first_on=pl.col("on").min())
    visit_days = (
        t["service_visits"].filter((pl.col("visited_on") <= end) & pl.col("customer_id").is_in(ids))
        .group_by("customer_id", pl.col("visited_on").alias("on")).agg(cents=cents("revenue").sum())
        .join(firsts, on="customer_id")
        .filter(pl.col("on") > pl.col("first_on"))
    )
    in_cal = pl.col("on") <= calibration_end
    repeats = visit_days.group_by("customer_id").agg(
        count_repeat=pl.len().cast(pl.Int64),
        last_on=pl.col("on").max(),
        avg_repeat_cents=pl.col("cents").mean(),
        count_repeat_calibration=in_cal.sum().cast(pl.Int64),
        last_on_calibration=pl.col("on").filter(in_cal).max(),
        count_holdout=(~in_cal).sum().cast(pl.Int64),
    )
    return firsts.join(repeats, on="customer_id", how="left").with_columns(
        pl.col("count_repeat", "count_repeat_calibration", "count_holdout").fill_null(0),
        days_to_last=(pl.col("last_on").fill_null(pl.col("first_on")) - pl.col("first_on")).dt.total_days(),
        days_observed=(pl.lit(end) - pl.col("first_on")).dt.total_days(),
        days_to_last_calibration=(pl.col("last_on_calibration").fill_null(pl.col("first_on")) - pl.col("first_on")).dt.total_days(),
        days_observed_calibration=pl.when(pl.col("first_on") <= calibration_end)
        .then((pl.lit(calibration_end) - pl.col("first_on")).dt.total_days()),
    )


def timeline_counts(t, customer_id: int) -> dict[str, int]:
    """How many events of each category the customer's timeline must hold."""
    c = customer_id
    lead_steps = t["leads"].filter(pl.col("customer_id") == c).select(
        "created_at", "contacted_at", "test_drive_at", "quoted_at", "closed_at"
    )
    contacts = t["campaign_contacts"].filter(pl.col("customer_id") == c)
    complaints = t["complaints"].filter(pl.col("customer_id") == c).select(
        "received_at", "dispatched_at", "acknowledged_at", "resolved_at", "closed_at"
    )
    return {
        "purchase": t["sales"].filter(pl.col("customer_id") == c).height,
        "service": t["service_visits"].filter(pl.col("customer_id") == c).height,
        "lead": sum(lead_steps[col].drop_nulls().len() for col in lead_steps.columns),
        "campaign": contacts.height + contacts["responded_on"].drop_nulls().len(),
        "complaint": sum(complaints[col].drop_nulls().len() for col in complaints.columns),
        "survey": t["surveys"].filter(pl.col("customer_id") == c).height,
    }


def year_before(day: date) -> date:
    return day - timedelta(days=364)


AGE_BANDS = [(25, "under 25"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64")]


def portrait(t, f: Filters, segment: str | None, tier: str | None) -> dict[tuple[str, str], dict]:
    """(attribute, value) -> counts and shares of the group (segment and/or tier) and of the base (every customer
    scored in the period), with the suppression rule: fewer than 5 in the group or the base hides a value, and a
    lone hidden value of an attribute hides the next smallest (by group count, then value) too."""
    scored = rfm(t, f)
    people = scored.select("customer_id", "segment", "tier").join(t["customers"], on="customer_id").with_columns(
        is_in_group=(pl.lit(True) if segment is None else pl.col("segment") == segment)
        & (pl.lit(True) if tier is None else pl.col("tier") == tier),
        age=f.end_on.year - pl.col("birth_year").cast(pl.Int64),
    )
    band = pl.when(pl.col("age").is_null()).then(pl.lit("not recorded"))
    for limit, name in AGE_BANDS:
        band = band.when(pl.col("age") < limit).then(pl.lit(name))
    band = band.otherwise(pl.lit("65 and over"))
    group = people.filter(pl.col("is_in_group"))
    top = (group.drop_nulls("city").group_by("city").len().sort(["len", "city"], descending=[True, False])
           .head(10)["city"])
    city = (pl.when(pl.col("city").is_null()).then(pl.lit("not recorded"))
            .when(pl.col("city").is_in(top.implode())).then(pl.col("city")).otherwise(pl.lit("other cities")))
    values = people.select(
        "is_in_group", age_band=band, gender=pl.col("gender").fill_null("not recorded"),
        income_band=pl.col("income_band").fill_null("not recorded"), city=city, customer_type="customer_type",
    )
    n_group, n_base = group.height, people.height
    out = {}
    for attribute in ("age_band", "gender", "income_band", "city", "customer_type"):
        cells = values.group_by(attribute).agg(count_group=pl.col("is_in_group").sum(), count_base=pl.len()).rows()
        small = {v for v, g, b in cells if g < 5 or b < 5}
        if len(small) == 1:
            rest = sorted((g, v) for v, g, b in cells if v not in small)
            if rest:
                small.add(rest[0][1])
        for value, g, b in cells:
            hidden = value in small
            out[(attribute, value)] = {
                "is_suppressed": hidden,
                "count_group": None if hidden else g, "count_base": None if hidden else b,
                "group_share": None if hidden else g / n_group, "base_share": None if hidden else b / n_base,
                "share_difference": None if hidden else g / n_group - b / n_base,
                "share_ratio": None if hidden else (g / n_group) / (b / n_base),
                "count_group_total": n_group, "count_base_total": n_base,
            }
    return out
