"""The complaints page of the real app under AppTest: tiles against independent Polars, filters, the as-of date
(also from a link), the overview's own tiles for the same filters, drilling to the complaints behind a bar and
on to the customer, and a mart without complaints."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.metrics import format_metric
from queries import runner
from queries.filters import Filters
from tests.independent import complaints as independent

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TILES = ["complaint_backlog", "complaints_past_due", "complaints_received", "sla_compliance", "hours_to_dispatch",
         "hours_to_acknowledge", "hours_to_resolve", "reopen_rate", "callback_satisfaction"]


@pytest.fixture(scope="module")
def data_as_of(s_mart):
    m = runner.connect(s_mart)
    try:
        return runner.run(m, "mart_info")["as_of_on"][0]
    finally:
        m.close()


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/complaint_handling.py").run()
    assert not at.exception, at.exception
    return at


def tile(at: AppTest, name: str):
    from dashboard.metrics import METRICS

    label = METRICS[name].label
    for m in at.metric:
        if m.label == label or m.label.startswith(label + " (n="):
            return m
    raise AssertionError(f"no tile {label!r} among {[m.label for m in at.metric]}")


def assert_tiles(at: AppTest, want: dict) -> None:
    from dashboard.metrics import METRICS

    for name in TILES:
        shown = tile(at, name)
        assert shown.value == format_metric(name, want[name]), f"{name}: shown {shown.value}, Polars says {want[name]}"
        count_column = METRICS[name].count_column
        if count_column:
            assert f"(n={want[count_column]:,})" in shown.label, name


def chart(at: AppTest, title_start: str) -> dict:
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = spec["layout"].get("title", {}).get("text", "")
        if title.startswith(title_start):
            return spec
    raise AssertionError(f"no chart titled {title_start!r}")


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
    assert past["name"] == "past deadline" and within["name"] == "within deadline"
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
    assert any(f"end of **{as_of:%Y-%m-%d}**" in md.value for md in at.markdown)
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
    at = AppTest.from_file(APP, default_timeout=60).run()
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
    shown = next(d.value for d in at.dataframe if "complaint_id" in d.value.columns and "age_hours" in d.value.columns)
    assert shown["complaint_id"].tolist() == want["complaint_id"].to_list()
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
    shown = next(d.value for d in at.dataframe if "complaint_id" in d.value.columns and "age_hours" in d.value.columns)
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
