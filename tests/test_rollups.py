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
