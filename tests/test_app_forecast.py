"""The Sales forecast page under AppTest on the s mart: the history and the baseline's backtest figures
against independent Polars/NumPy, the measure and horizon controls, a group forecast, and sparse slices."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import forecast
from queries import runner
from queries.filters import Filters
from tests.independent import forecast as independent

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "views/forecast.py"


@pytest.fixture(scope="module")
def as_of(s_mart):
    m = runner.connect(s_mart)
    try:
        return runner.run(m, "mart_info")["as_of_on"][0]
    finally:
        m.close()


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def frame_with(at: AppTest, *columns: str):
    for df in at.dataframe:
        value = df.value
        if all(c in value.columns for c in columns):
            return value
    raise AssertionError(f"no table with {columns} among {[list(d.value.columns) for d in at.dataframe]}")


def default_filters(as_of) -> Filters:
    return Filters(start_on=as_of - timedelta(days=364), end_on=as_of)


def test_the_page_shows_the_history_and_the_backtest_against_the_baseline(app_env, tables, as_of):
    at = open_page()
    want = independent.monthly_history(tables, default_filters(as_of))
    rows = frame_with(at, "month", "actual", "forecast")
    history = rows[rows["actual"].notna()]
    assert [d.date() if hasattr(d, "date") else d for d in history["month"]] == want["month"].to_list()
    assert history["actual"].tolist() == want["units"].cast(pl.Float64).to_list()
    ahead = rows[rows["forecast"].notna()]
    assert len(ahead) == 12  # the default horizon
    assert (ahead["lower_95"] <= ahead["lower_80"]).all() and (ahead["upper_80"] <= ahead["upper_95"]).all()

    scores = frame_with(at, "model", "chosen", "mase", "smape")
    baseline = scores[scores["is_baseline"]].iloc[0]
    figures = independent.seasonal_naive_backtest(want["units"].to_numpy())
    assert baseline["model"] == "Seasonal naive"
    assert baseline["mase"] == pytest.approx(figures["mase"], rel=1e-9)
    assert baseline["smape"] == pytest.approx(figures["smape"], rel=1e-9)
    assert scores["chosen"].sum() == 1
    chosen = scores[scores["chosen"]].iloc[0]
    # The page forecasts the series it shows: the same model and numbers as a fit of the independent series.
    expected = forecast.forecast_series(want["units"].to_numpy(), want["month"].max())
    assert chosen["model"] == expected.model
    np.testing.assert_allclose(ahead["forecast"].to_numpy(), expected.forecast["forecast"].head(12).to_numpy())
    verdict = [s.value for s in at.success] + [w.value for w in at.warning]
    if chosen["model"] == "Seasonal naive":
        assert any(v.startswith("No model beats the seasonal naive baseline") for v in verdict)
    else:
        assert chosen["mase"] < baseline["mase"]
        assert any(v.startswith(f"{chosen['model']} beats the seasonal naive baseline") for v in verdict)


def test_revenue_for_six_months_of_a_region(app_env, tables, as_of):
    region = tables["dealers"].sort("dealer_id")["region"][0]
    at = open_page({"region": region})
    at.radio(key="forecast_measure").set_value("revenue").run()
    at.slider(key="forecast_horizon").set_value(6).run()
    assert not at.exception
    rows = frame_with(at, "month", "actual", "forecast")
    want = independent.monthly_history(tables, replace(default_filters(as_of), region=region))
    assert rows["actual"].dropna().to_numpy() == pytest.approx(want["revenue"].to_numpy(), rel=1e-9)
    assert rows["forecast"].notna().sum() == 6
    assert any("Next month" in md.value and "¥" in md.value for md in at.markdown)


def test_one_click_forecasts_each_region_with_its_accuracy(app_env, tables, as_of):
    at = open_page()
    assert not any("beats_baseline" in d.value.columns for d in at.dataframe)
    at.button(key="forecast_group_go").click().run()
    assert not at.exception
    accuracy = frame_with(at, "group", "model", "beats_baseline", "baseline_mase")
    groups = independent.group_history(tables, default_filters(as_of), "region")
    assert sorted(accuracy["group"]) == sorted(groups["group_key"].unique().to_list())
    for row in accuracy.itertuples():
        y = groups.filter(pl.col("group_key") == row.group)["units"].to_numpy()
        figures = independent.seasonal_naive_backtest(y)
        assert row.status == forecast.STATUS_OK
        assert row.baseline_mase == pytest.approx(figures["mase"], rel=1e-9), row.group
        assert row.beats_baseline == (row.mase < row.baseline_mase)
    assert any("8 of 8 groups" in c.value for c in at.caption)
    # Asked again, the same groups come from the cache and the grid stays.
    at.radio(key="forecast_measure").set_value("units").run()
    assert frame_with(at, "group", "model", "beats_baseline").shape[0] == len(accuracy)
    # A filter change is a new question: the grid waits for a new click instead of refitting on every change.
    at.multiselect(key="segment").select("fleet").run()
    assert not at.exception
    assert not any(("beats_baseline" in d.value.columns) for d in at.dataframe)


def test_a_new_dealer_gets_short_series_models_and_too_little_history_is_said_plainly(app_env, tables, as_of):
    first = tables["sales"].drop_nulls("dealer_id").group_by("dealer_id").agg(pl.col("sold_on").min())
    newest = first.sort(["sold_on", "dealer_id"], descending=[True, False]).row(0, named=True)
    dealer = tables["dealers"].filter(pl.col("dealer_id") == newest["dealer_id"]).row(0, named=True)
    label = f"{dealer['dealer_name']} (#{dealer['dealer_id']})"
    at = open_page({"region": dealer["region"], "province": dealer["province"], "dealer": label})
    assert at.selectbox(key="dealer").value == dealer["dealer_id"]
    months = independent.monthly_history(tables, replace(default_filters(as_of), dealer_id=dealer["dealer_id"])).height
    assert 12 <= months < 36, "the s mart's newest dealer should be a short series"
    assert any("seasonal models need 36" in c.value for c in at.caption)
    scores = frame_with(at, "model", "chosen", "mase")
    assert set(scores["model"]) == {c.name for c in forecast.SHORT_SET}

    # Eight months after its first sale the dealer has too little history: a message, the history, no forecast.
    opened = newest["sold_on"].replace(day=1)
    end = date(opened.year + (opened.month + 7) // 12, (opened.month + 7) % 12 + 1, 1) - timedelta(days=1)
    at.date_input(key="period").set_value((end - timedelta(days=90), end)).run()
    assert not at.exception
    assert any(i.value.startswith("Not enough history to forecast: 8 months") for i in at.info)
    rows = frame_with(at, "month", "actual")
    assert len(rows) == 8 and "forecast" not in rows.columns


def test_a_slice_without_sales_shows_a_message(app_env, tables):
    newest = tables["products"].drop_nulls("launched_on").sort("launched_on")[-1]
    launched = newest["launched_on"][0]
    at = open_page({"product": newest["product_name"][0]})
    first = at.date_input(key="period").min
    at.date_input(key="period").set_value((first, launched - timedelta(days=1))).run()
    assert not at.exception
    assert any("No sales in this slice" in i.value for i in at.info)
