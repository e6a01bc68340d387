"""The numerators and denominators of the "why did it move" KPIs by group, recomputed in plain Polars from the raw
rows (sales, leads, complaints with their SLA, surveys, dealers, customers, products), without the SQL: a fact is
placed by the dealer that served it (its region and name from dealers), its product, and its customer's type and
acquisition channel (a lead: its source channel). Scope as tests/independent/frame.py applies it."""
from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from queries.filters import Filters
from tests.independent import frame

KEY = {"region": "region", "dealer": "dealer_id", "product": "product_id", "channel": "channel",
       "customer_type": "customer_type"}


def _placed(facts: pl.DataFrame, t, with_customer: bool = True) -> pl.DataFrame:
    out = facts.join(t["dealers"].select("dealer_id", "region", "dealer_name"), on="dealer_id", how="left")
    if with_customer:
        out = out.join(t["customers"].select("customer_id", "customer_type", pl.col("acquisition_channel").alias("channel")),
                       on="customer_id", how="left")
    return out


def parts(t, f: Filters, dimension: str) -> dict[tuple[str, str | None], tuple[float, float | None]]:
    """{(kpi, group key or None): (numerator, denominator)} for the period of `f`, groups with anything in them."""
    key = KEY[dimension]
    start, end = f.start_on, f.end_on
    end_boundary = datetime.combine(end + timedelta(days=1), datetime.min.time())
    sales = _placed(frame.sales_in(t, f, start, end), t).group_by(key).agg(
        units=pl.col("quantity").sum().cast(pl.Float64), revenue=pl.col("revenue").sum(),
        margin=(pl.col("revenue") - pl.col("cost")).sum(),
        revenue_with_cost=pl.col("revenue").filter(pl.col("cost").is_not_null()).sum())

    leads = t["leads"].filter(pl.col("created_at").dt.date().is_between(start, end))
    if f.channels:
        leads = leads.filter(pl.col("source_channel").is_in(list(f.channels)))
    leads = _placed(frame._geo(leads, t, f), t, with_customer=False).rename({"source_channel": "channel"})
    leads = leads.with_columns(product_id=pl.lit(None, pl.String), customer_type=pl.lit(None, pl.String))
    leads = leads.group_by(key).agg(won=(pl.col("outcome") == "won").sum().cast(pl.Float64),
                                    closed=pl.col("outcome").is_in(["won", "lost"]).sum().cast(pl.Float64))

    # a complaint's own `channel` is how it came in (hotline, app...), not the customer's acquisition channel
    k = _placed(frame.complaints_in(t, f, start, end).drop("channel"), t)
    met = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= pl.col("due_at")) & (pl.col("resolved_at") < end_boundary)
    due = pl.col("due_at") < end_boundary
    k = k.group_by(key).agg(complaints=pl.len().cast(pl.Float64), known=(met | due).sum().cast(pl.Float64),
                            met=met.sum().cast(pl.Float64))

    r = frame.surveys_in(t, f, start, end).filter(pl.col("survey_type").is_in(["sales", "service"]) & pl.col("score").is_not_null())
    r = _placed(r, t).with_columns(product_id=pl.lit(None, pl.String))
    r = r.group_by(key).agg(responses=pl.len().cast(pl.Float64),
                            net=((pl.col("score") >= 9).sum().cast(pl.Float64) - (pl.col("score") <= 6).sum().cast(pl.Float64)))

    out: dict[tuple[str, str | None], tuple[float, float | None]] = {}

    def add(kpi: str, rows: pl.DataFrame, numerator: str, denominator: str | None, scale: float = 1.0):
        for row in rows.iter_rows(named=True):
            n, d = scale * (row[numerator] or 0.0), (row[denominator] or 0.0) if denominator else None
            if n or d:
                got = out.get((kpi, row[key]), (0.0, 0.0 if denominator else None))
                out[(kpi, row[key])] = (got[0] + n, (got[1] + d) if denominator else None)

    add("units", sales, "units", None)
    add("sales_revenue", sales, "revenue", None)
    add("average_price", sales, "revenue", "units")
    add("gross_margin_pct", sales, "margin", "revenue_with_cost")
    add("lead_conversion", leads, "won", "closed")
    add("complaints_received", k, "complaints", None)
    add("sla_compliance", k, "met", "known")
    add("nps", r, "net", "responses", 100.0)
    # complaints per 100 units: complaints over the same group's units (either may be missing in a group)
    both = k.join(sales.select(key, "units"), on=key, how="full", coalesce=True, nulls_equal=True)
    add("complaints_per_100_units", both, "complaints", "units", 100.0)
    return out
