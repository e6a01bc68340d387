"""Rows compared across engines (DuckDB against Spark): the datasets and the rollups of
tests/test_spark_parity.py."""
from __future__ import annotations

import math
from decimal import Decimal

import polars as pl


def difference(want: pl.DataFrame, got: pl.DataFrame) -> str | None:
    """None if the frames hold the same rows (any order); else what differs."""
    if sorted(want.columns) != sorted(got.columns):
        return f"columns differ: DuckDB {want.columns}, Spark {got.columns}"
    if want.height != got.height:
        return f"{want.height} rows on DuckDB, {got.height} on Spark"
    columns = want.columns
    a = sorted(want.select(columns).rows(), key=_sort_key)
    b = sorted(got.select(columns).rows(), key=_sort_key)
    for i, (x, y) in enumerate(zip(a, b)):
        for column, u, v in zip(columns, x, y):
            if not same(u, v):
                return f"row {i} (sorted), column {column}: DuckDB {u!r}, Spark {v!r}\n  DuckDB row {x}\n  Spark  row {y}"
    return None


def same(u, v) -> bool:
    if u is None or v is None:
        return u is None and v is None
    if isinstance(u, float) or isinstance(v, float):
        if not isinstance(u, (int, float, Decimal)) or not isinstance(v, (int, float, Decimal)):
            return False
        if math.isnan(float(u)) or math.isnan(float(v)):
            return math.isnan(float(u)) and math.isnan(float(v))
        return math.isclose(float(u), float(v), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(u, (list, tuple)) and isinstance(v, (list, tuple)):
        return len(u) == len(v) and all(same(p, q) for p, q in zip(u, v))
    if type(u) is not type(v) and not (isinstance(u, (int, Decimal)) and isinstance(v, (int, Decimal))):
        return False  # a date against a timestamp, a string against a number
    return u == v  # money (Decimal) and counts exactly, dates and timestamps equal


def _sort_key(row):
    """Rows sorted by every value, numbers rounded so that two engines' last-digit differences sort alike."""
    def key(value):
        if value is None:
            return (0, "")
        if isinstance(value, float):
            return (1, f"{value:.6g}")
        if isinstance(value, (int, Decimal)):
            return (1, f"{float(value):.6g}")
        return (2, str(value))
    return tuple(key(v) for v in row)
