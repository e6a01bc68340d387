"""The complaints page of the real app under AppTest: tiles against independent Polars, filters, the as-of date
(also from a link), the overview's own tiles for the same filters, drilling to the complaints behind a bar and
on to the customer, and a mart without complaints."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import charts, formats
from dashboard.metrics import format_metric
from queries import runner
from queries.filters import Filters
from tests import apptest
from tests.apptest import chart, new_app, open_app
from tests.independent import complaints as independent

ROOT = Path(__file__).resolve().parent.parent
TILES = ["complaint_backlog", "complaints_past_due", "complaints_received", "sla_compliance", "hours_to_dispatch",
         "hours_to_acknowledge", "hours_to_resolve", "reopen_rate", "callback_satisfaction"]


@pytest.fixture(scope="module")
def data_as_of(s_mart):
    m = runner.connect(s_mart)
    try:
        return runner.run(m, "mart_info")["as_of_on"][0]
    finally:
        m.close()


def open_page(query: dict | None = None, steps: bool = True) -> AppTest:
    """The page, with its "Time in each step" tab opened unless `steps` is False: that tab is drawn only when open
    (its two datasets were a third of the page's queries), the others always."""
    at = open_app("views/complaint_handling.py", query, timeout=60)
    if steps:
        at.session_state["complaint_tab"] = at.tabs[1].label   # in the page's language
        at.run()
    return at


def tile(at: AppTest, name: str):
    """The tile of metric `name` (its English label)."""
    from dashboard.metrics import METRICS

    return apptest.tile(at, METRICS[name].label)


def assert_tiles(at: AppTest, want: dict) -> None:
    from dashboard.metrics import METRICS

    for name in TILES:
        shown = tile(at, name)
        assert shown.value == format_metric(name, want[name]), f"{name}: shown {shown.value}, Polars says {want[name]}"
        count_column = METRICS[name].count_column
        if count_column:
            assert f"(n={want[count_column]:,})" in shown.label, name





def test_the_step_tab_is_drawn_only_when_opened(app_env):
    at = open_page(steps=False)
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert "Time in each step: is HQ or the dealer slow?" not in headings and "Backlog over time" in headings
    at.session_state["complaint_tab"] = "Time in each step"
    at.run()
    assert "Time in each step: is HQ or the dealer slow?" in [s.value for s in at.subheader]


def test_default_view_shows_the_figures_as_of_the_datas_date(app_env, tables, data_as_of):
    at = open_page()
    assert at.date_input(key="as_of").value == data_as_of
    f = Filters(start_on=data_as_of - timedelta(days=364), end_on=data_as_of)
    want = independent.summary(tables, f, data_as_of)
    assert want["complaint_backlog"] > 0 and want["complaints_past_due"] > 0
    assert_tiles(at, want)
    # The status chart splits each open status into past deadline and within it.
    spec = chart(at, "Open complaints by status")
    counts = independent.status_counts(tables, f, data_as_of)
    past, within = spec["data"][0], spec["data"][1]
    assert past["name"] == "Past deadline" and within["name"] == "Within deadline"
    # One colour meaning on the page: red is past the deadline, and only that (it also meant a status and a step).
    assert past["marker"]["color"] == charts.BAD and within["marker"]["color"] != charts.BAD
    for status, p, w in zip(past["x"], past["y"], within["y"]):
        assert p == counts[status]["count_past_due"]
        assert p + w == counts[status]["count_complaints"]
    assert any(f"{counts['closed']['count_in_period']:,} were closed" in c.value for c in at.caption)


def test_region_and_a_past_as_of_date_change_every_figure(app_env, tables, data_as_of):
    at = open_page()
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at.selectbox(key="region").select(region).run()
    as_of = data_as_of - timedelta(days=120)
    at.date_input(key="as_of").set_value(as_of).run()
    assert not at.exception
    f = Filters(start_on=data_as_of - timedelta(days=364), end_on=data_as_of, region=region)
    want = independent.summary(tables, f, as_of)
    assert want != independent.summary(tables, f, data_as_of)
    assert_tiles(at, want)
    assert any(f"end of **{formats.day(as_of)}**" in md.value for md in at.markdown)
    # The backlog by age follows the as-of moment too.
    spec = chart(at, "Open backlog by age")
    ages = independent.backlog_age(tables, f, as_of)
    assert spec["data"][0]["x"] == [ages[b]["complaints_past_due"] for b in spec["data"][0]["y"]]


def test_a_link_with_an_as_of_date_opens_that_day(app_env, tables, data_as_of):
    as_of = data_as_of - timedelta(days=45)
    at = open_page({"as_of": f"{as_of:%Y-%m-%d}", "segment": "fleet"})
    assert at.date_input(key="as_of").value == as_of
    f = Filters(start_on=data_as_of - timedelta(days=364), end_on=data_as_of, customer_types=("fleet",))
    assert tile(at, "complaint_backlog").value == format_metric("complaint_backlog", independent.summary(tables, f, as_of)["complaint_backlog"])


def test_overview_and_this_page_agree_on_backlog_and_sla(app_env, tables, data_as_of):
    """For the same filters the overview's tiles and this page's are the same figures, also for a past period,
    which this page reads at the period's end like the overview (its as-of date being later)."""
    at = new_app().run()
    last_year = (date(data_as_of.year - 1, 1, 1), date(data_as_of.year - 1, 6, 30))
    for period in (None, last_year):
        if period:
            at.date_input(key="period").set_value(period).run()
        at.switch_page("views/overview.py").run()
        overview = {name: tile(at, name).value for name in ("complaint_backlog", "sla_compliance")}
        at.switch_page("views/complaint_handling.py").run()
        assert not at.exception
        page = {name: tile(at, name).value for name in ("complaint_backlog", "sla_compliance")}
        assert page == overview, period
    f = Filters(start_on=last_year[0], end_on=last_year[1])
    assert page["complaint_backlog"] == format_metric("complaint_backlog", independent.summary(tables, f, data_as_of)["complaint_backlog"])
    assert any("period's end" in md.value for md in at.markdown)


def test_drill_to_the_complaints_behind_a_bar_and_on_to_the_customer(app_env, tables, data_as_of):
    at = open_page()
    at.selectbox(key="complaint_list_by").set_value("age_bucket").run()
    at.selectbox(key="complaint_list_value").set_value("over 4 weeks").run()
    assert not at.exception
    f = Filters(start_on=data_as_of - timedelta(days=364), end_on=data_as_of)
    want = independent.listed(tables, f, data_as_of, "age_bucket", "over 4 weeks")
    assert want.height > 0
    shown = next(d.value for d in at.dataframe if "complaint_id" in d.value.columns and "age_days" in d.value.columns)
    assert shown["complaint_id"].tolist() == want["complaint_id"].to_list()
    # The answer first: number, status, past deadline, age and dealer; the rest behind "Show all columns".
    assert list(shown.columns) == ["complaint_id", "status", "is_past_due", "age_days", "dealer_name"]
    assert shown["age_days"].tolist() == [int(h // 24) for h in want["age_hours"].to_list()]
    assert any(f"**{want.height:,} complaints**" in md.value for md in at.markdown)

    first = want.row(0, named=True)
    at.selectbox(key="complaint_pick").set_value(first["complaint_id"]).run()
    assert not at.exception
    assert any(f"Complaint #{first['complaint_id']}" in md.value for md in at.markdown)
    registered = '"views/customer_360.py"' in (ROOT / "app.py").read_text()
    links = [e.proto for e in at.get("page_link")]
    if registered:
        assert any(link.page == "customer" and link.query_string == f"customer_id={first['customer_id']}" for link in links)
    else:
        assert not links and any(f"Customer {first['customer_id']}" in c.value for c in at.caption)

    # Choosing another dimension clears the value, and a status lists that status only.
    at.selectbox(key="complaint_list_by").set_value("status").run()
    assert at.selectbox(key="complaint_list_value").value is None
    at.selectbox(key="complaint_list_value").set_value("acknowledged").run()
    shown = next(d.value for d in at.dataframe if "complaint_id" in d.value.columns and "age_days" in d.value.columns)
    assert set(shown["status"]) == {"acknowledged"}
    assert len(shown) == independent.listed(tables, f, data_as_of, "status", "acknowledged").height


@pytest.fixture(scope="module")
def customers_and_sales_mart(s_mart, tmp_path_factory):
    """A mart loaded from exports holding only customers and sales: no complaints at all."""
    from mart.load import load

    src = tmp_path_factory.mktemp("customers_and_sales")
    con = duckdb.connect(str(s_mart), read_only=True)
    try:
        con.execute(f"copy (select * exclude (home_dealer_id) from customers where customer_id <= 'C00003000') to '{src / 'customers.csv'}' (header)")
        con.execute(f"copy (select * exclude (dealer_id, lead_id, campaign_id) from sales where customer_id <= 'C00003000') to '{src / 'sales.csv'}' (header)")
    finally:
        con.close()
    db = tmp_path_factory.mktemp("customers_and_sales_mart") / "mart.duckdb"
    load(src, db)
    return db


def test_the_rows_behind_the_step_charts_show_the_first_rows_and_the_downloads_hold_them_all(app_env, mart, data_as_of,
                                                                                            monkeypatch):
    """Every dealer by step runs to 1,200 rows in a region of 290 dealers: the browser gets the first
    components.ROW_LIMIT and a line saying how many there are; the CSV and Excel files hold every row."""
    from dashboard import components

    files = apptest.recording_downloads(monkeypatch)
    at = open_page()
    f = Filters(start_on=data_as_of - timedelta(days=364), end_on=data_as_of)
    steps = runner.run(mart, "complaint_step_times", f, as_of=data_as_of)
    assert steps.height > components.ROW_LIMIT   # the s mart's 60 dealers and 7 regions by 4 steps
    part = apptest.expander(at, "Rows and SQL: Hours in each step")
    assert len(part.dataframe[0].value) == components.ROW_LIMIT
    assert part.caption[0].value == (f"The first {components.ROW_LIMIT} of {steps.height:,} rows are shown; the CSV "
                                     f"and Excel downloads hold all {steps.height:,}.")
    for file_name in ("hours_in_each_step.csv", "hours_in_each_step_rows.csv", "hours_in_each_step.xlsx"):
        got = apptest.downloaded(files, file_name)
        assert got.height == steps.height, file_name
        assert got["Number of complaints"].cast(pl.Int64).sum() == steps["count_complaints"].sum(), file_name


def test_a_mart_without_complaints_shows_empty_states_and_still_works(customers_and_sales_mart, monkeypatch):
    monkeypatch.setenv("CRM_MART", str(customers_and_sales_mart))
    monkeypatch.setenv("CRM_NO_AUTH", "1")   # a loaded mart is served without sign-in only when told so
    at = open_page()
    assert tile(at, "complaint_backlog").value == "0"
    assert tile(at, "sla_compliance").value == "—"
    messages = " ".join(i.value for i in at.info)
    for part in ("No open complaints", "finished a step", "known SLA outcome", "No complaints received"):
        assert part in messages, part
    at.selectbox(key="complaint_list_by").set_value("status").run()
    at.selectbox(key="complaint_list_value").set_value("received").run()
    assert not at.exception
    assert any("No complaints behind this choice" in i.value for i in at.info)
    assert re.search(r"Complaints", at.title[0].value)


def test_the_page_reads_in_chinese_and_leads_with_the_answer(app_env, tables, data_as_of):
    """zh: the title, labels, tabs and chart words in Chinese, and the headline's numbers as Polars counts them."""
    at = open_page({"lang": "zh"})
    assert [t.value for t in at.title] == ["投诉处理"]
    assert at.date_input(key="as_of").label == "截至日期"
    assert [t.label for t in at.tabs] == ["未结案与时限", "各环节用时", "类别与经销商", "投诉列表"]
    assert at.selectbox(key="complaint_list_by").label == "投诉列表依据"
    assert at.selectbox(key="complaint_list_value").label == "具体取值"
    assert "处理速度在加快吗？" in [s.value for s in at.subheader]
    status_chart = chart(at, "未结案投诉（按状态）")
    assert [t["name"] for t in status_chart["data"]] == ["已超时", "时限内"]
    assert "已接单" in status_chart["layout"]["xaxis"]["ticktext"]

    f = Filters(start_on=data_as_of - timedelta(days=364), end_on=data_as_of)
    late = independent.as_it_stood(tables, f, data_as_of).filter(pl.col("is_open") & pl.col("is_past_due"))
    per_dealer = late.filter(pl.col("dealer_id").is_not_null()).group_by("dealer_name").len()
    top = per_dealer["len"].max()
    leaders = per_dealer.filter(pl.col("len") == top)["dealer_name"].to_list()
    if len(leaders) == 1:
        first = f"{late.height} 件投诉超时未结案，最多的是{leaders[0]}（{top} 件）。"
    else:
        first = f"{late.height} 件投诉超时未结案，分散在 {per_dealer.height} 家经销商。"
    sla = independent.summary(tables, f, data_as_of)["sla_compliance"]
    before = independent.summary(tables, f.comparison(), f.comparison().end_on)["sla_compliance"]
    change = round(100 * (sla - before), 1)
    second = f"SLA 达成率 {100 * sla:.1f}%，比对比期{'高' if change > 0 else '低'} {abs(change):.1f} 个百分点。"
    assert late.height > 0 and change != 0
    assert [md.value for md in at.markdown if md.value.startswith("#### ")] == ["#### " + first + second]


def test_charts_that_read(app_env):
    """A 0% bar shows its "0%"; the log axis reads 1, 3, 10, 30 (it read "5 2 1000 5 2 100"); no label in English."""
    at = open_page({"lang": "zh"})
    sla = chart(at, "时限内解决占比")
    bars = sla["data"][0]
    assert bars["textposition"] == "outside" and bars["texttemplate"] == "%{text}"
    assert bars["text"] == [f"{100 * v:.0f}%" for v in bars["y"]]
    assert sla["layout"]["xaxis"]["ticktext"][0] == "紧急<br>24 小时"
    trend = chart(at, "各环节用时中位数")
    ticks = trend["layout"]["yaxis"]["ticktext"]
    assert ticks and all(re.fullmatch(r"[0-9.,]+", t) for t in ticks)
    assert trend["layout"]["yaxis"]["type"] == "log"
    # HQ's steps and the dealer's in two colours, neither of them red.
    colours = {t["line"]["color"] for t in trend["data"]}
    assert len(colours) == 2 and charts.BAD not in colours


def test_headline_names_the_dealer_with_the_most_late_complaints():
    from dashboard import complaints

    dealers = pl.DataFrame({"level": ["dealer", "dealer", "dealer", "region"], "dealer_name": ["甲", "乙", "丙", None],
                            "complaints_past_due": [3, 1, 0, 4]})
    assert complaints.headline({"complaints_past_due": 4, "sla_compliance": 0.84}, {"sla_compliance": 0.861}, dealers) == (
        "4 complaints are open past their deadline, the most at 甲 (3). SLA compliance 84.0%, 2.1 pts below the "
        "comparison period.")
    tied = dealers.with_columns(complaints_past_due=pl.Series([2, 2, 0, 4]))
    assert complaints.headline({"complaints_past_due": 4, "sla_compliance": None}, {}, tied) == (
        "4 complaints are open past their deadline, spread over 2 dealers.")
    assert complaints.headline({"complaints_past_due": 0, "sla_compliance": 0.9}, {"sla_compliance": 0.9}, dealers) == (
        "No open complaint is past its deadline. SLA compliance 90.0%, the same as in the comparison period.")


def test_speed_trend_in_plain_words_and_the_method_for_analysts():
    from analytics.speed_trend import SpeedTrend
    from dashboard import complaints

    faster = complaints.StepSpeed(3, "acknowledgement → resolution", "dealer", SpeedTrend(-1.25, -2.0, -0.5, 12, "faster"))
    unclear = complaints.StepSpeed(1, "receipt → dispatch", "HQ", SpeedTrend(0.02, -0.03, 0.07, 12, "no clear change"))
    assert complaints.speed_words(faster) == "**Acknowledgement → resolution** (dealer): getting faster, about 1.2 h quicker each month"
    assert complaints.speed_words(unclear) == "**Receipt → dispatch** (HQ): no clear change"
    assert complaints.speed_summary([faster, unclear]) == "Of 2 steps, 1 getting faster and 0 getting slower."
    assert "Theil-Sen" not in complaints.speed_words(faster)
    assert complaints.speed_method(faster) == ("dealer, acknowledgement → resolution: slope -1.25 h a month "
                                               "(95% interval -2.00 to -0.50), 12 months")


def test_busiest_dealers_and_short_names_for_the_step_charts():
    from dashboard import complaints

    steps = pl.DataFrame({
        "level": ["dealer"] * 3 + ["region"],
        "region": ["华东"] * 4,
        "dealer_id": ["D1", "D2", "D3", None],
        "dealer_name": ["柳州城南恒通汽车销售服务有限公司", "上海嘉定瑞丰汽车销售服务有限公司", "南京某某有限公司", None],
        "count_complaints": [5, 9, 1, 15],
    })
    areas = complaints.step_areas(steps, has_geo=True, whole="national", limit=2)
    assert (areas.level, areas.drawn, areas.total) == ("dealer", 2, 3)
    assert areas.shown["area"].to_list() == ["柳州城南恒通", "上海嘉定瑞丰", "华东"]
    assert areas.shown["key"].to_list() == ["D1", "D2", "华东"]
    assert complaints.short_dealer("南京某某有限公司") == "南京某某" and complaints.short_dealer(None) == "—"
    assert complaints.period_end_label(date(2026, 11, 30)) == "Nov 2026"
    assert complaints.period_end_label(date(2026, 11, 22)) == "Nov 22, 2026"
