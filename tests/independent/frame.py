"""Overview KPIs and the dealer scorecard, recomputed in plain Polars from the raw mart tables."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from queries.filters import Filters

TABLES = ["dealers", "products", "customers", "sales", "service_visits", "leads", "campaigns",
          "campaign_contacts", "complaints", "surveys", "complaint_sla", "followup_calls", "targets"]


def read_tables(db_path) -> dict[str, pl.DataFrame]:
    """Every table as Polars, money as float and enums as strings: the raw rows, nothing derived."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        out = {}
        for table in TABLES:
            frame = con.sql(f"select * from {table}").pl()
            frame = frame.with_columns(
                [pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]
                + [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if isinstance(t, (pl.Categorical, pl.Enum))]
            )
            out[table] = frame
        return out
    finally:
        con.close()


def months_before(day: date, months: int) -> date:
    """day minus whole months, clamped to the month's last day (as SQL interval arithmetic does)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m, d)
        except ValueError:
            continue
    raise AssertionError


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)


def customers_in(t, f: Filters, with_product: bool, with_geo: bool) -> pl.DataFrame:
    c = t["customers"]
    if f.customer_types:
        c = c.filter(pl.col("customer_type").is_in(list(f.customer_types)))
    if f.channels:
        c = c.filter(pl.col("acquisition_channel").is_in(list(f.channels)))
    if with_product and f.product_ids:
        owners = t["sales"].filter(pl.col("product_id").is_in(list(f.product_ids)))["customer_id"].unique()
        c = c.filter(pl.col("customer_id").is_in(owners.implode()))
    if with_geo and _has_geo(f):
        c = c.filter(pl.col("home_dealer_id").is_in(dealer_ids(t, f).implode()))
    return c


def dealer_ids(t, f: Filters) -> pl.Series:
    d = t["dealers"]
    if f.region:
        d = d.filter(pl.col("region") == f.region)
    if f.province:
        d = d.filter(pl.col("province") == f.province)
    if f.dealer_id is not None:
        d = d.filter(pl.col("dealer_id") == f.dealer_id)
    return d["dealer_id"]


def _has_geo(f: Filters) -> bool:
    return bool(f.region or f.province or f.dealer_id is not None)


def _geo(frame: pl.DataFrame, t, f: Filters) -> pl.DataFrame:
    return frame.filter(pl.col("dealer_id").is_in(dealer_ids(t, f).implode())) if _has_geo(f) else frame


def sales_in(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    s = t["sales"].filter(pl.col("sold_on").is_between(start, end))
    s = s.filter(pl.col("customer_id").is_in(customers_in(t, f, False, False)["customer_id"].implode()))
    if f.product_ids:
        s = s.filter(pl.col("product_id").is_in(list(f.product_ids)))
    return _geo(s, t, f)


def visits_in(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    v = t["service_visits"].filter(pl.col("visited_on").is_between(start, end))
    v = v.filter(pl.col("customer_id").is_in(customers_in(t, f, True, False)["customer_id"].implode()))
    return _geo(v, t, f)


def surveys_in(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    r = t["surveys"].filter(pl.col("surveyed_on").is_between(start, end))
    r = r.filter(pl.col("customer_id").is_in(customers_in(t, f, True, False)["customer_id"].implode()))
    return _geo(r, t, f)


def complaints_in(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    k = t["complaints"].filter(pl.col("received_at").dt.date().is_between(start, end))
    k = k.filter(pl.col("customer_id").is_in(customers_in(t, f, False, False)["customer_id"].implode()))
    if f.product_ids:
        k = k.filter(pl.col("product_id").is_in(list(f.product_ids)))
    k = _geo(k, t, f)
    return k.join(t["complaint_sla"], on="severity").with_columns(
        due_at=pl.col("received_at") + pl.duration(hours=pl.col("resolve_within_hours"))
    )


def nps(scores: pl.Series) -> float | None:
    scores = scores.drop_nulls()
    if scores.len() == 0:
        return None
    return 100.0 * (int((scores >= 9).sum()) - int((scores <= 6).sum())) / scores.len()


def kpis(t, f: Filters) -> dict:
    start, end = f.start_on, f.end_on
    end_boundary = datetime.combine(end + timedelta(days=1), datetime.min.time())
    s = sales_in(t, f, start, end)
    with_cost = s.filter(pl.col("cost").is_not_null())
    out = {
        "units": int(s["quantity"].sum()),
        "sales_revenue": float(s["revenue"].sum()),
        "gross_margin": float((with_cost["revenue"] - with_cost["cost"]).sum()),
        "service_revenue": float(visits_in(t, f, start, end)["revenue"].sum()),
    }
    scope = customers_in(t, f, True, True)["customer_id"]
    transactions = pl.concat([
        t["sales"].select("customer_id", pl.col("sold_on").alias("on")),
        t["service_visits"].select("customer_id", pl.col("visited_on").alias("on")),
    ])
    first = transactions.group_by("customer_id").agg(pl.col("on").min())
    out["new_customers"] = first.filter(
        pl.col("on").is_between(start, end) & pl.col("customer_id").is_in(scope.implode())
    ).height
    year_ago = months_before(end, 12)
    out["active_customers"] = transactions.filter(
        (pl.col("on") > year_ago) & (pl.col("on") <= end) & pl.col("customer_id").is_in(scope.implode())
    )["customer_id"].n_unique()

    cohort = (
        sales_in(t, f, months_before(end, 24), months_before(end, 12))
        .group_by("customer_id").agg(pl.col("sold_on").min())
    )
    limits = cohort.with_columns(
        limit=pl.col("sold_on").map_elements(lambda d: months_after(d, 12), return_dtype=pl.Date)
    )
    retained = (
        limits.join(t["service_visits"].select("customer_id", "visited_on"), on="customer_id")
        .filter((pl.col("visited_on") > pl.col("sold_on")) & (pl.col("visited_on") <= pl.col("limit")))
        ["customer_id"].n_unique()
    )
    out["count_retention_cohort"] = cohort.height
    out["service_retention"] = retained / cohort.height if cohort.height else None

    r = surveys_in(t, f, start, end).filter(pl.col("survey_type").is_in(["sales", "service"]))
    out["nps"] = nps(r["score"])
    out["count_nps_responses"] = r.height

    k = complaints_in(t, f, date(1900, 1, 1), end)
    out["complaint_backlog"] = k.filter(pl.col("closed_at").is_null() | (pl.col("closed_at") >= end_boundary)).height
    k = k.filter(pl.col("received_at") >= datetime.combine(start, datetime.min.time()))
    met = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= pl.col("due_at")) & (pl.col("resolved_at") < end_boundary)
    due = pl.col("due_at") < end_boundary
    known = k.filter(met | due)
    out["count_sla_complaints"] = known.height
    out["sla_compliance"] = known.filter(met).height / known.height if known.height else None
    return out


def scorecard(t, f: Filters) -> pl.DataFrame:
    """Per dealer in the geography: units, revenue, NPS, complaints per 100 customers, SLA, lead conversion."""
    everywhere = Filters(f.start_on, f.end_on, product_ids=f.product_ids, customer_types=f.customer_types, channels=f.channels)
    start, end = f.start_on, f.end_on
    end_boundary = datetime.combine(end + timedelta(days=1), datetime.min.time())
    s = sales_in(t, everywhere, start, end).group_by("dealer_id").agg(
        units=pl.col("quantity").sum(), sales_revenue=pl.col("revenue").sum()
    )
    r = surveys_in(t, everywhere, start, end).filter(pl.col("survey_type").is_in(["sales", "service"]))
    r = r.group_by("dealer_id").agg(
        nps=pl.col("score").map_batches(lambda x: pl.Series([nps(x)]), returns_scalar=True, return_dtype=pl.Float64),
        count_nps_responses=pl.len(),
    )
    base = (
        customers_in(t, everywhere, True, False).filter(pl.col("created_on") <= end)
        .group_by(pl.col("home_dealer_id").alias("dealer_id")).agg(count_customers=pl.len())
    )
    k = complaints_in(t, everywhere, start, end)
    met = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= pl.col("due_at")) & (pl.col("resolved_at") < end_boundary)
    due = pl.col("due_at") < end_boundary
    k = k.group_by("dealer_id").agg(
        count_complaints=pl.len(),
        count_sla_complaints=(met | due).sum(),
        count_sla_met=met.sum(),
    )
    leads = t["leads"].filter(pl.col("created_at").dt.date().is_between(start, end))
    if f.channels:
        leads = leads.filter(pl.col("source_channel").is_in(list(f.channels)))
    leads = leads.group_by("dealer_id").agg(
        count_leads_closed=pl.col("outcome").is_in(["won", "lost"]).sum(),
        count_leads_won=(pl.col("outcome") == "won").sum(),
    )
    out = t["dealers"].filter(pl.col("dealer_id").is_in(dealer_ids(t, f).implode())).select("dealer_id", "region")
    for part in (s, r, base, k, leads):
        out = out.join(part, on="dealer_id", how="left")
    return out.with_columns(
        complaints_per_100_customers=100 * pl.col("count_complaints").fill_null(0) / pl.col("count_customers"),
        sla_compliance=pl.col("count_sla_met") / pl.col("count_sla_complaints"),
        lead_conversion=pl.col("count_leads_won") / pl.col("count_leads_closed"),
    )
