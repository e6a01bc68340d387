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
from tests.apptest import frame_with, open_app, tile
from tests.independent import segments as independent

PAGE = "views/customer_segments.py"


@pytest.fixture(scope="module")
def year(as_of) -> Filters:
    return Filters(start_on=independent.year_before(as_of), end_on=as_of)


def segments_page(tab: str | None = None, query: dict | None = None) -> AppTest:
    at = open_app(PAGE, query)
    if tab:
        at.session_state["segments_tab"] = tab
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return tile(at, label).value





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
    # The campaign list starts on champions: its size (known from the segments) is shown at once; the list itself,
    # a page of the whole segment, when asked for.
    assert any(m.value == f"**Customer list: champions**: {champions['count_customers']:,} customers" for m in at.markdown)
    assert not any("rfm_code" in d.value.columns for d in at.dataframe)
    at.toggle(key="show_segment_list").set_value(True).run()
    assert any(f"**Customer list: champions**: {champions['count_customers']:,} customers, largest revenue first" in m.value
               for m in at.markdown)
    assert len(frame_with(at, "rfm_code")) == min(100, champions["count_customers"])

    region = tables["dealers"].sort("dealer_id")["region"][0]
    at.selectbox(key="region").select(region).run()
    assert not at.exception
    assert metric(at, "Customers scored") == f"{independent.rfm(tables, replace(year, region=region)).height:,}"


def test_a_segment_and_tier_list_holds_exactly_that_group(app_env, tables, year):
    at = segments_page()
    at.selectbox(key="list_segment").select("loyal").run()
    at.selectbox(key="list_tier").select("B").run()
    assert any(m.value == "**Customer list: loyal and tier B**" for m in at.markdown)  # no count until listed
    at.toggle(key="show_segment_list").set_value(True).run()
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
    at.toggle(key="show_segment_list").set_value(True).run()
    first = at.selectbox(key="open_segment_list").options[0]
    at.selectbox(key="open_segment_list").select(first).run()
    assert not at.exception
    assert at.text_input(key="customer_id").value == first
    assert any(s.value == f"Customer {first}" for s in at.subheader)
    assert at.selectbox(key="region").value == region


def test_value_tiers_tab_shows_the_80_20_head(app_env, tables, year):
    at = segments_page("Value tiers")
    scored = independent.rfm(tables, year)
    a = scored.filter(pl.col("tier") == "A")
    assert metric(at, "Customers making 80% of revenue") == format_metric("tier_a_customer_share", a.height / scored.height)
    assert metric(at, "Tier A customers") == f"{a.height:,}"
    assert any(m.value == f"**Customer list: tier A**: {a.height:,} customers" for m in at.markdown)
    at.toggle(key="show_tier_list").set_value(True).run()
    assert any(f"**Customer list: tier A**: {a.height:,} customers, largest revenue first" in m.value for m in at.markdown)


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
    # Issue 17: the repeat purchases are service visit days, and the top customers no longer all show 100% still
    # active; where a listed customer's segment and probability disagree, one sentence says why.
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Repeat purchases here are service visit days") for c in captions)
    top = frame_with(at, "customer_id", "p_alive")
    assert top["p_alive"].tolist() == pytest.approx(value.top["p_alive"].to_list(), rel=1e-9)
    assert (value.top["p_alive"] < 0.995).sum() >= 10
    good = ("champions", "loyal", "potential loyalists", "new")
    disagree = value.top.filter(pl.col("segment").is_in(good) != (pl.col("p_alive") >= 0.5)).height
    assert any("measure different things" in c for c in captions) == (disagree > 0)


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
    assert any(c.value.startswith("Repeat purchases here are sale days") for c in at.caption)


@pytest.mark.parametrize("tab", ["RFM segments", "Value tiers", "Cohorts", "Churn risk", "Migration", "Lifetime value"])
def test_a_slice_without_customers_says_so_on_every_tab(tab, app_env):
    """No fleet customer came through WeChat on the s mart: each tab explains instead of failing."""
    at = segments_page(tab, {"segment": "fleet", "channel": "wechat"})
    assert at.info and not at.error, tab


# --- In Chinese: the page leads with its answers, in plain words, with the numbers of an independent computation ---

@pytest.fixture
def in_chinese(monkeypatch):
    """Format the expected strings as the Chinese page does (after the page has run)."""
    from dashboard import i18n

    def use() -> None:
        monkeypatch.setattr(i18n, "language", lambda: "zh")
    return use


def sankey_of(at: AppTest) -> dict:
    import json

    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("type") == "sankey":
                return trace
    raise AssertionError("no Sankey chart")


def test_the_rfm_tab_reads_in_chinese_and_leads_with_what_champions_bring(app_env, tables, year, in_chinese):
    at = segments_page(query={"lang": "zh"})
    in_chinese()
    assert [t.value for t in at.title] == ["客户细分与价值"]
    # The customer portrait (issue 14) is the seventh tab.
    assert [t.label for t in at.tabs] == ["RFM 客群", "价值分层", "同期群", "流失风险", "客群迁移", "客户终身价值", "客户画像"]
    assert at.selectbox(key="list_segment").label == "RFM客户分群"
    assert at.selectbox(key="list_segment").value == "champions"   # the stored value; its label is translated
    assert "重要价值客户" in at.selectbox(key="list_segment").options
    scored = independent.rfm(tables, year)
    groups = {r["segment"]: r for r in independent.by_group(scored, "segment").iter_rows(named=True)}
    champions = groups["champions"]
    slipping = groups["can't lose"]["count_customers"] + groups["at risk"]["count_customers"]
    headline = (f"**{champions['count_customers']:,} 位重要价值客户（占客户 "
                f"{format_metric('customer_share', champions['customer_share'])}）贡献了本期 "
                f"{format_metric('revenue_share', champions['revenue_share'])} 的收入**。"
                f"{slipping:,} 位过去常来的客户最近没有再来（重要挽留客户，需唤回客户）：应优先唤回。")
    assert at.markdown[0].value == headline
    assert metric(at, "参与评分客户数") == f"{scored.height:,}"


def test_the_tiers_tab_says_what_the_top_fifth_of_customers_bring(app_env, tables, year, in_chinese):
    at = segments_page("价值分层", {"lang": "zh"})
    in_chinese()
    scored = independent.rfm(tables, year)
    customer_share, revenue_share = independent.pareto_point(scored, 20)
    a = scored.filter(pl.col("tier") == "A")
    from dashboard import formats

    assert at.markdown[0].value.startswith(
        f"**收入最高的 {formats.percent(customer_share, 0)} 客户贡献了本期 {format_metric('revenue_share', revenue_share)} 的收入**。"
        f"80% 的收入来自 {a.height:,} 位客户，占客户 {format_metric('customer_share', a.height / scored.height)}（A 级）")


def test_a_tab_named_in_english_opens_the_same_tab_in_chinese(app_env, tables, year, in_chinese):
    """A link shared from an English session (?segments_tab=Migration) opens the migration tab in Chinese, not the
    first tab (the tab's label is the link's value, and it differs by language)."""
    at = segments_page(query={"lang": "zh", "segments_tab": "Migration"})
    in_chinese()
    c = year.comparison()
    before = independent.rfm(tables, year, c.start_on, c.end_on)
    after = independent.rfm(tables, year)
    kept = before.filter(pl.col("segment") == "champions").join(
        after.filter(pl.col("segment") == "champions"), on="customer_id").height
    share = kept / before.filter(pl.col("segment") == "champions").height
    assert at.markdown[0].value.startswith(
        f"**上期的重要价值客户中，{format_metric('customer_share', share)} 本期仍是重要价值客户**。最大的迁移：")
    # The flow chart: the eight largest moves and one band of the rest, every customer of either period in it.
    sankey = sankey_of(at)
    assert len(sankey["link"]["value"]) == 9
    assert sum(sankey["link"]["value"]) == pl.concat([before["customer_id"], after["customer_id"]]).n_unique()
    assert sankey["node"]["label"][-1].startswith("其他迁移（")


def test_the_churn_tab_leads_with_the_customers_at_risk(app_env, tables, year, in_chinese):
    at = segments_page("流失风险", {"lang": "zh"})
    in_chinese()
    status = independent.history(tables, year)
    at_risk = status.filter(pl.col("status") == "at risk")
    active_share = status.filter(pl.col("status") == "active").height / status.height
    assert at.markdown[0].value.startswith(
        f"**{format_metric('customer_share', active_share)} 的客户处于活跃状态；{at_risk.height:,} 位"
        f"（{format_metric('customer_share', at_risk.height / status.height)}）有流失风险**")
    assert metric(at, "有流失风险客户") == f"{at_risk.height:,}"


# ---- the customer portrait (issue 14, item 6) ----

def _portrait_numbers(want: dict, lang: str = "en") -> dict:
    from dashboard import i18n
    from dashboard.metrics import fmt

    shown = {k: v for k, v in want.items() if not v["is_suppressed"] and k[1] not in ("not recorded", "other cities")
             and v["group_share"] >= 0.05}
    (attribute, value), top = sorted(shown.items(), key=lambda kv: (-kv[1]["share_ratio"], kv[0]))[0]
    ages = {k: v for k, v in want.items() if k[0] == "age_band" and not v["is_suppressed"] and k[1] != "not recorded"}
    (_a, band), age = sorted(ages.items(), key=lambda kv: (-kv[1]["group_share"], kv[0]))[0]
    with i18n.speaking(lang):
        return {"attribute": attribute, "value": value, "ratio": f"{top['share_ratio']:.1f}",
                "group_share": fmt(top["group_share"], "share"), "base_share": fmt(top["base_share"], "share"),
                "band": band, "age_share": fmt(age["group_share"], "share"), "age_base": fmt(age["base_share"], "share")}


def test_the_portrait_leads_with_what_sets_champions_apart(app_env, tables, year):
    at = segments_page("Customer portrait")
    assert at.selectbox(key="portrait_segment").value == "champions"
    want = independent.portrait(tables, year, "champions", None)
    n = _portrait_numbers(want)
    assert (n["attribute"], n["value"]) == ("customer_type", "fleet")   # the demo's champions are fleets
    assert at.markdown[0].value == (
        f"**Champions are {n['ratio']}x as likely as the base to be fleet customers** ({n['group_share']} against "
        f"{n['base_share']}). {n['age_share']} are aged {n['band']} against {n['age_base']} of the base.")
    table = frame_with(at, "value_label", "share_difference")
    assert list(table.columns) == ["attribute", "value_label", "group_share", "base_share", "share_difference", "count_group"]
    fleet = table[table["value_label"] == "fleet"].iloc[0]
    w = want[("customer_type", "fleet")]
    assert fleet["count_group"] == f"{w['count_group']:,}" and fleet["share_difference"] == f"{w['share_difference']:.2%}"
    # A suppressed value is named, with no count or share.
    hidden = [k for k, v in want.items() if v["is_suppressed"]]
    assert hidden and any("hidden: fewer than 5" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 5


def test_the_portrait_of_a_tier_under_a_dealer_hides_small_cells(app_env, tables, year):
    dealer = tables["customers"].group_by("home_dealer_id").len().sort(
        ["len", "home_dealer_id"], descending=[True, False])["home_dealer_id"][0]
    at = segments_page("Customer portrait")
    at.selectbox(key="portrait_tier").select("A").run()
    at.selectbox(key="dealer").select(dealer).run()
    assert not at.exception
    want = independent.portrait(tables, replace(year, dealer_id=dealer), "champions", "A")
    table = frame_with(at, "value_label", "share_difference")
    assert len(table) == len(want)
    hidden = table[table["value_label"].str.endswith(" *")]
    assert len(hidden) == sum(v["is_suppressed"] for v in want.values()) > 0
    assert set(hidden["count_group"]) == {"—"} and set(hidden["group_share"]) == {"—"}
    assert min(int(c.replace(",", "")) for c in table["count_group"] if c != "—") >= 5


def test_the_portrait_reads_in_chinese(app_env, tables, year):
    at = segments_page("Customer portrait", query={"lang": "zh"})
    assert at.session_state["segments_tab"] == "客户画像"
    want = independent.portrait(tables, year, "champions", None)
    n = _portrait_numbers(want, "zh")
    assert at.markdown[0].value == (
        f"**重要价值客户为企业/车队客户的可能性是全体客户的 {n['ratio']} 倍**（{n['group_share']}，全体为 {n['base_share']}）。"
        f"{n['age_share']}的年龄在{n['band']}，全体客户中为 {n['age_base']}。")
    assert any(s.value == "各属性值与全体客户对比" for s in at.subheader)
