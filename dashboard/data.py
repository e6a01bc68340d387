"""Cached access to the datasets of queries/: the pages' only way to the mart."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from mart.paths import mart_path
from queries import runner
from queries.filters import Filters


class MartMissing(RuntimeError):
    pass


def current_mart() -> tuple[str, float]:
    """The mart file and its modification time: a rebuilt mart gets new connections and new cache keys."""
    path = mart_path()
    if not path.exists():
        raise MartMissing(
            f"No mart at {path}. Build the demo mart with `python -m mart generate --scale m` "
            f"or load your exports with `python -m mart load DIR`."
        )
    return str(path), path.stat().st_mtime


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(path: str, mtime: float) -> runner.Mart:
    # One read-only mart per file version; runner.run lends every query its own cursor (thread-safe).
    return runner.connect(path)


@st.cache_data(ttl=900, max_entries=1024, show_spinner=False)
def _run_cached(path: str, mtime: float, name: str, filters: Filters | None, extra: tuple) -> pl.DataFrame:
    return runner.run(_connection(path, mtime), name, filters, **dict(extra))


def load(name: str, filters: Filters | None = None, **extra) -> pl.DataFrame:
    """The rows of queries/<name>.sql for these filters (cached: results are small aggregates)."""
    path, mtime = current_mart()
    return _run_cached(path, mtime, name, filters, tuple(sorted(extra.items())))


def sql_of(name: str) -> str:
    return runner.sql_text(name)


def mart_label() -> str:
    return Path(mart_path()).name
