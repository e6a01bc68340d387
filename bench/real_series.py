"""The forecaster judged out of sample on real monthly series that nobody here made.

    python -m bench.real_series

For each series and each of four origins (the last 12, 24, 36 and 48 months held out in turn), the page's whole
procedure (analytics.forecast.forecast_series: the rolling-origin backtest on the months before the origin, the
choice, the chosen model's forecast) forecasts the 12 months after the origin, and so do the seasonal naive and
Theta alone. Each is scored by MASE (the held-out months' mean absolute error over the in-sample seasonal-naive
error) and sMAPE; the averages over every series and origin are the figures the README quotes.

The history before each origin is cut to its last 15 years: a company's CRM holds no more, and the state-space fits
of a 60-year series would cost seconds for nothing the page ever sees.

The series:
- elec_equip: Eurostat's turnover index of euro-area electrical equipment makers (statsmodels ships it).
- co2: Mauna Loa CO2 (statsmodels' weekly series, averaged by month, gaps interpolated): trend and season.
- elnino: sea surface temperature of the El Nino region, monthly (statsmodels): a season and no trend.
- wineind: Australian wine sales by wine makers (bench/data/wineind.csv).
- airpassengers: Box & Jenkins' international airline passengers (bench/data/airpassengers.csv).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from analytics import forecast

DATA = Path(__file__).with_name("data")
HOLD_OUT = 12
ORIGINS = (1, 2, 3, 4)  # origin k holds out the 12 months from k * 12 before the end
MAX_HISTORY = 15 * 12


def real_series() -> dict[str, np.ndarray]:
    """The monthly series, oldest month first."""
    import pandas as pd
    from statsmodels.datasets import co2, elec_equip, elnino

    weekly = co2.load().data["co2"]
    weekly.index = pd.to_datetime(weekly.index)
    return {
        "elec_equip": elec_equip.load().data.iloc[:, 0].to_numpy(dtype=float),
        "co2": weekly.resample("MS").mean().interpolate().to_numpy(dtype=float),
        "elnino": elnino.load().data.drop(columns="YEAR").to_numpy(dtype=float).ravel(),
        "wineind": _csv("wineind"),
        "airpassengers": _csv("airpassengers"),
    }


def _csv(name: str) -> np.ndarray:
    return pl.read_csv(DATA / f"{name}.csv", comment_prefix="#")["value"].to_numpy().astype(float)


def judge(series: dict[str, np.ndarray] | None = None, origins=ORIGINS) -> pl.DataFrame:
    """One row per series x origin: the chosen model and the MASE and sMAPE of the chosen forecast, the
    seasonal naive's and Theta's over the same held-out months."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread, as forecast_series runs its own fits (analytics/forecast.py says why).
    with threadpool_limits(limits=1, user_api="blas"):
        rows = [_judge_one(name, y, k) for name, y in (series or real_series()).items() for k in origins]
    return pl.DataFrame(rows)


def _judge_one(name: str, y: np.ndarray, k: int) -> dict:
    cut = len(y) - k * HOLD_OUT
    history, actual = y[max(0, cut - MAX_HISTORY):cut], y[cut:cut + HOLD_OUT]
    scale = forecast.mase_scale(history, forecast.SEASON)
    chosen = forecast.forecast_series(history, horizon=HOLD_OUT)
    paths = {
        "chosen": chosen.forecast["forecast"].to_numpy(),
        "seasonal_naive": forecast.fit(forecast.SEASONAL_NAIVE, history).forecast(HOLD_OUT)[0],
        "theta": forecast.fit(forecast.THETA, history).forecast(HOLD_OUT)[0],
    }
    row = {"series": name, "held_out_from": cut, "chosen_model": chosen.model}
    for who, path in paths.items():
        row[f"mase_{who}"] = forecast.mase(actual, path, scale)
        row[f"smape_{who}"] = forecast.smape(actual, path)
    return row


def markdown(results: pl.DataFrame) -> str:
    lines = ["| series | chosen models (by origin) | MASE chosen | seasonal naive | Theta | sMAPE chosen | seasonal naive | Theta |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    per_series = results.group_by("series", maintain_order=True).agg(
        pl.col("chosen_model").str.join(", "), pl.col("^mase_.*$").mean(), pl.col("^smape_.*$").mean())
    total = results.select(pl.lit("**all**").alias("series"), pl.lit("").alias("chosen_model"),
                           pl.col("^mase_.*$").mean(), pl.col("^smape_.*$").mean())
    for r in pl.concat([per_series, total]).iter_rows(named=True):
        lines.append(f"| {r['series']} | {r['chosen_model']} | {r['mase_chosen']:.3f} | {r['mase_seasonal_naive']:.3f} | "
                     f"{r['mase_theta']:.3f} | {r['smape_chosen']:.2f}% | {r['smape_seasonal_naive']:.2f}% | "
                     f"{r['smape_theta']:.2f}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    import os
    import time

    started = time.process_time()
    results = judge()
    print(markdown(results))
    print(f"\n{results.height} forecasts, {time.process_time() - started:.1f} s of CPU; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
