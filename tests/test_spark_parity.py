"""Every dataset of queries/ gives the same rows on Apache Spark as on DuckDB (issue 16).

The s mart in production's shape (tests/conftest.py, spark_export): its base tables exported as Parquet
(mart/export.py), the views and rollups built from them by Spark (mart/spark_rollups.py; compared with DuckDB's
below), read by local Spark (2 cores, 1 shuffle partition, UI off); each dataset's DuckDB SQL
is translated by queries/spark_engine.py. Rows are compared order-insensitively:
money (DECIMAL) and counts exactly, other numbers (ratios, averages, doubles) to a relative 1e-9, dates and
timestamps equal. A dataset that cannot be translated or run on Spark fails here by its name. Run alone with
`-m spark`.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta

import duckdb
import pytest

from mart.export import attach_duckdb_views, read_manifest
from mart.spark_rollups import derived_tables
from queries import runner
from queries.access import SYSTEM, bound_params
from queries.filters import FILTER_PARAMS, Filters
from tests.parity import difference

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
def start_spark(spark_session):
    """Local Spark starts (seconds: a JVM) while the s mart is built and exported: autouse fixtures come first."""


@pytest.fixture(scope="module")
def spark_mart(spark_export):
    """The s mart's export, its rollups built by Spark, on local Spark: one session for the whole module."""
    from queries.spark_engine import SparkMart

    yield SparkMart(spark_export.path, session=spark_export.spark, cache=True)  # every table is read by many datasets


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
        "mid_campaign": mid_campaign, "call_type": "service", "list_dealer_id": dealer, "dimension": "dealer",
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

# ---- the views and rollups Spark built from the base tables, against DuckDB's (in this module, not a file of
# their own: both need the Spark session and its build of the export, which a second test worker would repeat) ----
# Each is compared table by table, column by column with the s mart's own (built by DuckDB), read back from
# Spark's Parquet by DuckDB: order-insensitive by row; money and counts exact, other numbers to 1e-9; a list
# (customer_profiles' product_ids, ordered by the SQL) in its order. A view or rollup Spark cannot build fails here
# by its name.

DERIVED = [name for name, _, _ in derived_tables()]


@pytest.fixture(scope="module")
def both(spark_export, s_mart):
    """(DuckDB's mart, DuckDB reading Spark's export): one connection each."""
    mart = duckdb.connect(str(s_mart), read_only=True)
    back = duckdb.connect()
    attach_duckdb_views(back, spark_export.path)
    yield mart, back
    mart.close()
    back.close()


@pytest.mark.parametrize("name", DERIVED)
def test_spark_builds_the_same_rows_as_duckdb(name, spark_export, both):
    assert name not in spark_export.failed, f"Spark could not build {name}: {spark_export.failed[name]}"
    mart, back = both
    want = mart.sql(f'select * from "{name}"').pl()
    got = back.sql(f'select * from "{name}"').pl()
    assert want.columns == got.columns, f"{name}: columns in another order"
    problem = difference(want, got)
    assert problem is None, f"{name}: {problem}"
    assert want.height, f"{name} is empty on the s mart: the comparison proves nothing"


def test_the_manifest_says_what_a_duckdb_export_says(spark_export, s_mart):
    """Columns with their DuckDB types (the Spark engine types ENUM orderings and date arithmetic by them), the
    partitioning, and the Hive folders: the export reads as one `python -m mart export` wrote."""
    manifest = read_manifest(spark_export.path)
    assert manifest["derived_by"]["tables"] == sorted(DERIVED)
    con = duckdb.connect(str(s_mart), read_only=True)
    for name in DERIVED:
        table = manifest["tables"][name]
        columns = con.execute("select column_name, data_type from duckdb_columns() where table_name = $name "
                              "order by column_index", {"name": name}).fetchall()
        assert [(c["name"], c["type"]) for c in table["columns"]] == columns, name
        assert table["kind"] == ("view" if name in ("customer_transactions", "complaint_lifecycle") else "rollup")
    con.close()
    assert manifest["tables"]["sales_in_context"]["partitioned_by"] == ["year", "month"]
    months = list((spark_export.path / "followup_calls_in_context").glob("year=*/month=*/*.parquet"))
    assert len(months) > 12
    assert manifest["tables"]["customer_profiles"]["partitioned_by"] == []
