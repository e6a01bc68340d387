"""Forecast timings and the real-data backtest, for the README's "Sales forecast" figures.

    python -m bench.forecast --mart /tmp/m7.duckdb [--groups 50] [--workers 2]

Prints Markdown: the fit time of one series (every candidate's backtest fit plus the chosen model's final fit),
the group forecast of N dealer series in worker processes (first call, which starts and warms the pool, and
a second call), and the backtest of every model on Eurostat's elec_equip series shipped with statsmodels.
Wall and CPU seconds are both given: on a shared machine the wall time depends on what else runs, the CPU
time much less. Kept apart from `python -m bench` (the page and query benchmark of issue 8).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date

import numpy as np
import polars as pl

from analytics import forecast
from queries import runner
from queries.filters import Filters


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def dealer_series(mart_path: str, groups: int) -> tuple[dict[str, tuple[list[float], date]], list[float], date]:
    mart = runner.connect(mart_path)
    try:
        as_of = runner.run(mart, "mart_info")["as_of_on"][0]
        f = Filters(start_on=date(as_of.year - 1, as_of.month, 1), end_on=as_of)
        whole = runner.run(mart, "forecast_monthly", f)
        grouped = runner.run(mart, "forecast_by_group", f, group_by="dealer", max_groups=groups)
    finally:
        mart.close()
    last = whole["month"].max()
    series = {
        key: (part.sort("month")["units"].cast(pl.Float64).to_list(), last)
        for (key,), part in grouped.group_by(["group_key"], maintain_order=True)
    }
    return series, whole["units"].cast(pl.Float64).to_list(), last


def time_one(values, last, repeats: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        forecast.forecast_series(values, last)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mart", required=True)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print(f"Before: {_load()}", flush=True)
    series, whole, last = dealer_series(args.mart, args.groups)
    forecast.forecast_series(whole, last)  # statsmodels' first fit imports its modules: not a fit's cost

    walls, cpus = time_one(whole, last, args.repeats)
    print(f"\nOne series (the whole mart, {len(whole)} months), {args.repeats} runs: "
          f"median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU")

    per_wall, per_cpu, lengths, models = [], [], [], {}
    for values, series_last in series.values():
        w, c = time_one(values, series_last, 1)
        per_wall += w
        per_cpu += c
        lengths.append(len(values))
        result = forecast.forecast_series(values, series_last)
        models[result.model] = models.get(result.model, 0) + 1
    print(f"{len(series)} dealer series ({min(lengths)}-{max(lengths)} months), one process: "
          f"{sum(per_wall):.1f} s wall, {sum(per_cpu):.1f} s CPU; per series median {statistics.median(per_wall):.2f} s wall, "
          f"{statistics.median(per_cpu):.2f} s CPU, slowest {max(per_wall):.2f} s")
    print(f"Chosen models: {', '.join(f'{m} {n}' for m, n in sorted(models.items(), key=lambda kv: -kv[1]))}")

    started = time.perf_counter()
    forecast.forecast_many(series, workers=args.workers)
    first = time.perf_counter() - started
    started = time.perf_counter()
    forecast.forecast_many(series, workers=args.workers)
    again = time.perf_counter() - started
    print(f"Group forecast of {len(series)} series in {args.workers} processes: {first:.1f} s the first time "
          f"(starts and warms the pool), {again:.1f} s with the pool warm")
    print(f"After: {_load()}")

    from statsmodels.datasets import elec_equip

    y = elec_equip.load().data.iloc[:, 0].to_numpy(dtype=float)
    result = forecast.forecast_series(y)
    print(f"\nReal data: statsmodels' elec_equip ({len(y)} months, 1995-01 to 2016-05). {result.message}\n")
    print("| model | MASE | sMAPE | months scored | converged |")
    print("| --- | ---: | ---: | ---: | --- |")
    for row in result.scores.iter_rows(named=True):
        name = row["model"] + (" (baseline)" if row["is_baseline"] else "") + (" **chosen**" if row["model"] == result.model else "")
        print(f"| {name} | {row['mase']:.3f} | {row['smape']:.2f}% | {row['count_errors']} | {row['converged']} |")
    # The page's backtest scores 30 forecasts from the last year; five years of origins are a sterner test.
    longer = forecast.Plan(forecast.SEASONAL_SET, forecast.SEASONAL_NAIVE, tuple(range(len(y) - 60, len(y), 3)), 12)
    scores = forecast.backtest(y, longer)
    print(f"\nThe same candidates over the last five years ({len(longer.origins)} origins, every third month "
          f"from 2011-06, 1-12 months ahead, parameters estimated on 1995-01 to 2011-05):\n")
    print("| model | MASE | sMAPE | months scored |")
    print("| --- | ---: | ---: | ---: |")
    for row in scores.sort("mase").iter_rows(named=True):
        name = row["model"] + (" (baseline)" if row["is_baseline"] else "")
        print(f"| {name} | {row['mase']:.3f} | {row['smape']:.2f}% | {row['count_errors']} |")
    fitted_on = y[:-12]
    held = forecast.forecast_series(fitted_on).forecast.head(12)
    actual = y[-12:]
    inside80 = np.mean((actual >= held["lower_80"].to_numpy()) & (actual <= held["upper_80"].to_numpy()))
    inside95 = np.mean((actual >= held["lower_95"].to_numpy()) & (actual <= held["upper_95"].to_numpy()))
    print(f"\nFitted without the last 12 months, the chosen model's intervals held {inside80:.0%} (80%) and "
          f"{inside95:.0%} (95%) of those months.")


if __name__ == "__main__":
    main()
