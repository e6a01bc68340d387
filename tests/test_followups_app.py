"""The follow-up calls page of the real app under AppTest, in English and Chinese: the headline and tiles against
independent Polars, a region filter, the funnel's red points against scipy's flags, and the drill from a dealer to
its calls and on to Customer 360."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest

from dashboard import charts
from queries import runner
from queries.filters import Filters
from tests.apptest import chart, open_app
from tests.independent import followups as independent

PAGE = "views/followups.py"


@pytest.fixture(scope="module")
def year(s_mart) -> Filters:
    m = runner.connect(s_mart)
    try:
        as_of = runner.run(m, "mart_info")["as_of_on"][0]
    finally:
        m.close()
    return Filters(start_on=as_of - timedelta(days=364), end_on=as_of)


def metric(at, label: str):
    return next(m for m in at.metric if m.label.startswith(label + " (n="))


def scipy_fewer(tables, f: Filters) -> set[str]:
    """The dealers of the geography below the 99.8% limits, by scipy, around the nation's response rate."""
    want = independent.areas(tables, f)
    p = want[("national", None, None)]["response_rate"]
    return {d for (level, _r, d), m in want.items() if level == "dealer" and m["count_attempts"]
            and independent.scipy_verdict(m["count_answered"], m["count_attempts"], p, 0.998) == "below"}


def test_the_page_leads_with_its_answer_in_english(app_env, tables, year):
    at = open_app(PAGE)
    assert [t.value for t in at.title] == ["Follow-up calls"]
    want = independent.by_type(tables, year)
    total = want[None]
    head = at.markdown[0].value
    assert head == (f"#### Of {total['count_attempts']:,} follow-up calls in the period, "
                    f"{round(100 * total['response_rate'])}% reached a customer who answered.")
    nps = at.markdown[1].value
    for kind, name in (("sales", "sales follow-ups"), ("service", "service"), ("complaint_callback", "complaint callbacks")):
        w = want[kind]
        assert f"{name} {round(w['nps'])} (n={w['count_nps_responses']:,})" in nps, kind
    fewer = scipy_fewer(tables, year)
    assert len(fewer) >= 2
    assert f"{len(fewer)} dealers reach clearly fewer customers than the network" in nps
    assert metric(at, "Response rate").value == f"{100 * total['response_rate']:.1f}%"
    assert metric(at, "Response rate").label == f"Response rate (n={total['count_attempts']:,})"
    assert metric(at, "NPS").value == f"{total['nps']:.1f}"
    assert metric(at, "CSAT (1-5)").value == f"{total['call_csat']:.1f}"
    assert metric(at, "Days to first call").value == f"{total['days_to_first_call']:.1f}"
    # the call types' bars
    spec = chart(at, "Response rate by call type")
    assert spec["data"][0]["y"] == pytest.approx([want[k]["response_rate"] for k in independent.TYPES])


def test_the_page_reads_in_chinese(app_env, tables, year):
    at = open_app(PAGE, lang="zh")
    assert [t.value for t in at.title] == ["满意度回访"]
    total = independent.by_type(tables, year)[None]
    assert at.markdown[0].value == (f"#### 统计期内共拨打回访 {total['count_attempts']:,} 次，其中 "
                                    f"{round(100 * total['response_rate'])}% 接通并完成回访。")
    assert "有 " in at.markdown[1].value and "家经销商的回访成功率明显低于全网" in at.markdown[1].value
    assert [m.label.split(" (n=")[0] for m in at.metric] == ["回访成功率", "NPS（净推荐值）", "CSAT（1-5分）", "首次回访天数"]
    assert [t.label for t in at.tabs] == ["按回访类型", "大区与经销商", "月度趋势", "经销商回访明细"]


def test_a_region_changes_every_figure(app_env, tables, year):
    at = open_app(PAGE)
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at.selectbox(key="region").select(region).run()
    assert not at.exception
    f = replace(year, region=region)
    total = independent.by_type(tables, f)[None]
    assert total["count_attempts"] != independent.by_type(tables, year)[None]["count_attempts"]
    assert metric(at, "Response rate").label == f"Response rate (n={total['count_attempts']:,})"
    assert metric(at, "Days to first call").value == f"{total['days_to_first_call']:.1f}"


def test_the_funnel_flags_in_red_the_dealers_scipy_flags(app_env, tables, year):
    at = open_app(PAGE, {"followup_tab": "Regions and dealers"})
    spec = chart(at, "Response rate against call attempts")
    points = next(t for t in spec["data"] if t.get("mode") == "markers")
    red = {c[0] for c, colour in zip(points["customdata"], points["marker"]["color"]) if colour == charts.BAD}
    assert red == scipy_fewer(tables, year)
    # the limit curves, two pairs, and the nation's rate they are drawn around
    lines = [t for t in spec["data"] if t.get("mode") == "lines"]
    assert len(lines) == 5
    p = independent.areas(tables, year)[("national", None, None)]["response_rate"]
    assert lines[-1]["y"] == pytest.approx([p, p])
    # worst first in the table
    table = next(d.value for d in at.dataframe if "funnel_verdict_label" in d.value.columns)
    names = set(tables["dealers"].filter(pl.col("dealer_id").is_in(list(red)))["dealer_name"])
    assert set(table["dealer_name"].head(len(red))) == names
    assert table["funnel_verdict_label"].head(len(red)).tolist() == ["Clearly fewer reached (outside 99.8%)"] * len(red)


def test_drill_to_a_dealers_calls_and_on_to_customer_360(app_env, tables, year):
    at = open_app(PAGE, {"followup_tab": "Calls of a dealer"})
    worst = sorted(scipy_fewer(tables, year))[0]
    at.selectbox(key="followup_dealer").set_value(worst).run()
    assert not at.exception
    want = independent.call_list(tables, year, worst)
    shown = next(d.value for d in at.dataframe if "call_id" in d.value.columns and "days_after_event" in d.value.columns)
    assert list(shown.columns) == ["call_id", "call_type", "call_outcome", "called_at", "days_after_event", "customer_id"]
    assert shown["call_id"].tolist() == want["call_id"].head(500).to_list()
    assert shown["days_after_event"].tolist() == want["days_after_event"].head(500).to_list()
    assert set(shown["call_outcome"]) <= {"Answered", "Refused", "Not reached"}
    assert any(f"**{want.height:,} call attempts**" in md.value for md in at.markdown)
    customer = want["customer_id"][0]
    at.selectbox(key="followup_customer").set_value(customer).run()
    links = [e.proto for e in at.get("page_link")]
    assert any(link.page == "customer" and link.query_string == f"customer_id={customer}" for link in links)
