"""The segments page under AppTest on the s mart: every tab renders under filters and shows the numbers an
independent Polars computation gives; lists drill down to Customer 360; a mart of customers and sales only works."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import clv
from dashboard.metrics import format_metric
from queries import runner
from queries.filters import Filters
from tests.independent import segments as independent

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "views/customer_segments.py"


@pytest.fixture(scope="module")
def year(as_of) -> Filters:
    return Filters(start_on=independent.year_before(as_of), end_on=as_of)


def segments_page(tab: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    if tab:
        at.session_state["segments_tab"] = tab
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r} among {[m.label for m in at.metric]}")


def frame_with(at: AppTest, column: str):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


def test_rfm_tab_shows_the_periods_segments_and_a_region_rescores_them(app_env, tables, year):
    at = segments_page()
    scored = independent.rfm(tables, year)
    champions = independent.by_group(scored, "segment").filter(pl.col("segment") == "champions").row(0, named=True)
    assert metric(at, "Customers scored") == f"{scored.height:,}"
    assert metric(at, "Champions: share of customers") == format_metric("customer_share", champions["customer_share"])
    assert metric(at, "Champions: share of revenue") == format_metric("revenue_share", champions["revenue_share"])
    assert metric(at, "Champions: average value") == format_metric(
        "avg_customer_revenue", champions["revenue_cents"] / 100 / champions["count_customers"])
    table = frame_with(at, "meaning")
    assert dict(zip(table["segment"], table["count_customers"])) == {
        s: int(scored.filter(pl.col("segment") == s).height) for s in table["segment"]}
    # The campaign list starts on champions: its size is the whole segment, its table a page of it.
    assert any(f"**Customer list: champions**: {champions['count_customers']:,} customers" in m.value for m in at.markdown)
    assert len(frame_with(at, "rfm_code")) == min(100, champions["count_customers"])

    region = tables["dealers"].sort("dealer_id")["region"][0]
    at.selectbox(key="region").select(region).run()
    assert not at.exception
    assert metric(at, "Customers scored") == f"{independent.rfm(tables, replace(year, region=region)).height:,}"


def test_a_segment_and_tier_list_holds_exactly_that_group(app_env, tables, year):
    at = segments_page()
    at.selectbox(key="list_segment").select("loyal").run()
    at.selectbox(key="list_tier").select("B").run()
    assert not at.exception
    scored = independent.rfm(tables, year)
    want = scored.filter((pl.col("segment") == "loyal") & (pl.col("tier") == "B"))
    assert any(f"**Customer list: loyal and tier B**: {want.height:,} customers" in m.value for m in at.markdown)
    shown = frame_with(at, "rfm_code")
    assert set(shown["customer_id"]) <= set(want["customer_id"]) and len(shown) == min(100, want.height)


def test_picking_a_customer_in_a_list_opens_their_360(app_env, tables, year):
    # Under a filter: passing the bound filters to switch_page again used to fail ("bound to a widget").
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at = segments_page(query={"region": region})
    first = at.selectbox(key="open_segment_list").options[0]
    at.selectbox(key="open_segment_list").select(first).run()
    assert not at.exception
    assert at.text_input(key="customer_id").value == first
    assert any(s.value.startswith(f"Customer {first} ") for s in at.subheader)
    assert at.selectbox(key="region").value == region


def test_value_tiers_tab_shows_the_80_20_head(app_env, tables, year):
    at = segments_page("Value tiers")
    scored = independent.rfm(tables, year)
    a = scored.filter(pl.col("tier") == "A")
    assert metric(at, "Customers making 80% of revenue") == format_metric("tier_a_customer_share", a.height / scored.height)
    assert metric(at, "Tier A customers") == f"{a.height:,}"
    assert any(f"**Customer list: tier A**: {a.height:,} customers" in m.value for m in at.markdown)


def test_cohorts_tab_by_quarter_under_a_segment_filter(app_env, tables, year):
    at = segments_page("Cohorts", {"segment": "individual", "cohort_grain": "quarter"})
    f = replace(year, customer_types=("individual",))
    shown = frame_with(at, "periods_since")
    want = independent.cohorts(tables, f, "quarter")
    assert int(shown["count_active"].sum()) == want["count_active"].sum()
    assert shown["cohort_on"].nunique() == want["cohort_on"].n_unique() > 2


def test_churn_tab_counts_active_at_risk_and_lapsed(app_env, tables, year):
    at = segments_page("Churn risk")
    status = independent.history(tables, year)["status"].value_counts()
    counts = dict(zip(status["status"], status["count"]))
    assert metric(at, "Active customers") == f"{counts['active']:,}"
    assert metric(at, "At risk customers") == f"{counts['at risk']:,}"
    assert metric(at, "Lapsed customers") == f"{counts['lapsed']:,}"
    drivers = frame_with(at, "lapse_rate_low")
    assert len(drivers) == 6 and (drivers["lapse_rate_low"] <= drivers["lapse_rate"]).all()


def test_migration_tab_accounts_for_every_customer_of_both_periods(app_env, tables, year):
    at = segments_page("Migration")
    c = year.comparison()
    before = independent.rfm(tables, year, c.start_on, c.end_on)["customer_id"]
    after = independent.rfm(tables, year)["customer_id"]
    moves = frame_with(at, "from_segment")
    assert int(moves["count_customers"].sum()) == pl.concat([before, after]).n_unique()
    assert len(at.get("plotly_chart")) == 2


def test_lifetime_value_tab_shows_the_fit_and_the_holdout_check(app_env, tables, year, s_mart):
    at = segments_page("Lifetime value")
    cut = independent.year_before(year.end_on)
    inputs = independent.clv_inputs(tables, year, cut)
    assert metric(at, "Customers valued") == f"{inputs.height:,}"
    m = runner.connect(s_mart)
    try:
        value = clv.customer_value(runner.run(m, "clv_customers", year, calibration_end_on=cut), year.end_on, cut)
    finally:
        m.close()
    summary = value.summary()
    assert metric(at, "Holdout error") == format_metric("holdout_error", summary["holdout_error"])
    assert metric(at, "Expected 12-month value, all customers") == format_metric("clv_total", summary["clv_total"])
    params = frame_with(at, "parameter")
    # Two maximisations of the same likelihood agree to the optimiser's tolerance, not to the last bit (a full
    # parallel run once gave 0.94648 against 0.94674).
    assert params.loc[params["parameter"] == "r", "value"].iloc[0] == pytest.approx(value.bgnbd.r, rel=1e-3)
    holdout = frame_with(at, "predicted_mean")
    assert int(holdout["actual_total"].sum()) == int(inputs.filter(pl.col("days_observed_calibration").is_not_null())["count_holdout"].sum())


@pytest.fixture(scope="module")
def sales_only_mart(s_mart, tmp_path_factory) -> Path:
    """A mart loaded from exports of customers and sales only (with their dealers and products)."""
    from mart.load import load

    src = tmp_path_factory.mktemp("segments_sales_only")
    with duckdb.connect(str(s_mart), read_only=True) as con:
        for name in ("dealers", "products", "customers", "sales"):
            con.execute(f"copy (select * from {name}) to '{src / name}.parquet' (format parquet)")
    db = src / "mart.duckdb"
    load(src, db)
    return db


def test_a_mart_of_customers_and_sales_only_still_segments_them(sales_only_mart, monkeypatch):
    monkeypatch.setenv("CRM_MART", str(sales_only_mart))
    monkeypatch.setenv("CRM_NO_AUTH", "1")   # a loaded mart is served without sign-in only when told so
    at = segments_page("Churn risk")
    drivers = frame_with(at, "customer_group")
    assert set(drivers["customer_group"]) == {"no complaint", "no survey"}
    at = segments_page("Lifetime value")
    assert metric(at, "Customers valued") != "0" and not at.error


@pytest.mark.parametrize("tab", ["RFM segments", "Value tiers", "Cohorts", "Churn risk", "Migration", "Lifetime value"])
def test_a_slice_without_customers_says_so_on_every_tab(tab, app_env):
    """No fleet customer came through WeChat on the s mart: each tab explains instead of failing."""
    at = segments_page(tab, {"segment": "fleet", "channel": "wechat"})
    assert at.info and not at.error, tab
