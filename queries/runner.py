"""The one path to the database: open the mart read-only and run a named .sql file with bound parameters."""
from __future__ import annotations

import os
import queue
import re
import threading
import warnings
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from queries import routes
from queries.access import SYSTEM, WHOLE_MART_DATASETS, Access, AccessDenied, bound_params
from queries.filters import FILTER_PARAMS, Filters

SQL_DIR = Path(__file__).resolve().parent
# Macros every dataset builds on (filter scoping and metric formulas), created per connection so that an
# older mart file still gets the current definitions.
SHARED_SQL = ("scope.sql", "metrics.sql", "preaggregated/macros.sql")
TIME_LIMIT_S = 30.0
_PARAM = re.compile(r"(?<![:\w])\$([a-z_][a-z0-9_]*)")
# The DB-API Arrow path warns about its extra copy (see run) on every call.
_COPY_WARNING = "Arrow output on a DB-API result"


class QueryError(RuntimeError):
    pass


class MartOutdated(QueryError):
    """The mart file lacks tables this version reads: it was built by an older version. `path` and `missing` let a
    page say so in its reader's language."""

    def __init__(self, message: str, path: str = "", missing: tuple[str, ...] = ()):
        super().__init__(message)
        self.path, self.missing = path, missing


# Tables the datasets read that a mart built by an older version may lack (mart/rollups.sql).
REQUIRED_TABLES = (
    "customer_profiles", "sale_followups", "sales_in_context", "service_visits_in_context", "surveys_in_context",
    "complaints_in_context", "campaign_contacts_in_context", "followup_calls_in_context", "campaign_touches",
    "sale_touches", "targets",
    # mart/preaggregates.sql (queries/routes.py)
    "sales_months", "service_months", "survey_months", "complaint_months", "lead_months", "followup_call_months",
    "campaign_counts", "campaign_places", "customer_active_spans", "maintenance_visits", "customer_months",
    "followup_months", "followup_survey_months",
)


# Columns a mart built by an older version lacks (mart/schema.sql, mart/rollups.sql).
REQUIRED_COLUMNS = ("mart_info.customer_types", "customer_profiles.customer_key", "rejects.severity",
                    "followup_calls_in_context.is_first_call", "sales_in_context.serviced_within_12_months",
                    "maintenance_visits.visit_days_18_months")


class Mart:
    """A read-only mart with a pool of cursors that carry the shared macros.

    DuckDB cursors are separate connections to one database, so temp macros must be created on each; that
    costs tens of milliseconds, so cursors are made once and reused, one per concurrent query (thread-safe).
    """

    def __init__(self, db_path: str | Path):
        self.path = str(db_path)
        self._con = duckdb.connect(self.path, read_only=True)
        present = {row[0] for row in self._con.execute("select table_name from duckdb_tables()").fetchall()}
        columns = set(self._con.execute("select table_name || '.' || column_name from duckdb_columns()").fetchall())
        missing = [t for t in REQUIRED_TABLES if t not in present]
        missing += [c for c in REQUIRED_COLUMNS if (c,) not in columns and c.split(".")[0] in present]
        if missing:
            self._con.close()
            raise MartOutdated(
                f"The mart at {self.path} was built by an older version (it lacks {', '.join(missing)}). "
                f"Rebuild it: `python -m mart generate --db {self.path}` or `python -m mart load DIR --db {self.path}`.",
                self.path, tuple(missing),
            )
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._shared_sql = "\n".join((SQL_DIR / name).read_text() for name in SHARED_SQL)

    def checkout(self) -> duckdb.DuckDBPyConnection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            cursor = self._con.cursor()
            cursor.execute(self._shared_sql)
            return cursor

    def checkin(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._idle.put(cursor)

    def close(self) -> None:
        self._con.close()


# The engine that runs the datasets, read here and nowhere else: 'duckdb' (the default), 'spark' (local Spark on
# the mart's Parquet export), or a cluster's URL: 'spark://host:7077' or Spark Connect's 'sc://host:15002'.
ENGINE_SETTING = "CRM_ENGINE"


def engine() -> str:
    return os.environ.get(ENGINE_SETTING, "").strip() or "duckdb"


def connect(db_path: str | Path):
    """The mart at db_path on the engine CRM_ENGINE names: a DuckDB Mart, or a SparkMart over its Parquet export
    (queries/spark_engine.py)."""
    chosen = engine()
    if chosen == "duckdb":
        return Mart(db_path)
    if chosen == "spark" or chosen.startswith(("spark://", "sc://", "local")):
        from queries.spark_engine import SparkMart

        Mart(db_path).close()  # the same check of an outdated mart as on DuckDB
        return SparkMart.for_mart(db_path, master=chosen)
    raise QueryError(f"{ENGINE_SETTING}={chosen!r}: use duckdb, spark, spark://HOST:PORT or sc://HOST:PORT")


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not path.exists():
        raise QueryError(f"no dataset {name!r}: {path} does not exist")
    return path.read_text()


def sql_params(name: str) -> frozenset[str]:
    """The named parameters ($name) a dataset's SQL binds."""
    return params_of(sql_text(name))


def params_of(sql: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(_strip_comments(sql)))


def dataset_names() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql") if p.name not in SHARED_SQL)


def run(
    mart: Mart,
    name: str,
    filters: Filters | None = None,
    time_limit_s: float = TIME_LIMIT_S,
    *,
    access: Access = SYSTEM,
    **extra,
) -> pl.DataFrame:
    """Run queries/<name>.sql for `access` (the person asking) and return its rows as a Polars frame.

    The filters are intersected with the person's scope before binding (queries/access.py), so no caller can ask
    for rows outside it. The SQL may use any of the filter parameters; every other parameter it binds must be
    passed in `extra`, and nothing else may be: a mismatch between a SQL file and its caller fails loudly here.
    """
    if name in WHOLE_MART_DATASETS and not access.rules.whole_mart:
        raise AccessDenied(f"{name} describes the whole mart: not for the {access.role} role")
    if extra.get("reveal") and not access.rules.may_reveal:
        raise AccessDenied(f"the {access.role} role may not reveal personal data")
    wanted = sql_params(name)
    params = {k: v for k, v in bound_params(filters, access).items() if k in wanted}
    missing_filters = (wanted & FILTER_PARAMS) - params.keys()
    if missing_filters:
        raise QueryError(f"{name}.sql needs the filters ({', '.join(sorted(missing_filters))}) but none were given")
    extra_wanted = wanted - FILTER_PARAMS
    if set(extra) != extra_wanted:
        raise QueryError(
            f"{name}.sql binds {sorted(extra_wanted)} besides the filters, but the caller passed {sorted(extra)}"
        )
    params.update(extra)
    if not isinstance(mart, Mart):  # Spark: the same SQL, translated (queries/spark_engine.py)
        return mart.run(name, sql_text(name), params, time_limit_s)
    cursor = mart.checkout()
    # DuckDB has no statement timeout: interrupt from a timer so one slow query cannot hang a page.
    timer = threading.Timer(time_limit_s, cursor.interrupt)
    timer.start()
    try:
        # execute + Arrow rather than cursor.sql(...).pl(): the relation API binds the statement once to describe
        # it and again to run it, 16% of all datasets' CPU on the m mart (bench/README.md). The DB-API result
        # copies the rows once more, which costs nothing for the small aggregates datasets return.
        # Whole months and geography alone: the pre-aggregations answer with the same rows (queries/routes.py).
        cursor.execute(routes.sql_for(name, params) or sql_text(name), params)
        # Set per call, not once: warnings.catch_warnings (pytest uses one per test) restores the filters it found.
        warnings.filterwarnings("ignore", message=_COPY_WARNING, category=UserWarning)
        frame = pl.from_arrow(cursor.to_arrow_table())
    except BaseException as error:
        cursor.abort()  # a pooled cursor must not keep half a result
        if isinstance(error, duckdb.InterruptException):
            raise QueryError(f"{name}.sql took longer than {time_limit_s:.0f} s") from error
        raise
    finally:
        timer.cancel()
        mart.checkin(cursor)
    return frame


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)
