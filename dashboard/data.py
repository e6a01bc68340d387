"""Cached access to the datasets of queries/: the pages' only way to the mart."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from dashboard.mart_holder import MartHolder, file_version
from dashboard.result_cache import ResultCache, configured_max_bytes
from mart.paths import mart_path
from queries import runner
from queries.access import SYSTEM, Access, AccessDenied
from queries.filters import Filters


class MartMissing(RuntimeError):
    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.path = path


def current_mart() -> tuple[str, tuple[int, int, int]]:
    """The mart file and its version: a rebuilt mart gets new cache keys (and the holder opens the new file)."""
    path = mart_path()
    try:
        return str(path), file_version(path)
    except FileNotFoundError:
        raise MartMissing(
            f"No mart at {path}. Build the demo mart with `python -m mart generate --scale m` "
            f"or load your exports with `python -m mart load DIR`.", str(path)
        ) from None


# One open mart per process, for every session: a rebuild is seen by the next query, a query in flight finishes on
# the file it started on. (A st.cache_resource per file version kept the old connection open, and DuckDB then
# handed the replaced file back for the new version too: the server showed old data until restarted.)
_holder = MartHolder()


def current_access() -> Access:
    """The signed-in person's access, set by the frame (app.py) before any page runs; no access, no data."""
    access = st.session_state.get("access")
    if not isinstance(access, Access):
        raise AccessDenied("no one is signed in")
    return access


# Shared by every session of the server, bounded in bytes (dashboard/result_cache.py says why not st.cache_data).
_results = ResultCache(configured_max_bytes())


def _run_cached(path: str, version: tuple, name: str, filters: Filters | None, access: Access, extra: tuple) -> pl.DataFrame:
    # `version` is only part of the cache key; the holder reads whichever version the file is now. `access` is in
    # the key too: the cache is shared by every session, and one person's rows must never reach another.
    return _results.get((path, version, name, filters, access, extra), lambda: run_as(access, name, filters, **dict(extra)))


def clear_results() -> None:
    """Forget every cached result (the benchmark's cold runs; st.cache_data.clear() does not reach this cache)."""
    _results.clear()


def load(name: str, filters: Filters | None = None, **extra) -> pl.DataFrame:
    """The rows of queries/<name>.sql for these filters, within what the signed-in person may see (cached:
    results are small aggregates)."""
    path, version = current_mart()
    return _run_cached(path, version, name, filters, current_access(), tuple(sorted(extra.items())))


def run_uncached(name: str, filters: Filters | None = None, **extra) -> pl.DataFrame:
    """The rows of queries/<name>.sql for the signed-in person, read now and kept nowhere: for large results the
    caller reduces itself."""
    return run_as(current_access(), name, filters, **extra)


def mart_info() -> pl.DataFrame:
    """What the mart was built from and its as-of date: read before anyone is signed in (the frame decides from
    `source` whether sign-in is required), so read as the system; it holds no customer data."""
    path, version = current_mart()
    return _run_cached(path, version, "mart_info", None, SYSTEM, ())


def run_as(access: Access, name: str, filters: Filters | None = None, **extra) -> pl.DataFrame:
    """The rows of queries/<name>.sql for `access`, uncached (for a cached function that keys on the access)."""
    path, _ = current_mart()
    with _holder.use(path) as mart:
        return runner.run(mart, name, filters, access=access, **extra)


def sql_of(name: str) -> str:
    return runner.sql_text(name)


def mart_label() -> str:
    return Path(mart_path()).name
