"""The campaign page in the real app under AppTest: filters, the three tabs, the drill-down and the what-if,
every number checked against the independent Polars computations on the s mart."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep
from streamlit.testing.v1 import AppTest

from analytics import lift
from dashboard.metrics import fmt, format_metric
from queries.filters import Filters
from tests.independent import campaigns as independent

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "views/campaigns.py"


@pytest.fixture(scope="module")
def default_view(as_of) -> Filters:
    """The filter bar's default: the twelve months up to the data's as-of date."""
    return Filters(start_on=as_of - timedelta(days=364), end_on=as_of)


def campaign_page(tab: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if tab:
        at.query_params["campaign_tab"] = tab
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r} among {[m.label for m in at.metric]}")


def table_with(at: AppTest, column: str):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


def test_the_roi_tiles_match_polars_and_the_overview(app_env, tables, default_view):
    at = AppTest.from_file(APP, default_timeout=60).run()
    overview_roi = metric(at, "Campaign ROI")
    at.switch_page(PAGE).run()
    assert not at.exception
    results = independent.campaign_results(tables, default_view)
    rules = independent.attribution(tables, default_view, 30)
    assert metric(at, "ROI, recorded") == overview_roi == format_metric("campaign_roi", independent.total_roi(results))
    assert metric(at, "ROI, last touch") == format_metric("campaign_roi", rules[(None, "last_touch")]["roi"])
    assert metric(at, "ROI, first touch") == format_metric("campaign_roi", rules[(None, "first_touch")]["roi"])
    assert metric(at, f"Campaign cost (n={len(results)} campaigns)") == fmt(sum(r["cost_in_scope"] for r in results.values()), "money")
    shown = table_with(at, "cost_per_lead")
    assert sorted(shown["campaign_id"]) == sorted(results)
    for _, row in shown.iterrows():
        want = results[row["campaign_id"]]
        assert row["count_leads"] == want["count_leads"] and row["count_sales"] == want["count_sales"]
        assert row["roi"] == pytest.approx(want["roi"])


def test_a_region_and_a_wider_window_change_the_numbers(app_env, tables, default_view):
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at = campaign_page()
    at.selectbox(key="region").select(region).run()
    at.number_input(key="window_days").set_value(90).run()
    assert not at.exception
    f = Filters(default_view.start_on, default_view.end_on, region=region)
    rules = independent.attribution(tables, f, 90)
    assert metric(at, "ROI, recorded") == format_metric("campaign_roi", rules[(None, "recorded")]["roi"])
    assert metric(at, "ROI, last touch") == format_metric("campaign_roi", rules[(None, "last_touch")]["roi"])
    assert any("within 90 days" in c.value for c in at.caption)


def test_the_lift_table_says_not_proven_where_the_interval_crosses_zero(app_env, tables, default_view):
    at = campaign_page()
    shown = table_with(at, "purchase lift (95% CI)")
    counts = independent.lift_counts(tables, default_view, 30)
    assert len(shown) == len(counts) > 0
    names = {r["campaign_id"]: r["campaign_name"] for r in tables["campaigns"].iter_rows(named=True)}
    for cid, c in counts.items():
        row = shown[shown["campaign"] == f"{names[cid]} (#{cid})"].iloc[0]
        low, high = confint_proportions_2indep(c["count_treatment_buyers"], c["count_treatment"], c["count_control_buyers"],
                                               c["count_control"], method="newcomb", compare="diff")
        point = c["count_treatment_buyers"] / c["count_treatment"] - c["count_control_buyers"] / c["count_control"]
        assert row["purchase lift (95% CI)"] == f"{fmt(point, 'points')} ({fmt(low, 'points')} to {fmt(high, 'points')})"
        assert row["purchase"] == (lift.PROVEN if low > 0 else lift.NEGATIVE if high < 0 else lift.NOT_PROVEN)
    # On the s mart's last year no purchase lift is proven: the page must not call any a win.
    assert set(shown["purchase"]) == {lift.NOT_PROVEN}


def test_drilling_into_a_campaign_shows_its_contacts_leads_and_sales_page_by_page(app_env, tables, default_view):
    results = independent.campaign_results(tables, default_view)
    cid = max(results, key=lambda c: results[c]["count_contacts"] + results[c]["count_control"])
    at = campaign_page()
    at.selectbox(key="campaign").set_value(cid).run()
    assert not at.exception
    contacts = results[cid]["count_contacts"] + results[cid]["count_control"]
    sales = independent.attributed_sales(tables, default_view, 30)
    credited = sales.filter(pl.any_horizontal(pl.col(r) == cid for r in ("recorded", "last_touch", "first_touch"))).height
    captions = [c.value for c in at.caption]
    assert f"Contacts (treatment and control): {contacts:,} in all, 100 to a page" in captions
    assert f"Leads: {results[cid]['count_leads']:,} in all, 100 to a page" in captions
    assert f"Sales: {credited:,} in all, 100 to a page" in captions
    first_page = table_with(at, "is_buyer")
    assert len(first_page) == 100
    at.pagination(key=f"contacts_page_{cid}").select(2).run()
    assert not at.exception
    second_page = table_with(at, "is_buyer")
    assert len(second_page) == min(100, contacts - 100)
    assert not set(first_page["customer_id"]) & set(second_page["customer_id"])


def test_the_lead_funnel_tab_matches_polars_under_a_channel_filter(app_env, tables, default_view):
    at = campaign_page("Lead funnel", channel="wechat")
    f = Filters(default_view.start_on, default_view.end_on, channels=("wechat",))
    want = independent.funnel(independent.leads_in(tables, f, f.start_on, f.end_on))
    assert metric(at, "Leads created") == fmt(want["count_created"], "count")
    assert metric(at, f"Lead conversion (n={want['count_won'] + want['count_lost']:,} closed)") == format_metric(
        "lead_conversion", want["lead_conversion"])
    assert metric(at, f"Speed to lead (n={want['count_contacted']:,})") == format_metric(
        "speed_to_lead", want["median_hours_to_contact"])
    assert [s.value for s in at.subheader] == ["Why leads are lost", "Conversion over time"]


def test_the_budget_what_if_projects_from_the_measured_rates(app_env, tables, default_view):
    at = campaign_page("Budget what-if")
    rates = independent.budget_rates(tables, default_view)
    inputs = {n.key: n for n in at.number_input if n.key.startswith("budget_")}
    assert set(inputs) == {f"budget_{c}" for c in rates}
    for channel, r in rates.items():
        assert inputs[f"budget_{channel}"].value == round(r["cost"] / 1000)
    # Move the biggest channel's budget to the cheapest-per-lead channel.
    big = max(rates, key=lambda c: rates[c]["cost"])
    cheap = min(rates, key=lambda c: rates[c]["cost_per_lead"])
    moved = round(rates[big]["cost"] / 1000) + round(rates[cheap]["cost"] / 1000)
    at.number_input(key=f"budget_{big}").set_value(0.0).run()
    at.number_input(key=f"budget_{cheap}").set_value(float(moved)).run()
    assert not at.exception
    shown = table_with(at, "expected_leads").set_index("channel")
    assert shown.loc[cheap, "expected_leads"] == pytest.approx(moved * 1000 / rates[cheap]["cost_per_lead"])
    assert shown.loc[cheap, "expected_sales"] == pytest.approx(
        moved * 1000 / rates[cheap]["cost_per_lead"] * rates[cheap]["lead_conversion"])
    assert shown.loc[big, "expected_leads"] == 0
    assert shown.loc[cheap, "leads_low_95"] < shown.loc[cheap, "expected_leads"] < shown.loc[cheap, "leads_high_95"]
    assert any("Projection, not a forecast" in w.value for w in at.warning)
    at.button(key="budget_reset").click().run()
    assert at.number_input(key=f"budget_{big}").value == round(rates[big]["cost"] / 1000)


@pytest.fixture(scope="module")
def sales_only_mart(s_mart, tmp_path_factory) -> Path:
    """A mart loaded from exports of customers and sales only (with their dealers and products): no leads,
    campaigns, contacts, complaints or surveys."""
    from mart.load import load

    src = tmp_path_factory.mktemp("sales_only")
    with duckdb.connect(str(s_mart), read_only=True) as con:
        for name in ("dealers", "products", "customers", "sales"):
            con.execute(f"copy (select * from {name}) to '{src / name}.parquet' (format parquet)")
    db = src / "mart.duckdb"
    load(src, db)
    return db


@pytest.mark.parametrize("tab", [None, "Lead funnel", "Budget what-if"])
def test_a_mart_without_campaigns_or_leads_says_so_and_the_rest_works(tab, sales_only_mart, monkeypatch):
    monkeypatch.setenv("CRM_MART", str(sales_only_mart))
    monkeypatch.setenv("CRM_NO_AUTH", "1")   # a loaded mart is served without sign-in only when told so
    at = campaign_page(tab)
    assert at.info, "an empty state should say why there is nothing"
    assert any(("No campaign" in i.value) or ("No leads" in i.value) or ("No acquisition" in i.value) for i in at.info)
    at.selectbox(key="region").select_index(0).run()
    assert not at.exception
    assert at.number_input(key="window_days").value == 30
