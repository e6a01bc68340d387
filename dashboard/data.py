"""Cached access to the datasets of queries/: the pages' only way to the mart."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from dashboard.mart_holder import MartHolder, file_version
from mart.paths import mart_path
from queries import runner
from queries.filters import Filters


class MartMissing(RuntimeError):
    pass


def current_mart() -> tuple[str, tuple[int, int, int]]:
    """The mart file and its version: a rebuilt mart gets new cache keys (and the holder opens the new file)."""
    path = mart_path()
    try:
        return str(path), file_version(path)
    except FileNotFoundError:
        raise MartMissing(
            f"No mart at {path}. Build the demo mart with `python -m mart generate --scale m` "
            f"or load your exports with `python -m mart load DIR`."
        ) from None


# One open mart per process, for every session: a rebuild is seen by the next query, a query in flight finishes on
# the file it started on. (A st.cache_resource per file version kept the old connection open, and DuckDB then
# handed the replaced file back for the new version too: the server showed old data until restarted.)
_holder = MartHolder()


@st.cache_data(ttl=900, max_entries=1024, show_spinner=False)
def _run_cached(path: str, version: tuple, name: str, filters: Filters | None, extra: tuple) -> pl.DataFrame:
    # `version` is only part of the cache key; the holder reads whichever version the file is now.
    return run_uncached(name, filters, **dict(extra))


def load(name: str, filters: Filters | None = None, **extra) -> pl.DataFrame:
    """The rows of queries/<name>.sql for these filters (cached: results are small aggregates)."""
    path, version = current_mart()
    return _run_cached(path, version, name, filters, tuple(sorted(extra.items())))


def run_uncached(name: str, filters: Filters | None = None, **extra) -> pl.DataFrame:
    """The rows of queries/<name>.sql, read now and kept nowhere: for large results the caller reduces itself."""
    path, _ = current_mart()
    with _holder.use(path) as mart:
        return runner.run(mart, name, filters, **extra)


def sql_of(name: str) -> str:
    return runner.sql_text(name)


def mart_label() -> str:
    return Path(mart_path()).name
