"""The after-sales page's numbers recomputed in plain Polars from the raw mart rows (service_visits, sales, dealers,
customers, products), written from the page's stated rules, without the SQL:
- a visit with a vehicle (product_id) is narrowed by that vehicle under the product filter; one without, by its
  customer's owned products; geography by the dealer that serviced (sold, for sales);
- vehicles in service: units sold in the 5 years up to the period's end;
- warranty claims per 100 vehicles a year in a months-in-service band: 100 x claims at that age / vehicle-years spent
  at that age in the period, the vehicle's age from the customer's latest purchase of the model on or before the claim;
- maintenance due: 6 months or 10,000 km after the last maintenance visit, whichever first, km from the km per day
  so far; listed when due within 30 days or overdue by up to 12 months, placed by the last maintenance visit's dealer.
"""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from queries.filters import Filters
from tests.independent import frame

EVER = date(1900, 1, 1)
TYPES = ["maintenance", "repair", "warranty", "accident"]
BANDS = [("0-6", 0, 6), ("6-12", 6, 12), ("12-24", 12, 24), ("24-36", 24, 36), ("36+", 36, None)]
IN_SERVICE_YEARS = 5


def everywhere(f: Filters) -> Filters:
    return replace(f, region=None, province=None, dealer_id=None)


def visits(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    """Service visits in the dates and scope, with this page's product rule."""
    v = t["service_visits"].filter(pl.col("visited_on").is_between(start, end))
    v = v.filter(pl.col("customer_id").is_in(frame.customers_in(t, f, True, False)["customer_id"].implode()))
    if f.product_ids:
        v = v.filter(pl.col("product_id").is_null() | pl.col("product_id").is_in(list(f.product_ids)))
    if f.region or f.province or f.dealer_id is not None:
        v = v.filter(pl.col("dealer_id").is_in(frame.dealer_ids(t, f).implode()))
    return v


def sales(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    return frame.sales_in(t, f, start, end)


def in_service_start(end: date) -> date:
    return date(end.year - IN_SERVICE_YEARS, end.month, end.day) + timedelta(days=1) if not (end.month == 2 and end.day == 29) \
        else date(end.year - IN_SERVICE_YEARS, 2, 28) + timedelta(days=1)


def service_mix(t, f: Filters) -> dict[tuple[date, str], tuple[int, float]]:
    v = visits(t, f, f.start_on, f.end_on).with_columns(month=pl.col("visited_on").dt.truncate("1mo"))
    got = {(r["month"], r["service_type"]): (r["n"], r["revenue"])
           for r in v.group_by("month", "service_type").agg(n=pl.len(), revenue=pl.col("revenue").sum()).iter_rows(named=True)}
    out = {}
    month = f.start_on.replace(day=1)
    while month <= f.end_on:
        for kind in TYPES:
            out[(month, kind)] = got.get((month, kind), (0, 0.0))
        month = frame.months_after(month, 1)
    return out


def per_vehicle(t, f: Filters) -> dict:
    v = visits(t, f, f.start_on, f.end_on)
    revenue = float(v["revenue"].sum())
    serviced = v.select("customer_id", "product_id").unique().height
    fleet = int(sales(t, f, in_service_start(f.end_on), f.end_on)["quantity"].sum())
    return {
        "service_revenue": revenue, "count_visits": v.height, "count_vehicles_serviced": serviced,
        "count_vehicles_in_service": fleet,
        "revenue_per_vehicle_serviced": revenue / serviced if serviced else None,
        "revenue_per_vehicle_in_service": revenue / fleet if fleet else None,
    }


def retention_by_dealer(t, f: Filters) -> pl.DataFrame:
    """Per dealer of the whole reach: the first purchase in the 12-24 months before the end at a dealer, and whether
    a service visit (anywhere) followed within 12 months."""
    end = f.end_on
    s = sales(t, everywhere(f), frame.months_before(end, 24), frame.months_before(end, 12)).filter(pl.col("dealer_id").is_not_null())
    first = s.sort("sold_on", "sale_id").group_by("customer_id").agg(pl.col("sold_on").first(), pl.col("dealer_id").first())
    first = first.with_columns(limit=pl.col("sold_on").map_elements(lambda d: frame.months_after(d, 12), return_dtype=pl.Date))
    later = first.join(t["service_visits"].select("customer_id", "visited_on"), on="customer_id")
    retained = later.filter((pl.col("visited_on") > pl.col("sold_on")) & (pl.col("visited_on") <= pl.col("limit")))["customer_id"].unique()
    per = (first.with_columns(kept=pl.col("customer_id").is_in(retained.implode()))
           .group_by("dealer_id").agg(count_retention_cohort=pl.len(), count_retained=pl.col("kept").sum()))
    dealers = t["dealers"].select("dealer_id", "region")
    return dealers.join(per, on="dealer_id", how="left").fill_null(0).with_columns(
        service_retention=pl.when(pl.col("count_retention_cohort") > 0)
        .then(pl.col("count_retained") / pl.col("count_retention_cohort")))


def _vehicle_sold_on(claims: pl.DataFrame, sold: pl.DataFrame) -> pl.DataFrame:
    """Each visit with the customer's latest purchase of its model on or before it (among `sold`)."""
    pairs = claims.join(sold.select("customer_id", "product_id", "sold_on").unique(), on=["customer_id", "product_id"])
    return (pairs.filter(pl.col("sold_on") <= pl.col("visited_on"))
            .group_by("visit_id").agg(pl.col("sold_on").max())
            .join(claims, on="visit_id"))


def _months(expr: pl.Expr, k: int) -> pl.Expr:
    return expr.dt.offset_by(f"{k}mo")


def claims_by_age(t, f: Filters) -> pl.DataFrame:
    """One row per model x band: count_claims, vehicle_years, claims_per_100_vehicle_years, warranty_cost."""
    start, end = f.start_on, f.end_on
    sold = sales(t, f, EVER, end).group_by("customer_id", "product_id", "sold_on").agg(pl.col("quantity").sum())
    w = visits(t, f, start, end).filter((pl.col("service_type") == "warranty") & pl.col("product_id").is_not_null())
    w = _vehicle_sold_on(w, sold)
    rows = []
    for order, (band, lo, hi) in enumerate(BANDS, start=1):
        band_start = _months(pl.col("sold_on"), lo)
        band_end = _months(pl.col("sold_on"), hi) if hi is not None else pl.lit(end + timedelta(days=1))
        exposure = sold.with_columns(
            days=(pl.min_horizontal(band_end, pl.lit(end + timedelta(days=1)))
                  - pl.max_horizontal(band_start, pl.lit(start))).dt.total_days().clip(lower_bound=0)
        ).group_by("product_id").agg(vehicle_years=(pl.col("quantity") * pl.col("days")).sum() / 365.25)
        in_band = w.filter((pl.col("visited_on") >= band_start) & ((pl.col("visited_on") < band_end) if hi is not None else pl.lit(True)))
        claims = in_band.group_by("product_id").agg(count_claims=pl.len(), warranty_cost=pl.col("warranty_cost").sum())
        rows.append(exposure.join(claims, on="product_id", how="full", coalesce=True)
                    .with_columns(band_order=pl.lit(order), age_band=pl.lit(band)))
    out = pl.concat(rows).with_columns(pl.col("count_claims").fill_null(0), pl.col("warranty_cost").fill_null(0.0),
                                       pl.col("vehicle_years").fill_null(0.0))
    out = out.filter((pl.col("vehicle_years") > 0) | (pl.col("count_claims") > 0))
    return out.with_columns(claims_per_100_vehicle_years=pl.when(pl.col("vehicle_years") > 0)
                            .then(100 * pl.col("count_claims") / pl.col("vehicle_years"))).sort("product_id", "band_order")


def cost_by_model(t, f: Filters) -> pl.DataFrame:
    w = visits(t, f, f.start_on, f.end_on).filter((pl.col("service_type") == "warranty") & pl.col("product_id").is_not_null())
    if f.product_ids:
        w = w.filter(pl.col("product_id").is_in(list(f.product_ids)))
    claims = w.group_by("product_id").agg(count_claims=pl.len(), warranty_cost=pl.col("warranty_cost").sum())
    fleet = sales(t, f, in_service_start(f.end_on), f.end_on).group_by("product_id").agg(count_vehicles_in_service=pl.col("quantity").sum())
    return claims.join(fleet, on="product_id", how="full", coalesce=True).fill_null(0)


def maintenance_due(t, f: Filters, reach: Filters | None = None) -> pl.DataFrame:
    """The vehicles listed as due or overdue at the period's end, with due_on and days_overdue. `reach`: what the
    person may see (the whole network by default), where a vehicle's last maintenance visit and its sale are found."""
    end = f.end_on
    reach = everywhere(f) if reach is None else reach
    m = visits(t, reach, EVER, end).filter((pl.col("service_type") == "maintenance") & pl.col("product_id").is_not_null())
    if f.product_ids:
        m = m.filter(pl.col("product_id").is_in(list(f.product_ids)))
    last = m.sort("visited_on", "visit_id").group_by("customer_id", "product_id").agg(
        last_maintenance_on=pl.col("visited_on").last(), mileage_km=pl.col("mileage_km").last(),
        dealer_id=pl.col("dealer_id").last(), visit_id=pl.col("visit_id").last())
    if f.region or f.province or f.dealer_id is not None:
        last = last.filter(pl.col("dealer_id").is_in(frame.dealer_ids(t, f).implode()))
    sold = sales(t, reach, EVER, end).select("customer_id", "product_id", "sold_on").unique()
    bought = (last.join(sold, on=["customer_id", "product_id"]).filter(pl.col("sold_on") <= pl.col("last_maintenance_on"))
              .group_by("customer_id", "product_id").agg(pl.col("sold_on").max()))
    last = last.join(bought, on=["customer_id", "product_id"], how="left")
    rows = []
    for r in last.iter_rows(named=True):
        by_time = frame.months_after(r["last_maintenance_on"], 6)
        due = by_time
        if r["sold_on"] is not None and r["mileage_km"] is not None:
            km_day = r["mileage_km"] / max((r["last_maintenance_on"] - r["sold_on"]).days, 1)
            if km_day > 0:
                due = min(by_time, r["last_maintenance_on"] + timedelta(days=math.ceil(10_000 / km_day)))
        overdue = (end - due).days
        if due <= end + timedelta(days=30) and due > frame.months_before(end, 12):
            rows.append({"customer_id": r["customer_id"], "product_id": r["product_id"], "due_on": due,
                         "days_overdue": overdue, "dealer_id": r["dealer_id"]})
    schema = {"customer_id": pl.String, "product_id": pl.String, "due_on": pl.Date, "days_overdue": pl.Int64, "dealer_id": pl.String}
    return pl.DataFrame(rows, schema=schema).sort(["days_overdue", "customer_id", "product_id"], descending=[True, False, False])
