"""The rollups built with the mart are plain functions of its tables: recomputed here in Polars."""
from __future__ import annotations

import polars as pl

from tests.independent.frame import read_tables


def test_customer_profiles_match_the_raw_tables(s_mart, s_con):
    t = read_tables(s_mart)
    got = s_con.sql("select * from customer_profiles order by customer_id").pl()
    assert got["customer_id"].to_list() == t["customers"].sort("customer_id")["customer_id"].to_list()
    tx = pl.concat([
        t["sales"].select("customer_id", pl.col("sold_on").alias("on")),
        t["service_visits"].select("customer_id", pl.col("visited_on").alias("on")),
    ])
    activity = tx.group_by("customer_id").agg(first=pl.col("on").min(), last=pl.col("on").max(), n=pl.len())
    owned = t["sales"].group_by("customer_id").agg(pl.col("product_id").unique().sort())
    want = (
        t["customers"].select("customer_id").join(activity, on="customer_id", how="left")
        .join(owned, on="customer_id", how="left").sort("customer_id")
    )
    assert got["first_transacted_on"].to_list() == want["first"].to_list()
    assert got["last_transacted_on"].to_list() == want["last"].to_list()
    assert got["count_transactions"].to_list() == want["n"].fill_null(0).to_list()
    assert got["product_ids"].to_list() == want["product_id"].to_list()
    assert got["count_transactions"].sum() == t["sales"].height + t["service_visits"].height


def test_sale_followups_hold_the_first_service_visit_after_each_sale(s_mart, s_con):
    t = read_tables(s_mart)
    got = s_con.sql("select * from sale_followups order by sale_id").pl()
    pairs = (
        t["sales"].select("sale_id", "customer_id", "sold_on")
        .join(t["service_visits"].select("customer_id", "visited_on"), on="customer_id", how="left")
        .filter(pl.col("visited_on") > pl.col("sold_on"))
        .group_by("sale_id").agg(pl.col("visited_on").min())
    )
    want = t["sales"].select("sale_id").join(pairs, on="sale_id", how="left").sort("sale_id")
    assert got.height == t["sales"].height
    assert got["first_service_after_on"].to_list() == want["visited_on"].to_list()
    assert got["first_service_after_on"].null_count() < got.height  # most buyers come back for service


def test_followup_calls_in_context_place_each_call_by_the_dealer_that_called(s_mart, s_con):
    t = read_tables(s_mart)
    got = s_con.sql("select call_id, region, dealer_name, customer_type from followup_calls_in_context").pl()
    want = (
        t["followup_calls"].select("call_id", "dealer_id", "customer_id")
        .join(t["dealers"].select("dealer_id", "region", "dealer_name"), on="dealer_id", how="left")
        .join(t["customers"].select("customer_id", pl.col("customer_type").cast(pl.String)), on="customer_id")
        .select("call_id", "region", "dealer_name", "customer_type")
    )
    assert got.height == t["followup_calls"].height > 0
    assert got.with_columns(pl.col("customer_type").cast(pl.String)).sort("call_id").equals(want.sort("call_id"))


def test_the_scope_of_calls_and_targets_is_the_dealers_region(s_mart):
    """scoped_followup_calls and scoped_targets under a region: the calls made in the period by that region's
    dealers, and the targets of the months the period touches."""
    from datetime import date

    from queries import runner
    from queries.access import SYSTEM, bound_params
    from queries.filters import Filters

    t = read_tables(s_mart)
    region = t["dealers"]["region"].sort()[0]
    f = Filters(start_on=date(2026, 1, 15), end_on=date(2026, 6, 30), region=region)
    params = {k: v for k, v in bound_params(f, SYSTEM).items() if k != "reach"}
    mart = runner.connect(s_mart)
    con = mart.checkout()   # a cursor with the shared macros
    try:
        calls = con.execute("select count(*) from scoped_followup_calls($start_on, $end_on, $scope)", params).fetchone()[0]
        targets = con.execute("select count(*), sum(units_target)::bigint from scoped_targets($start_on, $end_on, $scope)",
                              params).fetchone()
    finally:
        mart.checkin(con)
        mart.close()
    dealers = t["dealers"].filter(pl.col("region") == region)["dealer_id"].implode()
    want_calls = t["followup_calls"].filter(
        pl.col("dealer_id").is_in(dealers) & pl.col("called_at").dt.date().is_between(f.start_on, f.end_on)).height
    in_months = t["targets"].filter(pl.col("dealer_id").is_in(dealers)
                                    & pl.col("month").is_between(date(2026, 1, 1), date(2026, 6, 1)))
    assert calls == want_calls > 0
    assert targets == (in_months.height, in_months["units_target"].sum()) and in_months.height > 0


def test_sale_touches_hold_each_sales_campaign_touches_of_the_year_before(s_mart, s_con):
    """campaign_touches and sale_touches against the touches recomputed from the contacts and leads
    (tests/independent/campaigns.py): every touch within 365 days up to and including the sale day, none other."""
    from tests.independent.campaigns import touches

    t = read_tables(s_mart)
    keys = s_con.sql("select customer_id, customer_key from customer_profiles").pl()
    all_touches = touches(t)
    got_touches = s_con.sql("select customer_key, campaign_id, touched_on from campaign_touches").pl()
    want_touches = all_touches.join(keys, on="customer_id").select("customer_key", "campaign_id", "touched_on")
    assert got_touches.height == all_touches.height > 0
    assert got_touches.sort(pl.all()).equals(want_touches.sort(pl.all()))

    got = s_con.sql("select sale_id, campaign_id, touched_on, days_before from sale_touches").pl()
    want = (
        t["sales"].select("sale_id", "customer_id", "sold_on").join(all_touches, on="customer_id")
        .with_columns(days_before=(pl.col("sold_on") - pl.col("touched_on")).dt.total_days().cast(pl.Int32))
        .filter(pl.col("days_before").is_between(0, 365))
        .select("sale_id", "campaign_id", "touched_on", "days_before")
    )
    assert want["days_before"].max() > 300 and (want["days_before"] == 0).any()  # both ends are exercised
    assert got.height == want.height
    assert got.sort(pl.all()).equals(want.sort(pl.all()))
