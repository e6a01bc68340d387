"""Monthly sales forecasts: statsmodels candidates chosen per series by a rolling-origin backtest against a
naive baseline, with 80% and 95% prediction intervals, and a clear refusal where the history is too short.

The backtest is honest in the sense that matters for choosing a model: every forecast it scores is made
from data before its origin only. Each candidate's parameters are estimated once, on the months before the
first origin, and kept for the later origins, whose states are updated with the months up to them (the
"fixed-parameter" rolling origin). Re-estimating at every origin would cost four times the fits for the
same comparison, and a page must answer in seconds, not minutes.

statsmodels is imported inside the functions that fit, so importing this module is cheap.
"""
from __future__ import annotations

import math
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

import numpy as np
import polars as pl

SEASON = 12  # months
HORIZON = 18  # every forecast is made this far ahead; a page shows the first 1-18 months of it
BACKTEST_HORIZON = 12
ORIGIN_STEP = 3
MIN_MONTHS = 12  # fewer and nothing is forecast
MIN_SELLING_MONTHS = 6  # months with any sale: fewer and the series is too sparse to forecast
SEASONAL_MIN_MONTHS = 36  # two seasons to estimate the seasonal terms plus one season held out to judge them
MIN_TRAIN_SHORT = 10  # a short series keeps this many months to fit before the first origin (ETS's heuristic start needs 10)
WILD_FACTOR = 3.0  # a forecast above 3x the history's largest month is a runaway, not a forecast
Z80 = 1.2815515655446004
Z95 = 1.959963984540054

STATUS_OK = "ok"
STATUS_TOO_SHORT = "too short"


@dataclass(frozen=True)
class Candidate:
    name: str
    kind: str  # naive | ets | sarimax | theta | combination
    seasonal: bool
    options: tuple = ()

    def opts(self) -> dict:
        return dict(self.options)


SEASONAL_NAIVE = Candidate("Seasonal naive", "naive", True)
NAIVE = Candidate("Naive", "naive", False)
ETS_ANN = Candidate("ETS(A,N,N)", "ets", False, (("trend", None), ("damped_trend", False), ("seasonal", None)))
ETS_AADN = Candidate("ETS(A,Ad,N)", "ets", False, (("trend", "add"), ("damped_trend", True), ("seasonal", None)))
ETS_ANA = Candidate("ETS(A,N,A)", "ets", True, (("trend", None), ("damped_trend", False), ("seasonal", "add")))
ETS_AADA = Candidate("ETS(A,Ad,A)", "ets", True, (("trend", "add"), ("damped_trend", True), ("seasonal", "add")))
SARIMA_AIRLINE = Candidate("SARIMA(0,1,1)(0,1,1)12", "sarimax", True, (("order", (0, 1, 1)), ("seasonal_order", (0, 1, 1, SEASON))))
ARIMA_011 = Candidate("ARIMA(0,1,1)", "sarimax", False, (("order", (0, 1, 1)), ("seasonal_order", (0, 0, 0, 0))))
# The Theta method (Assimakopoulos & Nikolopoulos 2000; Hyndman & Billah 2003: simple exponential smoothing with
# drift), on the seasonally adjusted series when the season tests significant: the M3 competition's winner and a
# hard benchmark for monthly business series.
THETA = Candidate("Theta", "theta", True)
THETA_SHORT = Candidate("Theta", "theta", False)
# The median, month by month, of the forecasts of every other model that fitted (the baseline aside). Combining
# forecasts is the most reliable gain the forecasting competitions found (M4: Makridakis et al. 2020); the median
# ignores one model running off. The members are fixed by this rule, not picked by their scores, so the backtest
# judges the combination as fairly as the single models.
COMBINATION = Candidate("Median of the models", "combination", False)

# A long series gets the seasonal models and the seasonal-naive baseline; a short one (under three years)
# cannot estimate twelve seasonal terms honestly and gets non-seasonal models judged against the naive one.
SEASONAL_SET = (SEASONAL_NAIVE, ETS_AADN, ETS_ANA, ETS_AADA, SARIMA_AIRLINE, THETA, COMBINATION)
SHORT_SET = (NAIVE, ETS_ANN, ETS_AADN, ARIMA_011, THETA_SHORT, COMBINATION)
CANDIDATE_NAMES = tuple(c.name for c in SEASONAL_SET + SHORT_SET)


@dataclass
class SeriesForecast:
    """What a page needs to show one series' forecast and how far to trust it."""

    status: str  # ok | too short
    message: str  # one plain sentence for the person reading the page
    n_months: int
    model: str | None = None  # the chosen candidate
    baseline: str | None = None
    beats_baseline: bool = False
    scores: pl.DataFrame = field(default_factory=pl.DataFrame)  # one row per candidate: the backtest's figures
    forecast: pl.DataFrame = field(default_factory=pl.DataFrame)  # one row per month ahead
    notes: list[str] = field(default_factory=list)
    fit_seconds: float = 0.0

    def chosen_score(self, column: str) -> float | None:
        return _score_of(self.scores, self.model, column)

    def baseline_score(self, column: str) -> float | None:
        return _score_of(self.scores, self.baseline, column)


# --- accuracy measures --------------------------------------------------------------------------------


def mase_scale(train: np.ndarray, season: int) -> float:
    """The in-sample mean absolute error of the (seasonal) naive forecast: MASE's unit."""
    train = np.asarray(train, dtype=float)
    if len(train) <= season:
        return math.nan
    return float(np.mean(np.abs(train[season:] - train[:-season])))


def mase(actual, predicted, scale: float) -> float:
    """Mean absolute error in units of `scale`; below 1 beats the in-sample naive forecast."""
    errors = np.abs(np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float))
    if len(errors) == 0 or not scale or not math.isfinite(scale):
        return math.nan
    return float(np.mean(errors) / scale)


def smape(actual, predicted) -> float:
    """Symmetric MAPE in percent (0-200): 200 |y - f| / (|y| + |f|), a month where both are 0 counting 0."""
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    if len(actual) == 0:
        return math.nan
    denominator = np.abs(actual) + np.abs(predicted)
    terms = np.divide(200.0 * np.abs(actual - predicted), denominator, out=np.zeros_like(actual), where=denominator > 0)
    return float(np.mean(terms))


# --- the plan of a backtest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    candidates: tuple[Candidate, ...]
    baseline: Candidate
    origins: tuple[int, ...]  # forecast from y[:origin]
    horizon: int

    @property
    def season(self) -> int:
        return SEASON if self.baseline.seasonal else 1


def plan_for(n_months: int) -> Plan | None:
    """Which candidates a series of this length gets and where the backtest's origins fall; None: too short."""
    if n_months < MIN_MONTHS:
        return None
    if n_months >= SEASONAL_MIN_MONTHS:
        held_out, candidates = BACKTEST_HORIZON, SEASONAL_SET
    else:
        held_out, candidates = min(BACKTEST_HORIZON, n_months - MIN_TRAIN_SHORT), SHORT_SET
    first = n_months - held_out
    origins = tuple(range(first, n_months, ORIGIN_STEP))
    return Plan(candidates, candidates[0], origins, min(BACKTEST_HORIZON, held_out))


# --- models -------------------------------------------------------------------------------------------


class _Fitted:
    """A fitted candidate: forecasts from any origin with fixed parameters, and its final forecast."""

    converged: bool = True

    def predict_from(self, y: np.ndarray, origin: int, steps: int) -> np.ndarray:
        raise NotImplementedError

    def forecast(self, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, lower 80, upper 80, lower 95, upper 95 for the months after the data it was fitted on."""
        raise NotImplementedError


class _NaiveFit(_Fitted):
    def __init__(self, y: np.ndarray, season: int):
        self.y, self.season = y, season
        residuals = y[season:] - y[:-season]
        self.sigma = float(np.sqrt(np.mean(residuals**2))) if len(residuals) else 0.0

    def _path(self, history: np.ndarray, steps: int) -> np.ndarray:
        last = history[-self.season:]
        return np.array([last[h % self.season] for h in range(steps)], dtype=float)

    def predict_from(self, y, origin, steps):
        return self._path(y[:origin], steps)

    def forecast(self, steps):
        mean = self._path(self.y, steps)
        h = np.arange(1, steps + 1)
        # FPP3 5.5: the seasonal naive's error grows with the number of whole seasons ahead; the naive's with sqrt(h).
        k = (h - 1) // self.season + 1 if self.season > 1 else h
        sd = self.sigma * np.sqrt(k)
        return mean, mean - Z80 * sd, mean + Z80 * sd, mean - Z95 * sd, mean + Z95 * sd


class _EtsFit(_Fitted):
    def __init__(self, y: np.ndarray, candidate: Candidate):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        self.candidate = candidate
        self.spec = dict(error="add", **candidate.opts())
        if candidate.seasonal:
            self.spec["seasonal_periods"] = SEASON
        # Heuristic initial states (Hyndman et al.'s, as statsmodels implements them) leave only the smoothing
        # parameters to estimate (4 instead of 17 for a seasonal model): four to ten times faster, and on 3-5
        # years of months as accurate in the backtests.
        self.result = _quietly(
            lambda: ETSModel(_series(y), initialization_method="heuristic", **self.spec).fit(disp=False), self
        )
        self.converged &= bool(self.result.mle_retvals.get("converged", True))

    def _known_model(self, y: np.ndarray):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        r = self.result
        init = dict(initial_level=r.initial_level)
        if self.spec.get("trend"):
            init["initial_trend"] = r.initial_trend
        if self.candidate.seasonal:
            init["initial_seasonal"] = r.initial_seasonal
        return ETSModel(_series(y), initialization_method="known", **init, **self.spec)

    def predict_from(self, y, origin, steps):
        if not hasattr(self, "_smoothed") or self._smoothed_n != len(y):
            model = self._known_model(y)
            fitted = dict(zip(self.result.model.param_names, np.asarray(self.result.params)))
            # ETS smoothing only runs forward, so the state at origin - 1 has seen y[:origin] and nothing after.
            self._smoothed = _quietly(lambda: model.smooth(np.array([fitted[p] for p in model.param_names])), self)
            self._smoothed_n = len(y)
        end = min(origin + steps, len(y)) - 1
        predicted = self._smoothed.get_prediction(start=origin, end=end, dynamic=0).predicted_mean
        return np.asarray(predicted, dtype=float)

    def forecast(self, steps):
        n = int(self.result.nobs)
        frame = self.result.get_prediction(start=n, end=n + steps - 1)
        mean = np.asarray(frame.predicted_mean, dtype=float)
        lo80, hi80 = _bounds(frame.summary_frame(alpha=0.2))
        lo95, hi95 = _bounds(frame.summary_frame(alpha=0.05))
        return mean, lo80, hi80, lo95, hi95


class _SarimaxFit(_Fitted):
    def __init__(self, y: np.ndarray, candidate: Candidate):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        opts = candidate.opts()
        # Estimated on the differenced series (conditional likelihood: a state half the size, a third of the
        # time), with the scale concentrated out and no standard errors (nobody reads them here); the same
        # parameters then run through the full model, which forecasts levels with their intervals.
        estimated = _quietly(
            lambda: SARIMAX(y, simple_differencing=True, concentrate_scale=True, **opts).fit(disp=False, cov_type="none"),
            self,
        )
        self.converged &= bool(estimated.mle_retvals.get("converged", True))
        self.result = _quietly(lambda: SARIMAX(y, concentrate_scale=True, **opts).filter(estimated.params), self)

    def predict_from(self, y, origin, steps):
        if not hasattr(self, "_applied") or self._applied_n != len(y):
            # The Kalman filter runs forward: a dynamic prediction from `origin` uses y[:origin] only.
            self._applied = _quietly(lambda: self.result.apply(y), self)
            self._applied_n = len(y)
        end = min(origin + steps, len(y)) - 1
        return np.asarray(self._applied.get_prediction(start=origin, end=end, dynamic=True).predicted_mean, dtype=float)

    def forecast(self, steps):
        frame = self.result.get_forecast(steps)
        mean = np.asarray(frame.predicted_mean, dtype=float)
        lo80, hi80 = _bounds(frame.conf_int(alpha=0.2))
        lo95, hi95 = _bounds(frame.conf_int(alpha=0.05))
        return mean, lo80, hi80, lo95, hi95


class _ThetaFit(_Fitted):
    """statsmodels' ThetaModel (theta = 2). Re-estimated at each backtest origin, unlike the state-space models:
    its parameters are one smoothing weight and an OLS slope, milliseconds to fit, and statsmodels cannot run a
    fitted Theta over new data."""

    def __init__(self, y: np.ndarray, candidate: Candidate):
        self.candidate = candidate
        self.result = self._fit(y)
        self._by_origin: dict[int, np.ndarray] = {}

    def _fit(self, y: np.ndarray):
        from statsmodels.tsa.forecasting.theta import ThetaModel

        seasonal = self.candidate.seasonal and len(y) >= 2 * SEASON
        # A classical multiplicative decomposition divides by the season: only for a series above zero throughout.
        method = "multiplicative" if seasonal and np.all(y > 0) else "additive"
        model = ThetaModel(np.asarray(y, dtype=float), period=SEASON if seasonal else None, deseasonalize=seasonal,
                           use_test=seasonal, method=method)
        return _quietly(lambda: model.fit(), self)

    def predict_from(self, y, origin, steps):
        if origin not in self._by_origin:
            self._by_origin[origin] = np.asarray(self._fit(y[:origin]).forecast(HORIZON), dtype=float)
        return self._by_origin[origin][:steps]

    def forecast(self, steps):
        mean = np.asarray(self.result.forecast(steps), dtype=float)
        lo80, hi80 = _bounds(self.result.prediction_intervals(steps, alpha=0.2))
        lo95, hi95 = _bounds(self.result.prediction_intervals(steps, alpha=0.05))
        return mean, lo80, hi80, lo95, hi95


class _CombinedFit(_Fitted):
    """The month-by-month median of its members' forecasts. Its interval bounds are the medians of theirs: not
    a derived distribution, so the backtest's coverage check is what vouches for them."""

    def __init__(self, members: list[_Fitted]):
        self.members = members
        self.converged = all(m.converged for m in members)

    def predict_from(self, y, origin, steps):
        return np.median(np.vstack([m.predict_from(y, origin, steps) for m in self.members]), axis=0)

    def forecast(self, steps):
        parts = [m.forecast(steps) for m in self.members]
        return tuple(np.median(np.vstack([p[i] for p in parts]), axis=0) for i in range(5))


def fit(candidate: Candidate, y: Sequence[float], members: Sequence[Candidate] = ()) -> _Fitted:
    """`candidate` fitted on y; a combination needs the candidates it combines (`members`)."""
    y = np.asarray(y, dtype=float)
    if candidate.kind == "naive":
        return _NaiveFit(y, SEASON if candidate.seasonal else 1)
    if candidate.kind == "ets":
        return _EtsFit(y, candidate)
    if candidate.kind == "theta":
        return _ThetaFit(y, candidate)
    if candidate.kind == "combination":
        if len(members) < 2:
            raise ValueError("fewer than two models fitted: nothing to combine")
        return _CombinedFit([fit(m, y) for m in members])
    return _SarimaxFit(y, candidate)


def combined_members(scores: pl.DataFrame, plan: "Plan") -> list[Candidate]:
    """The candidates a combination takes the median of: every model but the baseline that fitted, converged
    and stayed in bounds in the backtest."""
    usable = set(scores.filter((pl.col("status") == STATUS_OK) & pl.col("converged").fill_null(True))["model"])
    return [c for c in plan.candidates
            if c.kind != "combination" and c is not plan.baseline and c.name in usable]


# --- backtest, choice and forecast --------------------------------------------------------------------


def backtest(y: Sequence[float], plan: Plan) -> pl.DataFrame:
    """One row per candidate: MASE and sMAPE over every (origin, month ahead) of the rolling-origin backtest,
    with whether its fit converged and whether it could be used."""
    y = np.asarray(y, dtype=float)
    first = plan.origins[0]
    scale = mase_scale(y[:first], plan.season)
    ceiling = WILD_FACTOR * max(float(np.max(np.abs(y[:first]))), 1.0)
    rows, fits = [], {}
    # The combination last: it reuses the others' fits (members judged usable by the rows before it).
    for candidate in sorted(plan.candidates, key=lambda c: c.kind == "combination"):
        row = {"model": candidate.name, "is_baseline": candidate is plan.baseline, "mase": None, "smape": None,
               "count_errors": 0, "converged": None, "status": STATUS_OK, "note": None}
        try:
            if candidate.kind == "combination":
                members = combined_members(pl.DataFrame(rows, schema_overrides={"note": pl.String}), plan)
                if len(members) < 2:
                    raise ValueError("fewer than two models fitted: nothing to combine")
                fitted = _CombinedFit([fits[m.name] for m in members])
            else:
                fitted = fits[candidate.name] = fit(candidate, y[:first])
            actual, predicted = [], []
            for origin in plan.origins:
                path = fitted.predict_from(y, origin, min(plan.horizon, len(y) - origin))
                actual.append(y[origin: origin + len(path)])
                predicted.append(path)
            actual, predicted = np.concatenate(actual), np.concatenate(predicted)
            row["converged"] = fitted.converged
            if not np.all(np.isfinite(predicted)) or np.max(np.abs(predicted)) > ceiling:
                row["status"] = "unstable"
            # Sales cannot be negative: the scored forecast is the one a page would show.
            predicted = np.maximum(predicted, 0.0)
            row.update(mase=_finite(mase(actual, predicted, scale)), smape=_finite(smape(actual, predicted)),
                       count_errors=len(actual))
        except Exception as error:  # a fit that fails is reported, never raised into the page
            row.update(status="failed", note=f"{type(error).__name__}: {error}"[:200])
        rows.append(row)
    order = {c.name: i for i, c in enumerate(plan.candidates)}
    rows.sort(key=lambda r: order[r["model"]])
    return pl.DataFrame(rows, schema={
        "model": pl.String, "is_baseline": pl.Boolean, "mase": pl.Float64, "smape": pl.Float64,
        "count_errors": pl.Int64, "converged": pl.Boolean, "status": pl.String, "note": pl.String,
    })


def choose(scores: pl.DataFrame) -> str:
    """The candidate with the lowest backtest MASE (sMAPE where MASE is undefined) among those that fitted,
    converged and stayed in bounds; the baseline unless a model strictly beats it."""
    baseline = scores.filter(pl.col("is_baseline"))["model"][0]
    usable = scores.filter((pl.col("status") == STATUS_OK) & pl.col("converged").fill_null(True))
    key = "mase" if usable["mase"].drop_nulls().len() == usable.height and usable.height else "smape"
    usable = usable.drop_nulls(key)
    if usable.is_empty():
        return baseline
    best = usable.sort([key, "is_baseline"], descending=[False, True]).row(0, named=True)
    return best["model"]


def forecast_series(values: Sequence[float], last_month: date | None = None, horizon: int = HORIZON) -> SeriesForecast:
    """Backtest the candidates on a monthly series, pick one, and forecast `horizon` months with intervals."""
    from threadpoolctl import threadpool_limits

    # The models' matrices are tiny (at most 27 x 27): OpenBLAS's threads only wait on each other, and on a
    # busy machine that made every fit 10-20 times slower (SARIMA 440 ms of CPU against 23 ms on one thread).
    with threadpool_limits(limits=1, user_api="blas"):
        return _forecast_series(values, last_month, horizon)


def _forecast_series(values: Sequence[float], last_month: date | None, horizon: int) -> SeriesForecast:
    started = time.perf_counter()
    y = np.asarray(values, dtype=float)
    n = len(y)
    selling = int(np.count_nonzero(y))
    plan = plan_for(n)
    if plan is None or selling < MIN_SELLING_MONTHS:
        need = (f"{n} month{'s' if n != 1 else ''} of history; a forecast needs at least {MIN_MONTHS}"
                if plan is None else
                f"sales in only {selling} of {n} months; a forecast needs sales in at least {MIN_SELLING_MONTHS}")
        return SeriesForecast(STATUS_TOO_SHORT, f"Not enough history to forecast: {need}.", n,
                              fit_seconds=time.perf_counter() - started)

    notes = []
    if not plan.baseline.seasonal:
        notes.append(f"Only {n} months of history: seasonal models need {SEASONAL_MIN_MONTHS}, so non-seasonal "
                     f"models are judged against the naive forecast (last month carried forward).")
    scores = backtest(y, plan)
    chosen = choose(scores)
    ranked = [chosen] + scores.filter((pl.col("model") != chosen) & (pl.col("status") == STATUS_OK)).sort(
        "mase", nulls_last=True)["model"].to_list()
    by_name = {c.name: c for c in plan.candidates}
    ceiling = WILD_FACTOR * max(float(np.max(np.abs(y))), 1.0)
    frame = None
    for name in ranked + [plan.baseline.name]:
        try:
            mean, lo80, hi80, lo95, hi95 = fit(by_name[name], y, combined_members(scores, plan)).forecast(horizon)
        except Exception as error:
            notes.append(f"{name} failed on the whole history ({type(error).__name__}); the next best is shown.")
            continue
        if not np.all(np.isfinite(mean)) or np.max(np.abs(mean)) > ceiling:
            notes.append(f"{name} ran away on the whole history; the next best is shown.")
            continue
        frame, chosen = _forecast_frame(mean, lo80, hi80, lo95, hi95, last_month), name
        break
    if frame is None:  # cannot happen with a naive baseline, but a page must never crash on it
        return SeriesForecast(STATUS_TOO_SHORT, "No model could forecast this series.", n, scores=scores, notes=notes,
                              fit_seconds=time.perf_counter() - started)
    if frame["lower_95"].min() <= 0 and float(np.min(lo95)) < 0:
        notes.append("Interval bounds below zero are shown as zero: sales cannot be negative.")

    baseline = plan.baseline.name
    beats = chosen != baseline and _beats(scores, chosen, baseline)
    if not beats:
        message = (f"No model beats the {baseline.lower()} baseline in the backtest: the forecast shown is the "
                   f"{baseline.lower()} one (each month = {'the same month last year' if plan.baseline.seasonal else 'the last month'}).")
    else:
        message = (f"{chosen} beats the {baseline.lower()} baseline in the backtest "
                   f"(MASE {_score_of(scores, chosen, 'mase'):.2f} against {_score_of(scores, baseline, 'mase'):.2f}).")
    not_converged = scores.filter(pl.col("converged") == False)["model"].to_list()  # noqa: E712
    if not_converged:
        notes.append(f"Did not converge (left out of the choice): {', '.join(not_converged)}.")
    return SeriesForecast(STATUS_OK, message, n, chosen, baseline, beats, scores, frame, notes,
                          time.perf_counter() - started)


def forecast_many(series: dict[str, tuple[Sequence[float], date | None]], horizon: int = HORIZON,
                  workers: int = 2) -> dict[str, SeriesForecast]:
    """forecast_series for each named series, in `workers` processes when there is more than one series.

    Processes, not threads: the fits are Python and NumPy code that holds the GIL most of the time. The
    pool is kept between calls and its workers are warmed up once (statsmodels imports half its modules on
    the first fit: seconds that a click should not pay again). They fork from a forkserver, not from the
    caller, whose threads (a web server's, DuckDB's) must not be copied mid-flight into a child. A script
    that calls this needs the usual `if __name__ == "__main__":` guard.
    """
    items = list(series.items())
    if workers <= 1 or len(items) <= SERIAL_UP_TO:
        return {key: forecast_series(values, last, horizon) for key, (values, last) in items}
    from concurrent.futures.process import BrokenProcessPool

    jobs = [(values, last, horizon) for _, (values, last) in items]
    chunksize = max(1, len(items) // (4 * workers))
    for attempt in range(2):
        try:
            results = list(_pool(workers, fresh=attempt > 0).map(_forecast_item, jobs, chunksize=chunksize))
            break
        except BrokenProcessPool:  # a worker died (killed, out of memory): start a new pool once
            if attempt:
                raise
    return {key: result for (key, _), result in zip(items, results)}


SERIAL_UP_TO = 8  # this few series fit faster here than they travel to a worker and back
_POOL = None
_POOL_LOCK = threading.Lock()


def warm_pool(workers: int = 2) -> None:
    """Start the worker pool and warm its workers in a background thread; returns at once.

    A page calls this when it is shown, so that the first group forecast does not wait seconds for the
    forkserver to import statsmodels and the workers to warm up. Once per process: later calls find it running.
    """
    if workers <= 1 or (_POOL is not None and _POOL[1] == workers):
        return

    def start():
        pool = _pool(workers)
        for _ in range(workers):
            pool.submit(int)  # each submit starts a worker, whose initializer warms it up

    threading.Thread(target=start, name="forecast-pool-warm-up", daemon=True).start()


def _pool(workers: int, fresh: bool = False):
    global _POOL
    from concurrent.futures import ProcessPoolExecutor

    with _POOL_LOCK:
        pool, size = _POOL or (None, 0)
        if pool is None or size != workers or fresh:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=_warm_up)
            _POOL = (pool, workers)
        return pool


def _forecast_item(args) -> SeriesForecast:
    values, last, horizon = args
    return forecast_series(values, last, horizon)


def _warm_up() -> None:
    """Fit every candidate once on a small made-up series, so the first real fit pays no imports."""
    t = np.arange(SEASONAL_MIN_MONTHS, dtype=float)
    forecast_series(10 + t + np.sin(t))


def _pool_context():
    import multiprocessing

    multiprocessing.get_context("forkserver").set_forkserver_preload(
        ["analytics.forecast", "statsmodels.tsa.statespace.sarimax", "statsmodels.tsa.exponential_smoothing.ets",
         "statsmodels.tsa.forecasting.theta"])
    return _WorkerContext()


def _start_without_main(process_obj):
    """Start a forkserver worker that does not run the parent's main script. A process started by forkserver
    re-runs the parent's `__main__` file (as `__mp_main__`); under AppTest or a test runner that is a page or the
    frame, which needs a browser session: it printed Streamlit's no-runtime warnings by the hundred and, failing,
    killed the worker. The workers need only analytics.forecast, which the forkserver preloads."""
    from multiprocessing.context import ForkServerProcess

    main = sys.modules["__main__"]
    path = main.__dict__.pop("__file__", None)
    try:
        return ForkServerProcess._Popen(process_obj)
    finally:
        if path is not None:
            main.__file__ = path


def _worker_classes():
    from multiprocessing.context import ForkServerContext, ForkServerProcess

    process = type("_WorkerProcess", (ForkServerProcess,), {"_Popen": staticmethod(_start_without_main),
                                                             "__module__": __name__})
    context = type("_WorkerContext", (ForkServerContext,), {"Process": process, "__module__": __name__})
    return process, context


# Module-level, so that a worker process object can be pickled to the forkserver.
_WorkerProcess, _WorkerContext = _worker_classes()


# --- helpers ------------------------------------------------------------------------------------------


def _quietly(make, fitted: _Fitted):
    """Run a statsmodels call with its convergence warnings silenced here but recorded on `fitted`."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        fitted.converged = False
    return result


def _series(y: np.ndarray):
    # ETSResults.get_prediction needs an index on its data (statsmodels 0.15 fails on a bare array).
    import pandas as pd

    return pd.Series(np.asarray(y, dtype=float), index=pd.RangeIndex(len(y)))


def _bounds(frame) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(frame, dtype=float)
    if values.ndim == 2 and values.shape[1] == 2:
        return values[:, 0], values[:, 1]
    # ETS summary_frame: mean, pi_lower, pi_upper
    return np.asarray(frame["pi_lower"], dtype=float), np.asarray(frame["pi_upper"], dtype=float)


def _forecast_frame(mean, lo80, hi80, lo95, hi95, last_month: date | None) -> pl.DataFrame:
    steps = np.arange(1, len(mean) + 1)
    frame = pl.DataFrame({
        "months_ahead": steps,
        "forecast": np.maximum(mean, 0.0),
        "lower_80": np.maximum(lo80, 0.0),
        "upper_80": np.maximum(hi80, 0.0),
        "lower_95": np.maximum(lo95, 0.0),
        "upper_95": np.maximum(hi95, 0.0),
    })
    if last_month is not None:
        frame = frame.with_columns(month=pl.Series([add_months(last_month, int(h)) for h in steps], dtype=pl.Date))
        frame = frame.select("month", pl.exclude("month"))
    return frame


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(y, m + 1, 1)


def _finite(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _score_of(scores: pl.DataFrame, model: str | None, column: str) -> float | None:
    if model is None or scores.is_empty():
        return None
    match = scores.filter(pl.col("model") == model)[column]
    return match[0] if len(match) else None


def _beats(scores: pl.DataFrame, model: str, baseline: str) -> bool:
    for column in ("mase", "smape"):
        mine, theirs = _score_of(scores, model, column), _score_of(scores, baseline, column)
        if mine is not None and theirs is not None:
            return mine < theirs
    return False
