"""Targets on the real app under AppTest: the overview's attainment and projection tiles and sentence against
independent Polars, the scorecard ranked by attainment (the planted dealers first and last), the region x month heat
map and its sentence, in English and Chinese; and under a product, segment or channel filter a note instead of any
attainment (filtered sales are never compared with whole targets)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest

from dashboard import formats
from queries.filters import Filters
from tests.apptest import chart, downloaded, expander, frame_with, open_app, recording_downloads
from tests.independent import targets as independent

NOTE = "Targets are set for a dealer's whole business"
NOTE_ZH = "指标针对经销商的全部业务设定"


def year(as_of) -> Filters:
    return Filters(start_on=as_of - timedelta(days=364), end_on=as_of)


def percent(value) -> str:
    return f"{round(100 * value)}%"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_overview_shows_attainment_and_projection_against_polars(app_env, tables, as_of):
    at = open_app()
    want = independent.attainment(tables, year(as_of), as_of)
    shown = metrics(at)
    assert shown["Target attainment (units)"] == percent(want["units_attainment"])
    assert shown["Target attainment (revenue)"] == percent(want["revenue_attainment"])
    day = formats.day(want["projection_end_on"])
    assert shown["Projection (units)"] == percent(want["projected_units_attainment"])
    assert shown["Projection (revenue)"] == percent(want["projected_revenue_attainment"])
    sentence = next(m.value for m in at.markdown if m.value.startswith("Units sold reached"))
    assert sentence.startswith(f"Units sold reached {percent(want['units_attainment'])} of target "
                               f"({want['units']:,} of {round(want['units_target']):,}) and sales revenue "
                               f"{percent(want['revenue_attainment'])}")
    captions = [c.value for c in at.caption]
    assert f"about {want['projected_units']:,.0f}, against a target of {round(want['projected_units_target']):,} by {day}" in captions
    # the page says what the projection is: here the period ends with a whole month
    assert any(c.startswith("Projection: the period ends with a whole month") for c in captions)
    assert f"{want['units']:,} sold by dealers, against a target of {round(want['units_target']):,}" in captions
    assert not any(NOTE in i.value for i in at.info)


def test_the_overview_attainment_follows_the_region_filter(app_env, tables, as_of):
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at = open_app(query={"region": region})
    want = independent.attainment(tables, replace(year(as_of), region=region), as_of)
    assert metrics(at)["Target attainment (revenue)"] == percent(want["revenue_attainment"])


@pytest.mark.parametrize("query", [("segment", "fleet"), ("channel", "walk_in"), ("product", None)])
def test_a_product_segment_or_channel_filter_shows_the_note_not_attainment(app_env, tables, query):
    key, value = query
    at = open_app()
    assert any(m.label == "Target attainment (units)" for m in at.metric)
    # the filter bar's stored values (a link carries their labels)
    value = value or tables["products"].sort("product_id")["product_id"][0]
    at.multiselect(key=key).select(value).run()
    assert not at.exception
    assert any(NOTE in i.value for i in at.info), query
    assert not [m for m in at.metric if "attainment" in m.label.lower()], query
    assert not any(m.value.startswith("Units sold reached") for m in at.markdown)

    at.switch_page("views/dealer_scorecard.py").run()
    assert not at.exception
    at.selectbox(key="rank_by").select("revenue_attainment").run()
    assert not at.exception
    # one note above the (absent) ranking and one in place of the heat map; no chart of attainment, no numbers
    assert sum(NOTE in i.value for i in at.info) == 2
    assert not [c for c in at.get("plotly_chart")]
    table = frame_with(at, "rank", "revenue_attainment")
    assert table["rank"].astype(str).eq("—").all() and table["revenue_attainment"].astype(str).eq("—").all()


@pytest.mark.parametrize("measure", ["revenue_attainment", "units_attainment"])
def test_the_scorecard_ranks_by_attainment_with_the_planted_dealers_first_and_last(app_env, tables, as_of, measure):
    at = open_app("views/dealer_scorecard.py")
    at.selectbox(key="rank_by").select(measure).run()
    assert not at.exception
    want = independent.dealers(tables, year(as_of))
    table = frame_with(at, "rank", measure, "region_figure", "national_figure")
    ahead = set(want.filter(pl.col(measure) > 1.10)["dealer_id"])
    behind = set(want.filter(pl.col(measure) < 0.80)["dealer_id"])
    names = dict(tables["dealers"].select("dealer_name", "dealer_id").iter_rows())
    shown = [names[n] for n in table["dealer_name"]]
    assert set(shown[: len(ahead)]) == ahead and set(shown[-len(behind):]) == behind
    # the yardstick: the nation's attainment as sums, in the sentence and the table
    actual, target = {"revenue_attainment": ("sales_revenue", "revenue_target"),
                      "units_attainment": ("units", "units_target")}[measure]
    national = want[actual].sum() / want[target].sum()
    assert table["national_figure"].iloc[0] == pytest.approx(national)
    label = {"revenue_attainment": "target attainment (revenue)", "units_attainment": "target attainment (units)"}[measure]
    assert any(m.value.startswith(f"**National {label}: {formats.percent(national)}**") for m in at.markdown)
    spec = chart(at, "Target attainment")
    assert spec["data"][0]["x"][0] == pytest.approx(table[measure].iloc[0])


def test_the_heat_map_answers_in_a_sentence_and_draws_region_by_month(app_env, tables, as_of):
    at = open_app("views/dealer_scorecard.py")
    f = year(as_of)
    regions = independent.roll_up(independent.dealers(tables, f), ["region"])
    ahead = int((regions["revenue_attainment"] >= 1).sum())
    lowest = regions.sort("revenue_attainment").row(0, named=True)
    assert any(m.value == f"**{ahead} of {regions.height} regions are at or above their revenue target in this "
                          f"period; {lowest['region']} is lowest at {percent(lowest['revenue_attainment'])}.**"
               for m in at.markdown)
    spec = chart(at, "Target attainment (revenue) by region and month")
    heat = spec["data"][0]
    assert heat["type"] == "heatmap" and heat["zmid"] == 1.0
    # lowest region first, the total last; one row per month of the period
    assert heat["x"][0] == lowest["region"] and heat["x"][-1] == "Total" and len(heat["x"]) == regions.height + 1
    assert len(heat["y"]) == len(independent.months_of(f.start_on, f.end_on))
    per = independent.roll_up(independent.monthly(tables, f), ["region", "month"])
    first_month = min(per["month"])
    cell = per.filter((pl.col("region") == lowest["region"]) & (pl.col("month") == first_month))
    assert heat["z"][0][0] == pytest.approx(cell["revenue_attainment"][0])
    assert heat["text"][0][0] == percent(cell["revenue_attainment"][0])

    at.segmented_control(key="heat_measure").set_value("units_attainment").run()
    assert not at.exception
    assert any("regions are at or above their units target" in m.value for m in at.markdown)


def test_a_region_of_many_dealers_draws_the_lowest_and_the_downloads_hold_every_month(app_env, tables, as_of, mart,
                                                                                       monkeypatch):
    """A region of 290 dealers drew 290 slivers of columns (0.4 MB of figure): past HEAT_MAP_AREAS the dealers with
    the lowest attainment over the period are drawn, with the total and a line saying so; the sentence counts every
    dealer, the rows behind it show the first ROW_LIMIT and the downloads hold every dealer's months."""
    from dashboard import components, targets
    from dashboard.keys import shorten
    from queries import runner

    monkeypatch.setattr(targets, "HEAT_MAP_AREAS", 8)
    monkeypatch.setattr(components, "ROW_LIMIT", 50)
    files = recording_downloads(monkeypatch)
    region = tables["dealers"]["region"].value_counts(sort=True)["region"][0]
    f = replace(year(as_of), region=region)
    per_dealer = independent.dealers(tables, f).sort("revenue_attainment")
    assert per_dealer.height > 8

    at = open_app("views/dealer_scorecard.py", query={"region": region})
    heat = chart(at, "Target attainment (revenue) by dealer and month")["data"][0]
    names = dict(tables["dealers"].select("dealer_id", "dealer_name").iter_rows())
    assert heat["x"] == [shorten(names[d], 6) for d in per_dealer["dealer_id"].head(8)] + ["Total"]
    per_month = independent.roll_up(independent.monthly(tables, f), ["month"]).sort("month")
    assert [row[-1] for row in heat["z"]] == pytest.approx(per_month["revenue_attainment"].to_list())
    captions = [c.value for c in at.caption]
    assert (f"The 8 dealers with the lowest attainment over the period are drawn, of {per_dealer.height}. Rank the "
            "dealers above by target attainment to see them all; every dealer's months are in the downloads under "
            "“Rows and SQL” below.") in captions
    ahead = int((per_dealer["revenue_attainment"] >= 1).sum())
    assert any(m.value.startswith(f"**{ahead} of {per_dealer.height} dealers are at or above their revenue target")
               for m in at.markdown)

    rows = runner.run(mart, "target_attainment_monthly", f)
    assert rows.height > 50
    part = expander(at, "Rows and SQL: Attainment by region and month")
    assert len(part.dataframe[0].value) == 50
    assert part.caption[0].value == (f"The first 50 of {rows.height:,} rows are shown; the CSV and Excel downloads "
                                     f"hold all {rows.height:,}.")
    monthly = independent.monthly(tables, f)
    for file_name in ("attainment_by_region_and_month.csv", "attainment_by_region_and_month.xlsx"):
        got = downloaded(files, file_name)
        assert got.height == rows.height, file_name
        dealer_rows = got.filter(pl.col("Level") == "dealer")
        assert dealer_rows["Dealer no."].n_unique() == per_dealer.height, file_name
        assert dealer_rows["Sales revenue"].cast(pl.Float64).sum() == pytest.approx(
            float(monthly["sales_revenue"].sum())), file_name


def test_the_targets_read_in_chinese(app_env, tables, as_of):
    at = open_app(lang="zh")
    want = independent.attainment(tables, year(as_of), as_of)
    shown = metrics(at)
    assert shown["指标完成率（销量）"] == percent(want["units_attainment"])
    assert shown["指标完成率（销售额）"] == percent(want["revenue_attainment"])
    assert any(s.value == "指标完成情况" for s in at.subheader)
    assert any(m.value.startswith(f"销量完成指标的 {percent(want['units_attainment'])}") for m in at.markdown)

    at = open_app("views/dealer_scorecard.py", lang="zh")
    assert any(s.value == "各大区逐月指标完成情况" for s in at.subheader)
    regions = independent.roll_up(independent.dealers(tables, year(as_of)), ["region"])
    ahead = int((regions["revenue_attainment"] >= 1).sum())
    assert any(m.value.startswith(f"**本期 {regions.height} 个大区中有 {ahead} 个完成销售额指标") for m in at.markdown)
    assert chart(at, "指标完成率（销售额）：按")

    at.multiselect(key="segment").select("fleet").run()
    assert any(NOTE_ZH in i.value for i in at.info)
