"""The after-sales page of the real app under AppTest: its headline's numbers against the independent Polars
computation (default filters and a region), every tab in English and Chinese, the maintenance list with customer
numbers only, and the warranty-problem model drawn in red."""
from __future__ import annotations

import json

import polars as pl

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import after_sales as aft
from mart.generate import WARRANTY_PROBLEM_PRODUCT
from tests.apptest import downloaded, expander, frame_with, open_app, recording_downloads
from tests.independent import after_sales as independent

PAGE = "views/after_sales.py"
TABS = ["Maintenance due", "Service mix", "Retention by dealer", "Warranty quality"]


def headline(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### "))[5:]



def expected_headline(tables, f) -> str:
    due = independent.maintenance_due(tables, f)
    counts = {"count_rows": due.height, "count_overdue": due.filter(due["days_overdue"] > 0).height,
              "count_overdue_over_month": due.filter(due["days_overdue"] > 30).height,
              "count_due_soon": due.filter(due["days_overdue"] <= 0).height}
    claims = independent.claims_by_age(tables, f).with_columns(product_name=pl.col("product_id"))
    return aft.headline(counts, aft.standout(claims))


@pytest.mark.parametrize("query", [{}, {"region": "华东"}], ids=["default", "region"])
def test_the_headline_is_the_independent_computation(app_env, tables, query):
    at = open_app(PAGE, query, lang="en")
    f = at.session_state["filters"]
    assert (f.region or None) == query.get("region")
    shown = headline(at)
    assert shown == expected_headline(tables, f)
    if not query:
        assert f"; {WARRANTY_PROBLEM_PRODUCT} has " in shown and "× the other models" in shown
        assert "vehicles are due or overdue for maintenance" in shown


def test_every_tab_renders_in_english(app_env):
    for tab in TABS:
        at = open_app(PAGE, {aft.TAB_KEY: tab}, lang="en")
        assert at.title[0].value == "After-sales service"
        assert not at.exception


def test_the_page_reads_in_chinese(app_env, tables):
    at = open_app(PAGE, {}, lang="zh")
    assert at.title[0].value == "售后服务"
    shown = headline(at)
    assert "辆车到期或逾期待保养" in shown and f"{WARRANTY_PROBLEM_PRODUCT} 在使用" in shown
    due = independent.maintenance_due(tables, at.session_state["filters"])
    assert f"{due.height:,} 辆车" in shown
    assert [m.label for m in at.metric] == ["到期或逾期", "逾期超过一个月", "30 天内到期"]


def test_the_maintenance_list_shows_customer_numbers_most_overdue_first(app_env, tables, monkeypatch):
    from dashboard import components

    files = recording_downloads(monkeypatch)
    at = open_app(PAGE, {}, lang="en")
    table = frame_with(at, "customer_id", "days_overdue")
    want = independent.maintenance_due(tables, at.session_state["filters"])
    assert table["customer_id"].tolist() == want["customer_id"].head(100).to_list()
    assert table["days_overdue"].tolist() == want["days_overdue"].head(100).to_list()
    assert not {"gender", "birth_year", "city", "income_band"} & set(table.columns)
    # the whole list, for the download, on request: every vehicle in the files, the first rows on the page
    at.toggle(key="maintenance_due_all").set_value(True).run()
    assert not at.exception
    name = "vehicles_due_for_maintenance_the_whole_list"
    for file_name in (f"{name}.csv", f"{name}_rows.csv", f"{name}.xlsx"):
        whole = downloaded(files, file_name)
        assert whole["Customer no."].cast(pl.String).to_list() == want["customer_id"].to_list(), file_name
    shown = expander(at, "Rows and SQL: Vehicles due for maintenance: the whole list").dataframe[0].value
    limit = min(want.height, components.ROW_LIMIT)
    assert shown["customer_id"].tolist() == want["customer_id"].head(limit).to_list()


def test_the_warranty_tab_draws_the_problem_model_in_red_and_on_top_of_the_heat_map(app_env):
    at = open_app(PAGE, {aft.TAB_KEY: "Warranty quality"}, lang="en")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    heat = next(s for s in specs if s["data"][0]["type"] == "heatmap")
    assert heat["data"][0]["y"][0] == WARRANTY_PROBLEM_PRODUCT
    bars = next(s for s in specs if s["data"][0]["type"] == "bar")
    colours = dict(zip(bars["data"][0]["y"], bars["data"][0]["marker"]["color"]))
    from dashboard import charts as palette
    assert colours[WARRANTY_PROBLEM_PRODUCT] == palette.BAD
    assert {c for p, c in colours.items() if p != WARRANTY_PROBLEM_PRODUCT} == {palette.MAIN}
