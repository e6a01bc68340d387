"""Build a mart aside and swap it in, so a failed build leaves the previous mart untouched."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from mart.paths import ROLLUPS_SQL, SCHEMA_SQL

FACT_DATES = {
    "sales": "sold_on",
    "service_visits": "visited_on",
    "leads": "created_at::date",
    "complaints": "received_at::date",
    "surveys": "surveyed_on",
    "campaign_contacts": "contacted_on",
}


def build_mart(
    db_path: str | Path,
    fill: Callable[[duckdb.DuckDBPyConnection], None],
    *,
    source: str,
    scale: str | None = None,
    seed: int | None = None,
) -> Path:
    """Create the schema in a new file beside db_path, let `fill` insert the rows, then replace db_path.

    `fill` inserts parents before children (the foreign keys are enforced). Any exception removes the
    new file and re-raises; db_path is only replaced after the new mart is complete and closed.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f"{db_path.name}.building-{os.getpid()}")
    _remove(tmp)
    con = duckdb.connect(str(tmp))
    try:
        con.execute(SCHEMA_SQL.read_text())
        _carry_over_load_log(con, db_path)
        fill(con)
        con.execute(ROLLUPS_SQL.read_text())
        as_of = _as_of(con)
        con.execute(
            "insert into mart_info values ($built_at, $source, $scale, $seed, $as_of)",
            {"built_at": datetime.now(), "source": source, "scale": scale, "seed": seed, "as_of": as_of},
        )
        con.execute("checkpoint")
        con.close()
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    os.replace(tmp, db_path)
    return db_path


def _as_of(con: duckdb.DuckDBPyConnection):
    """The data's as-of date: the latest business date of any fact (today if the mart holds no facts)."""
    parts = " union all ".join(f"select max({expr}) as d from {table}" for table, expr in FACT_DATES.items())
    (as_of,) = con.execute(f"select coalesce(max(d), current_date) from ({parts})").fetchone()
    return as_of


def _carry_over_load_log(con: duckdb.DuckDBPyConnection, previous: Path) -> None:
    """The load log is history: every rebuild keeps the previous mart's entries."""
    if not previous.exists():
        return
    con.execute("attach $path as previous (read_only)", {"path": str(previous)})
    try:
        has_log = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'previous' and table_name = 'load_log'"
        ).fetchone()[0]
        if has_log:
            con.execute("insert into load_log select * from previous.load_log")
    finally:
        con.execute("detach previous")


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()
