"""Build a mart aside and swap it in, so a failed build leaves the previous mart untouched."""
from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from mart.paths import PREAGGREGATES_SQL, ROLLUPS_SQL, SCHEMA_SQL, SHARED_MACROS_SQL

FACT_DATES = {
    "sales": "sold_on",
    "service_visits": "visited_on",
    "leads": "created_at::date",
    "complaints": "received_at::date",
    "surveys": "surveyed_on",
    "campaign_contacts": "contacted_on",
    "followup_calls": "called_at::date",
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

    def work(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(unenforced_schema())
        _carry_over_load_log(con, db_path)
        fill(con)
        finish(con, source=source, scale=scale, seed=seed)

    return _aside(db_path, work)


def append_mart(db_path: str | Path, fill: Callable[[duckdb.DuckDBPyConnection], None], *, source: str) -> Path:
    """Copy the mart at db_path beside it, let `fill` add and replace rows, rebuild the rollups, then swap it in.

    As with build_mart, any exception removes the copy and re-raises: the mart stays as it was.
    """
    db_path = Path(db_path)

    def work(con: duckdb.DuckDBPyConnection) -> None:
        fill(con)
        finish(con, source=source)

    return _aside(db_path, work, start_from=db_path)


def _aside(db_path: Path, work: Callable[[duckdb.DuckDBPyConnection], None], start_from: Path | None = None) -> Path:
    """Run `work` on a new file beside db_path (a copy of `start_from`, or empty) and swap it in when it succeeds;
    any exception removes the new file and re-raises, leaving db_path as it was."""
    remove_leftovers(db_path)
    tmp = db_path.with_name(f"{db_path.name}.building-{os.getpid()}")
    _remove(tmp)
    if start_from is not None:
        shutil.copyfile(start_from, tmp)
    con = duckdb.connect(str(tmp))
    try:
        work(con)
        con.close()
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    os.replace(tmp, db_path)
    return db_path


def finish(con: duckdb.DuckDBPyConnection, *, source: str, scale: str | None = None, seed: int | None = None) -> None:
    """Check the keys, (re)build the rollups and record the build: the last steps of every build and append."""
    from mart import integrity

    integrity.check(con)
    for name in rollup_tables():
        con.execute(f"drop table if exists {name}")
    con.execute(ROLLUPS_SQL.read_text())
    build_preaggregates(con)
    as_of = _as_of(con)
    con.execute("delete from mart_info")
    # Facts every page's frame needs, computed once here rather than on every page view.
    con.execute(
        "insert into mart_info select $built_at, $source, $scale, $seed, $as_of, (select min(sold_on) from sales), "
        "(select list(t::varchar order by t) from (select distinct customer_type as t from customers))",
        {"built_at": datetime.now(), "source": source, "scale": scale, "seed": seed, "as_of": as_of},
    )
    con.execute("checkpoint")


def build_preaggregates(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build mart/preaggregates.sql's tables from the rollups, with the datasets' own metric macros."""
    for name in preaggregate_tables():
        con.execute(f"drop table if exists {name}")
    for path in SHARED_MACROS_SQL:
        con.execute(path.read_text())
    con.execute(PREAGGREGATES_SQL.read_text())


def unenforced_schema() -> str:
    """schema.sql without primary key and foreign key clauses (see the note at its top)."""
    sql = SCHEMA_SQL.read_text()
    sql = re.sub(r"\s+references\s+\w+\s*\([^)]*\)", "", sql, flags=re.I)
    sql = re.sub(r",\s*primary key\s*\([^)]*\)", "", sql, flags=re.I)
    return re.sub(r"\s+primary key", "", sql, flags=re.I)


def rollup_tables() -> list[str]:
    """The tables mart/rollups.sql creates, in its order."""
    return re.findall(r"^create table (\w+)", ROLLUPS_SQL.read_text(), flags=re.M)


def preaggregate_tables() -> list[str]:
    """The tables mart/preaggregates.sql creates, in its order."""
    return re.findall(r"^create table (\w+)", PREAGGREGATES_SQL.read_text(), flags=re.M)


def remove_leftovers(db_path: Path) -> None:
    """Remove the files of builds of db_path whose process is gone (a build killed mid-way leaves them)."""
    for leftover in db_path.parent.glob(f"{db_path.name}.building-*"):
        pid = leftover.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if pid.isdigit() and not _alive(int(pid)) and leftover.exists():
            leftover.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process: alive
        return True
    return True


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
            con.execute("insert into load_log by name select * from previous.load_log")
    finally:
        con.execute("detach previous")


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()
