"""The Sales forecast page under AppTest on the s mart: the history and the baseline's backtest figures
against independent Polars/NumPy, the plain-words answer (expected months, "n times as accurate") recomputed
independently, the measure and horizon controls, a group forecast, sparse slices, and the page in Chinese; the
data-quality and audit-log pages in Chinese."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import forecast
from queries.filters import Filters
from tests.apptest import APP, frame_with, open_app
from tests.independent import forecast as independent

PAGE = "views/forecast.py"


def open_page(query: dict | None = None) -> AppTest:
    return open_app(PAGE, query, timeout=180)


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

    scores = frame_with(at, "model", "is_chosen", "mase", "smape")
    baseline = scores[scores["is_baseline"]].iloc[0]
    figures = independent.seasonal_naive_backtest(want["units"].to_numpy())
    assert baseline["model"] == "Seasonal naive"
    assert baseline["mase"] == f"{figures['mase']:.3f}" and baseline["smape"] == f"{figures['smape']:.1f}"
    assert scores["is_chosen"].sum() == 1
    chosen = scores[scores["is_chosen"]].iloc[0]
    # The page forecasts the series it shows: the same model and numbers as a fit of the independent series.
    expected = forecast.forecast_series(want["units"].to_numpy(), want["month"].max())
    assert expected.baseline_score("mase") == pytest.approx(figures["mase"], rel=1e-9)
    assert expected.baseline_score("smape") == pytest.approx(figures["smape"], rel=1e-9)
    assert chosen["model"] == expected.model
    np.testing.assert_allclose(ahead["forecast"].to_numpy(), expected.forecast["forecast"].head(12).to_numpy())
    verdict = [s.value for s in at.success] + [w.value for w in at.warning]
    if chosen["model"] == "Seasonal naive":
        assert verdict == ["Over the last 12 months no forecasting method did better than simply repeating last "
                           "year's same month, so the forecast shown does just that."]
    else:
        assert expected.chosen_score("mase") < figures["mase"]
        # The factor: the baseline's backtest error (recomputed independently) / the chosen model's.
        factor = figures["mase"] / expected.chosen_score("mase")
        assert factor >= 1.1, "the s mart's national forecast should clearly beat the baseline"
        assert verdict == [f"Over the last 12 months this forecast was {factor:.1f}x more accurate than repeating "
                           f"last year's same month."]
    # No model name or accuracy measure in what is read first; they are in the analysts' expander.
    first_read = [md.value for md in at.markdown if md.value.startswith("**Expected")] + verdict
    assert not any(word in text for text in first_read for word in ("SARIMA", "ETS", "MASE", "sMAPE", "naive"))
    assert [e.label for e in at.expander if e.label == "How this is worked out"]


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
    assert not any("accuracy_verdict" in d.value.columns for d in at.dataframe)
    at.button(key="forecast_group_go").click().run()
    assert not at.exception
    answer = frame_with(at, "group_label", "expected_total", "expected_change", "accuracy_verdict")
    assert list(answer.columns) == ["group_label", "expected_total", "expected_change", "accuracy_verdict"]
    at.toggle(key="forecast_group_accuracy_details").set_value(True).run()   # the analysts' columns
    accuracy = frame_with(at, "group_label", "model", "beats_baseline", "baseline_mase", "accuracy_factor")
    groups = independent.group_history(tables, default_filters(as_of), "region")
    assert sorted(accuracy["group_label"]) == sorted(groups["group_key"].unique().to_list())  # 'HQ direct' in English
    last = groups["month"].max()
    beats = 0
    for row in accuracy.itertuples():
        part = groups.filter(pl.col("group_key") == row.group_label)
        y = part["units"].to_numpy()
        figures = independent.seasonal_naive_backtest(y)
        fit = forecast.forecast_series(y, last)   # the group's own fit of the independent series
        assert fit.baseline_score("mase") == pytest.approx(figures["mase"], rel=1e-9), row.group_label
        assert row.baseline_mase == f"{figures['mase']:.3f}" and row.mase == f"{fit.chosen_score('mase'):.3f}"
        assert row.model == fit.model and row.beats_baseline == (fit.chosen_score("mase") < figures["mase"])
        beats += row.beats_baseline
        if row.beats_baseline:
            factor = figures["mase"] / fit.chosen_score("mase")
            assert row.accuracy_factor == f"{factor:.2f}"
            assert row.accuracy_verdict == (f"{factor:.1f}x as accurate" if factor >= 1.1 else "slightly better")
        # The expected total: the next 12 months summed; its change on the same twelve months a year earlier,
        # summed from the raw rows.
        assert row.expected_total == f"{round(fit.forecast['forecast'].head(12).sum()):,} units"
        year_before = part.filter(pl.col("month") > forecast.add_months(last, -12))["units"].sum()
        assert row.expected_change == f"{100 * (fit.forecast['forecast'].head(12).sum() / year_before - 1):+.1f}%"
    assert any(md.value.startswith(f"{beats} of {len(accuracy)} forecasts were more accurate") for md in at.markdown)
    assert any("8 of 8 groups" in c.value for c in at.caption)
    charts = [c for c in at.get("plotly_chart")]
    assert len(charts) == 1 + len(accuracy)   # the slice's chart and one small chart per group
    # Asked again, the same groups come from the cache and the grid stays.
    at.radio(key="forecast_measure").set_value("units").run()
    assert frame_with(at, "group_label", "model", "beats_baseline").shape[0] == len(accuracy)
    # A filter change is a new question: the grid waits for a new click instead of refitting on every change.
    at.multiselect(key="segment").select("fleet").run()
    assert not at.exception
    assert not any(("accuracy_verdict" in d.value.columns) for d in at.dataframe)


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
    scores = frame_with(at, "model", "is_chosen", "mase")
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


def zh_month(day: date) -> str:
    return f"{day.year}年{day.month}月"


def test_the_forecast_reads_in_chinese_with_its_answer_first(app_env, tables, as_of):
    at = open_page({"lang": "zh"})
    assert [t.value for t in at.title] == ["销量预测"]
    assert at.radio(key="forecast_measure").label == "预测"
    assert at.radio(key="forecast_measure").options == ["销量（台）", "销售收入"]
    assert at.slider(key="forecast_horizon").label == "预测月数"
    assert at.selectbox(key="forecast_group_by").label == "预测"
    assert at.button(key="forecast_group_go").label == "预测各大区"
    assert [s.value for s in at.subheader] == ["分组预测"]

    # The headline, recomputed: the independent series' fit, the next 12 months summed, the same months a year
    # earlier summed from the raw rows, and the next month with its 80% range.
    want = independent.monthly_history(tables, default_filters(as_of))
    fit = forecast.forecast_series(want["units"].to_numpy(), want["month"].max())
    ahead = fit.forecast.head(12)
    total = ahead["forecast"].sum()
    year_before = want.tail(12)["units"].sum()
    change = total / year_before - 1
    nxt = ahead.row(0, named=True)
    direction = "多" if change > 0 else "少"
    expected = (f"**{zh_month(ahead['month'][0])}至{zh_month(ahead['month'][-1])}预计：{round(total):,} 台**，"
                f"比上年同期{direction} {abs(100 * change):.1f}%。下个月（{zh_month(nxt['month'])}）："
                f"{round(nxt['forecast']):,} 台，很可能在 {round(nxt['lower_80']):,} 至 {round(nxt['upper_80']):,} 台之间"
                f"（八成把握）。")
    assert expected in [md.value for md in at.markdown]

    factor = independent.seasonal_naive_backtest(want["units"].to_numpy())["mase"] / fit.chosen_score("mase")
    assert [s.value for s in at.success] == [f"在过去 12 个月里，这一预测的准确度是直接沿用去年同月数字的 {factor:.1f} 倍。"]
    assert [e.label for e in at.expander if e.label == "计算方法"]
    scores = frame_with(at, "model", "is_chosen", "mase")
    assert set(scores["fit_status"]) == {"正常"}

    at.button(key="forecast_group_go").click().run()
    assert not at.exception
    answer = frame_with(at, "group_label", "accuracy_verdict")
    assert "总部直销" in set(answer["group_label"])   # the SQL's 'HQ direct' group, translated
    assert all(v.startswith("准确度为 ") or v in ("不更准", "略准一些") for v in answer["accuracy_verdict"])
    assert any(md.value.startswith("8 个预测中有 ") for md in at.markdown)


def test_the_accuracy_sentence_says_plainly_when_the_model_is_no_better():
    scores = pl.DataFrame({"model": ["Seasonal naive", "ETS(A,Ad,A)"], "is_baseline": [True, False],
                           "mase": [1.0, 0.95], "smape": [20.0, 19.0]})
    slight = forecast.SeriesForecast(forecast.STATUS_OK, "", 48, "ETS(A,Ad,A)", "Seasonal naive", True, scores)
    from dashboard import forecasting

    assert forecasting.accuracy_factor(slight) == pytest.approx(1 / 0.95)
    assert forecasting.accuracy_sentence(slight) == (
        "Over the last 12 months this forecast was only slightly more accurate than repeating last year's same "
        "month (its errors were 5% smaller).")
    baseline = forecast.SeriesForecast(forecast.STATUS_OK, "", 48, "Seasonal naive", "Seasonal naive", False, scores)
    assert forecasting.accuracy_factor(baseline) is None
    assert forecasting.accuracy_sentence(baseline).startswith("Over the last 12 months no forecasting method did better")
    short = forecast.SeriesForecast(forecast.STATUS_OK, "", 20, "ETS(A,N,N)", "Naive", True,
                                    pl.DataFrame({"model": ["Naive", "ETS(A,N,N)"], "is_baseline": [True, False],
                                                  "mase": [1.2, 0.4], "smape": [30.0, 10.0]}))
    # A 20-month series is backtested over its last 10 months (10 are kept to fit), against the last month repeated.
    assert forecasting.accuracy_sentence(short) == (
        "Over the last 10 months this forecast was 3.0x more accurate than repeating the last month.")
    assert forecasting.too_short_sentence([0] * 4 + [3] * 4) == (
        "Not enough history to forecast: 8 months; a forecast needs at least 12.")
    assert forecasting.too_short_sentence([0] * 10 + [3] * 4) == (
        "Not enough history to forecast: sales in only 4 of 14 months; a forecast needs sales in at least 6.")


def test_data_quality_reads_in_chinese(app_env, tables):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("views/data_quality.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["数据质量"]
    assert [s.value for s in at.subheader] == ["数据表：行数与新鲜度", "为空的键列和关联列", "未关联行数", "数据加载与拒收"]
    rows = sum(tables[name].height for name in ("dealers", "products", "customers", "sales", "service_visits", "leads",
                                                "campaigns", "campaign_contacts", "complaints", "surveys"))
    assert any(md.value.startswith(f"**共 10 张表、{rows:,} 行**") for md in at.markdown)
    shown = at.dataframe[0].value
    assert shown.loc[shown["table_name"] == "service_visits", "table_label"].tolist() == ["售后进厂"]
    assert shown.loc[shown["table_name"] == "sales", "grain"].tolist() == ["每行一笔整车销售"]
    # The most often empty key column, recomputed from the raw rows: leads never contacted.
    leads = tables["leads"]
    share = leads["contacted_at"].null_count() / leads.height
    assert any(md.value.startswith(f"**最常为空：线索中的首次联系时间，占 {100 * share:.1f}% 的行**") for md in at.markdown)
    built = [md.value for md in at.markdown if md.value.startswith("构建于")]
    assert len(built) == 1 and "（规模 s，随机种子 7）" in built[0] and "00:00:00" not in built[0]
    assert any(i.value.startswith("尚无加载记录") for i in at.info)


def test_the_audit_log_reads_in_chinese(tmp_path, monkeypatch):
    from dashboard import audit
    from queries.access import Access

    monkeypatch.setenv("CRM_AUDIT", str(tmp_path / "audit.duckdb"))
    audit.record(Access("rm@example.com", "regional_manager", regions=("华东",)), "reveal", customer_id="C1",
                 reason="回访")
    audit.record(Access("cs@example.com", "customer_service"), "export", customer_id="C2", reason="投诉",
                 detail="customer_360 profile, 1 row")
    at = AppTest.from_file(str(Path(APP).parent / "views" / "audit_log.py"), default_timeout=30)
    at.session_state["access"] = Access("it@example.com", "admin")
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["审计日志"]
    assert any(md.value.startswith("**查看个人信息：1 次 · 导出含个人信息的文件：1 次**；最近一次在 ") and
               md.value.endswith("由 cs@example.com 操作。") for md in at.markdown)
    shown = at.dataframe[0].value
    assert shown[["user_id", "action", "role", "reason"]].values.tolist() == [
        ["cs@example.com", "导出个人信息", "客服", "投诉"], ["rm@example.com", "查看个人信息", "大区经理", "回访"]]
    assert list(shown.columns)[:5] == ["logged_at", "user_id", "action", "customer_id", "reason"]
