"""Every dataset of queries/ gives the same rows on Apache Spark as on DuckDB (issue 16).

The s mart is exported as Parquet (mart/export.py) and read by local Spark (2 cores, 1 shuffle partition, UI
off); each dataset's DuckDB SQL is translated by queries/spark_engine.py. Rows are compared order-insensitively:
money (DECIMAL) and counts exactly, other numbers (ratios, averages, doubles) to a relative 1e-9, dates and
timestamps equal. A dataset that cannot be translated or run on Spark fails here by its name. Run alone with
`-m spark`.
"""
from __future__ import annotations

import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from queries import runner
from queries.access import SYSTEM, bound_params
from queries.filters import FILTER_PARAMS, Filters

pytestmark = pytest.mark.spark

# Datasets that are empty on a generated mart whatever the filters: they describe loads of a user's exports, and
# the demo mart has none. They still run on both engines and must agree (on their columns).
EMPTY_ON_DEMO_MART = {"dq_loads", "dq_rejects"}
# Parameters a dataset is compared with other than the common choice below (the funnel page's own: every lead).
OVERRIDES = {"funnel_stages": {"campaign_id": None}}
# Known gaps, failing by name until a rule covers them (strict: a fix turns the test green and must remove the entry).
NOT_YET_ON_SPARK: dict[str, str] = {}
# Datasets read on another day than the mart's as-of date: campaigns in progress, on a day when some were.
READ_ON = {"campaigns_running": "mid_campaign"}
# Datasets compared under one filter set only: they bind no filters, or only $reach (the person's whole reach,
# which the filters do not change).
UNFILTERED = {name for name in runner.dataset_names() if not runner.sql_params(name) & {"scope", "start_on", "end_on"}}


@pytest.fixture(scope="module", autouse=True)
def spark_session():
    """Local Spark, started (seconds: a JVM) while the s mart is built and exported: autouse fixtures come first."""
    from queries.spark_engine import session_builder

    # The s mart's tables are tiny: what costs is the work per query, not per row. Measured on a loaded 2-core
    # machine: adaptive re-planning and code generation (whole-stage or per expression: each query compiles its own
    # classes) cost more than they save; one shuffle partition and no broadcast joins make each query one Spark job
    # (a broadcast is a job of its own) with half the tasks.
    builder = (session_builder("spark")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .config("spark.sql.autoBroadcastJoinThreshold", "-1")
               .config("spark.sql.shuffle.partitions", "1"))
    with ThreadPoolExecutor(max_workers=1) as starter:
        starting = starter.submit(builder.getOrCreate)
        yield starting
        starting.result().stop()


@pytest.fixture(scope="module")
def spark_mart(spark_session, s_mart, tmp_path_factory):
    """The s mart's Parquet export on local Spark: one session for the whole module."""
    from mart.export import export_parquet
    from queries.spark_engine import SparkMart

    export = tmp_path_factory.mktemp("s_export") / "parquet"
    export_parquet(s_mart, export)
    spark = spark_session.result()
    # A query that fails is reported by its dataset's name below, not by a page of logged plan.
    spark.sparkContext.setLogLevel("FATAL")
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    yield SparkMart(export, session=spark, cache=True)  # every table is read by many datasets


@pytest.fixture(scope="module")
def duck(s_mart):
    m = runner.Mart(s_mart)  # DuckDB, whatever CRM_ENGINE says
    yield m
    m.close()


@pytest.fixture(scope="module")
def cases(s_mart):
    """The filter sets (everything; a region; a dealer with a product and a segment) and each dataset's other
    parameters, chosen from the mart so that the answers are not empty."""
    con = duckdb.connect(str(s_mart), read_only=True)
    q = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    (as_of,) = q("select as_of_on from mart_info")
    region, dealer = q("select d.region, s.dealer_id from sales s join dealers d using (dealer_id) "
                       "group by all order by count(*) desc, s.dealer_id limit 1")
    (product,) = q(f"select product_id from sales where dealer_id = '{dealer}' group by 1 order by count(*) desc, 1 limit 1")
    (campaign,) = q("select campaign_id from sales where campaign_id is not null group by 1 order by count(*) desc, 1 limit 1")
    (customer,) = q("select customer_id from customer_transactions group by 1 order by count(*) desc, 1 limit 1")
    (category,) = q("select category from complaints group by 1 order by count(*) desc, 1 limit 1")
    (mid_campaign,) = q("select start_on + ((end_on - start_on) // 2)::integer from campaigns where end_on < "
                        "(select as_of_on from mart_info) order by end_on desc, campaign_id limit 1")
    con.close()
    year = Filters(start_on=date(as_of.year - 1, as_of.month, 1), end_on=as_of)
    filter_sets = {
        "all": year,
        "region": replace(year, region=region),
        "dealer+product+segment": replace(year, dealer_id=dealer, product_ids=(product,), customer_types=("individual",)),
    }
    extras = {
        "as_of": as_of, "window_days": 30, "campaign_id": campaign, "page": 1, "grain": "quarter",
        "calibration_end_on": as_of - timedelta(days=180), "list_by": "category", "list_value": category,
        "customer_id": customer, "reveal": False, "group_by": "dealer", "max_groups": 8, "segment": None, "tier": "A",
        "compare_start_on": date(as_of.year - 2, as_of.month, 1), "compare_end_on": date(as_of.year - 1, as_of.month, 1) - timedelta(days=1),
        "mid_campaign": mid_campaign, "call_type": "service", "list_dealer_id": dealer,
    }
    return filter_sets, extras


def comparisons(name: str, cases) -> tuple[dict, dict]:
    """The filter sets a dataset is compared under ({label: Filters or None}) and its other parameters."""
    filter_sets, extras = cases
    wanted = runner.sql_params(name)
    unknown = wanted - FILTER_PARAMS - extras.keys() - OVERRIDES.get(name, {}).keys()
    if unknown:
        raise KeyError(f"{name}.sql binds {sorted(unknown)}: give them values in this test's table (the cases fixture)")
    extra = {k: OVERRIDES.get(name, {}).get(k, extras.get(k)) for k in wanted - FILTER_PARAMS}
    sets = {"none": None} if name in UNFILTERED else filter_sets
    if name in READ_ON:
        day = extras[READ_ON[name]]
        sets = {label: replace(f, start_on=day - timedelta(days=365), end_on=day) for label, f in sets.items()}
    return sets, extra


@pytest.fixture(scope="module")
def on_spark(spark_mart, cases):
    """Every dataset's Spark answers, asked for up front in the order the tests read them: Spark works through the
    queue (two queries at a time, one per core) while the tests run DuckDB and compare. {name: {label: Future}}."""
    def run(name, filters, extra):
        wanted = runner.sql_params(name)
        params = {k: v for k, v in bound_params(filters, SYSTEM).items() if k in wanted} | extra
        return spark_mart.run(name, runner.sql_text(name), params)

    futures: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name in runner.dataset_names():
            try:
                sets, extra = comparisons(name, cases)
            except KeyError:
                continue  # the test says which parameter lacks a value
            futures[name] = {label: pool.submit(run, name, filters, extra) for label, filters in sets.items()}
        yield futures
        for per_set in futures.values():
            for future in per_set.values():
                future.cancel()


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=NOT_YET_ON_SPARK[n], strict=True)) if n in NOT_YET_ON_SPARK else n
    for n in runner.dataset_names()
])
def test_dataset_gives_the_same_rows_on_spark(name, duck, on_spark, cases):
    try:
        sets, extra = comparisons(name, cases)
    except KeyError as error:
        pytest.fail(error.args[0])
    rows = 0
    for label, filters in sets.items():
        want = runner.run(duck, name, filters, **extra)
        try:
            got = on_spark[name][label].result()
        except Exception as error:  # noqa: BLE001 - any failure on Spark fails this dataset by name
            pytest.fail(f"{name}.sql does not run on Spark ({label}): {type(error).__name__}: {str(error)[:2000]}")
        problem = difference(want, got)
        assert problem is None, f"{name} ({label}): {problem}"
        rows += want.height
    assert rows or name in EMPTY_ON_DEMO_MART, f"{name} is empty under every filter set: the comparison proves nothing"


def test_parity_covers_every_dataset():
    """The parametrization above lists queries/ itself: a new dataset is compared without anyone adding it."""
    assert len(runner.dataset_names()) >= 49


# --- comparison --------------------------------------------------------------------------------------------------

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
