"""The forecast page's series and baseline figures, recomputed in plain Polars and NumPy from the raw rows and
docs/domain.md's definitions (monthly units = sum of quantity, revenue = sum of revenue), not from the SQL."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from queries.filters import Filters
from tests.independent.frame import sales_in

EPOCH = date(1900, 1, 1)


def last_whole_month(end_on: date) -> date:
    """The first day of the last month that ends on or before end_on."""
    first_of_month = end_on.replace(day=1)
    if (end_on + timedelta(days=1)).month != end_on.month:
        return first_of_month
    return (first_of_month - timedelta(days=1)).replace(day=1)


def _month_range(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while date(y, m, 1) <= last:
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _fill(sales: pl.DataFrame, last: date, by: list[str]) -> pl.DataFrame:
    sales = sales.with_columns(month=pl.col("sold_on").dt.truncate("1mo")).filter(pl.col("month") <= last)
    monthly = sales.group_by(by + ["month"]).agg(units=pl.col("quantity").sum(), revenue=pl.col("revenue").sum())
    if monthly.is_empty():
        monthly = monthly.clear()
    frames = []
    for key, part in monthly.group_by(by, maintain_order=True) if by else [((), monthly)] if monthly.height else []:
        months = pl.DataFrame({"month": _month_range(part["month"].min(), last)}, schema={"month": pl.Date})
        filled = months.join(part.select("month", "units", "revenue"), on="month", how="left").with_columns(
            pl.col("units").fill_null(0).cast(pl.Int64), pl.col("revenue").fill_null(0.0)
        )
        for name, value in zip(by, key):
            filled = filled.with_columns(pl.lit(value).alias(name))
        frames.append(filled)
    if not frames:
        return pl.DataFrame(schema={**{b: pl.String for b in by}, "month": pl.Date, "units": pl.Int64, "revenue": pl.Float64})
    return pl.concat(frames).sort(by + ["month"])


def monthly_history(t, f: Filters) -> pl.DataFrame:
    """One row per month from the slice's first sale to the last whole month of the period: units, revenue."""
    last = last_whole_month(f.end_on)
    return _fill(sales_in(t, f, EPOCH, f.end_on), last, [])


def group_history(t, f: Filters, group_by: str) -> pl.DataFrame:
    """The same per region / dealer / product (HQ direct sales, without a dealer, as the group 'HQ direct')."""
    last = last_whole_month(f.end_on)
    s = sales_in(t, f, EPOCH, f.end_on).join(t["dealers"].select("dealer_id", "region"), on="dealer_id", how="left")
    key = {
        "region": pl.col("region").fill_null("HQ direct"),
        "dealer": pl.col("dealer_id").cast(pl.String).fill_null("HQ direct"),
        "product": pl.col("product_id"),
    }[group_by]
    return _fill(s.with_columns(group_key=key), last, ["group_key"])


def seasonal_naive_backtest(y: np.ndarray, season: int = 12, held_out: int = 12, step: int = 3,
                            horizon: int = 12) -> dict:
    """MASE and sMAPE of the seasonal-naive forecast over the rolling origins of the last `held_out` months,
    written from the definitions: each month ahead = the same month of the last season before the origin;
    MASE divides the mean absolute error by the mean |y_t - y_(t-season)| before the first origin; sMAPE is
    the mean of 200 |y - f| / (|y| + |f|), 0 where both are 0."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    first = n - held_out
    errors, terms = [], []
    for origin in range(first, n, step):
        for h in range(min(horizon, n - origin)):
            predicted = y[origin - season + (h % season)]
            actual = y[origin + h]
            errors.append(abs(actual - predicted))
            both = abs(actual) + abs(predicted)
            terms.append(0.0 if both == 0 else 200 * abs(actual - predicted) / both)
    scale = np.mean([abs(y[t] - y[t - season]) for t in range(season, first)])
    return {"mase": float(np.mean(errors) / scale), "smape": float(np.mean(terms)), "count_errors": len(errors)}
