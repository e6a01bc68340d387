"""Targets and attainment recomputed in plain Polars and Python dates from the raw mart tables (sales, targets,
dealers), never through the SQL: the target for a period, attainment as sums, the run-rate projection."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

import polars as pl

from queries.filters import Filters
from tests.independent.frame import dealer_ids, sales_in


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def whole_business(f: Filters) -> bool:
    return not (f.product_ids or f.customer_types or f.channels)


def prorated_targets(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    """One row per dealer x month of target in the geography: the month's target times the share of its days in
    [start, end] (a Python loop over the rows: nothing shared with the SQL's date arithmetic)."""
    rows = []
    geo = set(dealer_ids(t, f).to_list())
    for r in t["targets"].iter_rows(named=True):
        if r["dealer_id"] not in geo:
            continue
        first, last = r["month"], month_end(r["month"])
        days = (min(last, end) - max(first, start)).days + 1
        if days <= 0:
            continue
        share = days / ((last - first).days + 1)
        rows.append({"dealer_id": r["dealer_id"], "month": first,
                     "units_target": r["units_target"] * share, "revenue_target": r["revenue_target"] * share})
    schema = {"dealer_id": pl.String, "month": pl.Date, "units_target": pl.Float64, "revenue_target": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def dealer_sales(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    """The sales of dealers (HQ direct sales have no target) in the view, with their month."""
    return (sales_in(t, f, start, end).filter(pl.col("dealer_id").is_not_null())
            .with_columns(month=pl.col("sold_on").dt.truncate("1mo")))


def _ratio(a, b):
    return None if not b else a / b


def attainment(t, f: Filters, as_of: date) -> dict:
    """The overview's row: actual against the target for the period, and the run-rate projection."""
    start, end = f.start_on, f.end_on
    running = end >= as_of and end < month_end(end)
    projection_end = month_end(end) if running else end
    sales = dealer_sales(t, f, start, end)
    targets = prorated_targets(t, f, start, end)
    to_projection_end = prorated_targets(t, f, start, projection_end)
    units, revenue = int(sales["quantity"].sum()), float(sales["revenue"].sum())
    last_part_on = max(start, end.replace(day=1))
    last_part = sales.filter(pl.col("sold_on") >= last_part_on)
    elapsed = (end - last_part_on).days + 1
    remaining = (projection_end - end).days
    projected_units = units + int(last_part["quantity"].sum()) / elapsed * remaining
    projected_revenue = revenue + float(last_part["revenue"].sum()) / elapsed * remaining
    whole = whole_business(f)
    out = {
        "projection_end_on": projection_end, "is_projected": running, "days_elapsed": elapsed,
        "days_remaining": remaining, "is_whole_business": whole,
        "units": units, "units_target": float(targets["units_target"].sum()),
        "sales_revenue": revenue, "revenue_target": float(targets["revenue_target"].sum()),
        "projected_units": projected_units, "projected_units_target": float(to_projection_end["units_target"].sum()),
        "projected_sales_revenue": projected_revenue,
        "projected_revenue_target": float(to_projection_end["revenue_target"].sum()),
    }
    for name, actual, target in (("units_attainment", "units", "units_target"),
                                 ("revenue_attainment", "sales_revenue", "revenue_target"),
                                 ("projected_units_attainment", "projected_units", "projected_units_target"),
                                 ("projected_revenue_attainment", "projected_sales_revenue", "projected_revenue_target")):
        out[name] = _ratio(out[actual], out[target]) if whole else None
    return out


def dealers(t, f: Filters) -> pl.DataFrame:
    """Per dealer in the geography: units, revenue, prorated targets and attainment (whole network's dealers for
    the yardsticks are the caller's: pass a Filters without geography)."""
    start, end = f.start_on, f.end_on
    sales = dealer_sales(t, f, start, end).group_by("dealer_id").agg(
        units=pl.col("quantity").sum(), sales_revenue=pl.col("revenue").sum())
    targets = prorated_targets(t, f, start, end).group_by("dealer_id").agg(
        pl.col("units_target").sum(), pl.col("revenue_target").sum())
    out = (t["dealers"].filter(pl.col("dealer_id").is_in(dealer_ids(t, f).implode())).select("dealer_id", "region")
           .join(sales, on="dealer_id", how="left").join(targets, on="dealer_id", how="left").fill_null(0))
    whole = whole_business(f)
    return out.with_columns(
        units_attainment=(pl.col("units") / pl.col("units_target")) if whole else pl.lit(None, pl.Float64),
        revenue_attainment=(pl.col("sales_revenue") / pl.col("revenue_target")) if whole else pl.lit(None, pl.Float64),
    )


def roll_up(per_dealer: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Sums of actuals and targets by `by`, attainment = sum / sum."""
    return per_dealer.group_by(by).agg(
        pl.col("units").sum(), pl.col("units_target").sum(), pl.col("sales_revenue").sum(),
        pl.col("revenue_target").sum(),
    ).with_columns(units_attainment=pl.col("units") / pl.col("units_target"),
                   revenue_attainment=pl.col("sales_revenue") / pl.col("revenue_target"))


def monthly(t, f: Filters) -> pl.DataFrame:
    """Per dealer x month of the period: actuals of the month's days in the period and the prorated target."""
    start, end = f.start_on, f.end_on
    sales = dealer_sales(t, f, start, end).group_by("dealer_id", "month").agg(
        units=pl.col("quantity").sum(), sales_revenue=pl.col("revenue").sum())
    targets = prorated_targets(t, f, start, end)
    geo = t["dealers"].filter(pl.col("dealer_id").is_in(dealer_ids(t, f).implode())).select("dealer_id", "region")
    return (targets.join(sales, on=["dealer_id", "month"], how="full", coalesce=True).fill_null(0)
            .join(geo, on="dealer_id", how="inner"))


def months_of(start: date, end: date) -> list[date]:
    out, m = [], start.replace(day=1)
    while m <= end:
        out.append(m)
        m = month_end(m) + timedelta(days=1)
    return out
