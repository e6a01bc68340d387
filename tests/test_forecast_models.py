"""analytics/forecast.py on its own: the accuracy measures from their definitions, a known trend and season
recovered, intervals that cover held-out months at about their level, a backtest that never sees past its
origin, the baseline named plainly when it wins, and short or sparse series refused or tamed, not crashed."""
from __future__ import annotations

import math
import warnings
from datetime import date

import numpy as np
import polars as pl
import pytest

from analytics import forecast
from tests.independent.forecast import seasonal_naive_backtest


def seasonal_trend(n: int, seed: int, noise: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n)
    truth = 200 + 3 * t + 30 * np.sin(2 * np.pi * t / 12)
    return truth + np.random.default_rng(seed).normal(0, noise, n), truth


def local_level_series(seed: int, n: int = 72) -> np.ndarray:
    """A drifting level (random walk with drift), a season with a random phase and noise: what sales look like."""
    rng = np.random.default_rng(100 + seed)
    level = 300 + np.cumsum(rng.normal(1.5, 4, n))
    season = 40 * np.sin(2 * np.pi * (np.arange(n) + rng.integers(12)) / 12)
    return level + season + rng.normal(0, 8, n)


def test_mase_and_smape_follow_their_definitions():
    actual, predicted = [10.0, 0.0, 5.0], [8.0, 0.0, 10.0]
    # mean |error| = 7/3; scale 2 -> 7/6. sMAPE terms: 200*2/18, 0 (both zero), 200*5/15.
    assert forecast.mase(actual, predicted, 2.0) == pytest.approx(7 / 6)
    assert forecast.smape(actual, predicted) == pytest.approx((400 / 18 + 0 + 1000 / 15) / 3)
    assert forecast.mase_scale([1.0, 2.0, 3.0, 5.0], 1) == pytest.approx(4 / 3)
    assert forecast.mase_scale(np.r_[np.zeros(12), np.full(12, 2.0)], 12) == pytest.approx(2.0)
    assert math.isnan(forecast.mase(actual, predicted, 0.0))


def test_a_trend_with_a_season_is_recovered():
    """Five years of a line plus a yearly wave plus noise: next year's forecast follows the true line and wave."""
    y, truth = seasonal_trend(72, seed=0)
    result = forecast.forecast_series(y[:60], date(2025, 12, 1))
    assert result.status == forecast.STATUS_OK and result.beats_baseline
    assert result.model != "Seasonal naive"
    got = result.forecast["forecast"].to_numpy()[:12]
    want = truth[60:]
    assert np.mean(np.abs(got - want) / want) < 0.04
    assert np.max(np.abs(got - want)) < 0.6 * 30  # within a fraction of the season's amplitude every month
    # The month-to-month shape is the season's, not a flat or shifted line.
    assert np.corrcoef(np.diff(got), np.diff(want))[0, 1] > 0.9
    assert result.forecast["month"].to_list()[:2] == [date(2026, 1, 1), date(2026, 2, 1)]
    assert result.forecast.height == forecast.HORIZON


def test_intervals_cover_held_out_months_at_about_their_level():
    """Sixteen made-up sales series, each fitted on five years and checked on the next twelve months.
    Also runs them in the worker processes, and checks that two of them match a fit in this process."""
    series = {str(s): (local_level_series(s)[:60], None) for s in range(16)}
    results = forecast.forecast_many(series, workers=2)
    inside_80 = inside_95 = total = 0
    for s in range(16):
        fc = results[str(s)].forecast.head(12)
        actual = local_level_series(s)[60:]
        lo80, hi80, lo95, hi95 = (fc[c].to_numpy() for c in ("lower_80", "upper_80", "lower_95", "upper_95"))
        assert np.all(lo95 <= lo80) and np.all(lo80 <= fc["forecast"].to_numpy()) and np.all(hi80 <= hi95)
        inside_80 += int(np.sum((actual >= lo80) & (actual <= hi80)))
        inside_95 += int(np.sum((actual >= lo95) & (actual <= hi95)))
        total += len(actual)
    # 192 months, correlated within a series: wide enough bands to hold, narrow enough to catch a wrong level.
    assert 0.65 <= inside_80 / total <= 0.93
    assert 0.85 <= inside_95 / total <= 1.0
    for key in ("0", "5"):
        alone = forecast.forecast_series(*series[key])
        assert alone.model == results[key].model
        assert alone.forecast.equals(results[key].forecast)


SINGLE_MODELS = [c for c in forecast.SEASONAL_SET + forecast.SHORT_SET[1:] if c.kind != "combination"]


@pytest.mark.parametrize("candidate", SINGLE_MODELS, ids=lambda c: f"{c.name}{' seasonal' * c.seasonal}")
def test_the_backtest_never_sees_past_its_origin(candidate):
    """A forecast from an origin must not change when the months after that origin do."""
    y, _ = seasonal_trend(60, seed=3)
    first = 48
    fitted = forecast.fit(candidate, y[:first])
    origin = 51
    before = fitted.predict_from(y, origin, 9)
    changed = y.copy()
    changed[origin:] = changed[origin:] * 5 + 1000
    after = forecast.fit(candidate, y[:first]).predict_from(changed, origin, 9)
    np.testing.assert_allclose(before, after, rtol=1e-9)
    assert len(before) == 9 and np.all(np.isfinite(before))


def test_the_seasonal_naive_figures_match_their_definition():
    y, _ = seasonal_trend(60, seed=1, noise=10)
    scores = forecast.backtest(y, forecast.plan_for(60))
    baseline = scores.filter(pl.col("is_baseline")).row(0, named=True)
    want = seasonal_naive_backtest(y)
    assert baseline["model"] == "Seasonal naive"
    assert baseline["mase"] == pytest.approx(want["mase"], rel=1e-9)
    assert baseline["smape"] == pytest.approx(want["smape"], rel=1e-9)
    assert baseline["count_errors"] == want["count_errors"] == 12 + 9 + 6 + 3


def test_when_no_model_beats_the_seasonal_naive_the_page_is_told_so():
    """A season that repeats exactly after two noisy years: last year's month is the best forecast there is."""
    pattern = np.array([50, 40, 70, 65, 60, 62, 58, 66, 72, 68, 75, 90], dtype=float)
    y = np.tile(pattern, 5)
    y[:24] += np.random.default_rng(5).normal(0, 8, 24)
    result = forecast.forecast_series(y)
    assert result.status == forecast.STATUS_OK
    assert result.model == "Seasonal naive" and not result.beats_baseline
    assert result.message.startswith("No model beats the seasonal naive baseline")
    np.testing.assert_allclose(result.forecast["forecast"].to_numpy()[:12], pattern)


def test_too_little_history_is_refused_in_words():
    result = forecast.forecast_series([5.0, 7.0, 6.0, 9.0, 4.0, 8.0, 6.0, 7.0])
    assert result.status == forecast.STATUS_TOO_SHORT
    assert result.message == "Not enough history to forecast: 8 months of history; a forecast needs at least 12."
    assert result.forecast.is_empty()
    sparse = np.zeros(30)
    sparse[[3, 11, 19, 27]] = 1
    result = forecast.forecast_series(sparse)
    assert result.status == forecast.STATUS_TOO_SHORT and "sales in only 4 of 30 months" in result.message


def test_a_short_series_gets_non_seasonal_models_and_the_naive_baseline():
    """A dealer open for twenty months: no seasonal terms from less than two years, and a sane line."""
    y = 20 + np.arange(20) * 0.8 + np.random.default_rng(2).normal(0, 2, 20)
    result = forecast.forecast_series(y)
    assert result.status == forecast.STATUS_OK
    assert result.baseline == "Naive"
    assert set(result.scores["model"]) == {c.name for c in forecast.SHORT_SET}
    assert any("seasonal models need 36" in note for note in result.notes)
    fc = result.forecast["forecast"].to_numpy()
    assert np.all(np.isfinite(fc)) and fc.min() >= 0 and fc.max() < 3 * y.max()


def test_an_intermittent_series_gives_no_wild_line():
    """A small dealer selling 0-2 cars a month: no crash, no negative sales, nothing above three times its best month."""
    y = np.random.default_rng(11).poisson(0.7, 48).astype(float)
    result = forecast.forecast_series(y)
    assert result.status == forecast.STATUS_OK
    fc = result.forecast
    assert fc["lower_95"].min() >= 0
    assert fc["upper_95"].max() < 10 * max(y.max(), 1)
    assert fc["forecast"].max() <= forecast.WILD_FACTOR * y.max()


def test_a_constant_series_and_a_failing_fit_do_not_crash():
    result = forecast.forecast_series(np.full(40, 3.0))
    assert result.status == forecast.STATUS_OK
    np.testing.assert_allclose(result.forecast["forecast"].to_numpy(), 3.0)


def test_non_convergence_is_recorded_and_left_out_of_the_choice():
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    class Fitted(forecast._Fitted):
        pass

    fitted = Fitted()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning must not escape
        forecast._quietly(lambda: warnings.warn("no luck", ConvergenceWarning), fitted)
    assert fitted.converged is False
    scores = pl.DataFrame({
        "model": ["Seasonal naive", "A", "B"], "is_baseline": [True, False, False], "mase": [1.0, 0.2, 0.5],
        "smape": [10.0, 2.0, 5.0], "count_errors": [30, 30, 30], "converged": [True, False, True],
        "status": ["ok", "ok", "ok"], "note": [None, None, None],
    })
    assert forecast.choose(scores) == "B"
    assert forecast.choose(scores.with_columns(converged=pl.lit(False))) == "Seasonal naive"


def test_a_real_series_the_project_did_not_make():
    """Eurostat's euro-area turnover index of electrical equipment makers (statsmodels' elec_equip, monthly,
    1995-2016, not seasonally adjusted): a statsmodels model beats last year's month in the backtest."""
    from statsmodels.datasets import elec_equip

    y = elec_equip.load().data.iloc[:, 0].to_numpy(dtype=float)
    result = forecast.forecast_series(y)
    assert result.status == forecast.STATUS_OK and result.n_months == 257
    assert result.beats_baseline
    assert result.chosen_score("mase") < result.baseline_score("mase")
    baseline = seasonal_naive_backtest(y)
    assert result.baseline_score("mase") == pytest.approx(baseline["mase"], rel=1e-9)


def test_theta_is_hyndman_and_billahs_formula():
    """Theta (theta = 2) = simple exponential smoothing plus half the OLS slope, damped by the smoothing weight
    (Hyndman & Billah 2003, eq. 3), recomputed here from its two parameters."""
    y = local_level_series(1, 40)
    fitted = forecast.fit(forecast.THETA_SHORT, y)
    alpha = float(fitted.result.params["alpha"])
    n = len(y)
    slope = np.polyfit(np.arange(n), y, 1)[0]
    level = y[0]
    for value in y:
        level = alpha * value + (1 - alpha) * level
    h = np.arange(1, 13)
    want = 0.5 * slope * (h - 1 + 1 / alpha - (1 - alpha) ** n / alpha) + level
    np.testing.assert_allclose(fitted.forecast(12)[0], want, rtol=1e-9)


def test_the_combination_is_the_median_of_the_models_that_fitted():
    y = local_level_series(2, 60)
    plan = forecast.plan_for(60)
    scores = forecast.backtest(y, plan)
    members = forecast.combined_members(scores, plan)
    assert [m.name for m in members] == ["ETS(A,Ad,N)", "ETS(A,N,A)", "ETS(A,Ad,A)", "SARIMA(0,1,1)(0,1,1)12", "Theta"]
    # its backtest: the median of the members' own backtest paths, scored like any model
    first = plan.origins[0]
    fits = [forecast.fit(m, y[:first]) for m in members]
    actual, predicted = [], []
    for origin in plan.origins:
        steps = min(plan.horizon, len(y) - origin)
        actual.append(y[origin: origin + steps])
        predicted.append(np.median([f.predict_from(y, origin, steps) for f in fits], axis=0))
    want = forecast.mase(np.concatenate(actual), np.maximum(np.concatenate(predicted), 0), forecast.mase_scale(y[:first], 12))
    row = scores.filter(pl.col("model") == "Median of the models").row(0, named=True)
    assert row["status"] == "ok" and row["mase"] == pytest.approx(want, rel=1e-12)
    # its forecast and bounds: the medians of the members' fitted on the whole history
    combined = forecast.fit(forecast.COMBINATION, y, members).forecast(6)
    parts = [forecast.fit(m, y).forecast(6) for m in members]
    for i in range(5):
        np.testing.assert_allclose(combined[i], np.median([p[i] for p in parts], axis=0), rtol=1e-12)
    # a model that failed in the backtest is not a member
    failed = scores.with_columns(status=pl.when(pl.col("model") == "Theta").then(pl.lit("failed")).otherwise("status"))
    assert "Theta" not in [m.name for m in forecast.combined_members(failed, plan)]


def test_the_chosen_forecast_beats_the_seasonal_naive_and_theta_on_real_series():
    """Out of sample on five real monthly series (bench/real_series.py names them), four origins each: the page's
    procedure (backtest, choice, forecast) has a lower mean MASE and sMAPE over the 12 held-out months than the
    seasonal naive and than Theta alone. The README's forecast section quotes these figures."""
    from bench import real_series

    results = real_series.judge()
    assert results.height == 20 and results["series"].n_unique() == 5
    means = results.select(pl.col("^mase_.*$|^smape_.*$").mean()).row(0, named=True)
    assert means["mase_chosen"] < means["mase_seasonal_naive"] and means["mase_chosen"] < means["mase_theta"]
    assert means["smape_chosen"] < means["smape_seasonal_naive"] and means["smape_chosen"] < means["smape_theta"]
