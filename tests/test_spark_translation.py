"""The DuckDB -> Spark SQL translation of queries/spark_engine.py, without starting Spark."""
from __future__ import annotations

import re
from functools import lru_cache

import pytest

from queries import runner, spark_engine


@pytest.mark.parametrize("name", runner.dataset_names())
def test_every_dataset_translates_with_no_macro_or_struct_parameter_left(name):
    sql = spark_engine.translate(runner.sql_text(name), schema=_schema())
    for macro in spark_engine.macros():
        assert not re.search(rf"\b{macro}\s*\(", sql, flags=re.I), f"{name}: macro {macro} left in the Spark SQL"
    assert not re.search(r"[:$](scope|reach)\b(?!__)", sql), f"{name}: a STRUCT parameter bound whole"
    assert "$" not in re.sub(r"'[^']*'", "", sql), f"{name}: a DuckDB $parameter left"


def test_scope_fields_are_bound_as_parameters_of_their_own():
    sql = spark_engine.translate("select count(*) from scoped_sales($start_on, $end_on, $scope)")
    assert "CAST(:scope__regions AS ARRAY<STRING>)" in sql and ":start_on" in sql
    args = spark_engine.spark_args({"start_on": 1, "scope": {"regions": ["华东"], "is_everything": False}})
    assert args == {"start_on": 1, "scope__regions": ["华东"], "scope__is_everything": False}


def test_two_expansions_of_one_macro_do_not_collide():
    """Used to break: sqlglot lifts nested CTEs to the top for Spark, where two customer_rfm expansions clashed."""
    sql = spark_engine.translate("select * from customer_rfm($start_on, $end_on, $scope) a "
                                 "join customer_rfm($start_on, $end_on, $reach) b using (customer_id)")
    names = re.findall(r"(\w+) AS \(", sql)
    assert len(names) == len(set(names))


@lru_cache(maxsize=1)
def _schema():
    """Column names of the tables the star-spelling needs, from the schema and rollup SQL, via an empty mart."""
    import duckdb

    from mart.build import unenforced_schema
    from mart.paths import ROLLUPS_SQL

    con = duckdb.connect()
    con.execute(unenforced_schema())
    con.execute(ROLLUPS_SQL.read_text())
    rows = con.execute("select table_name, column_name, data_type from duckdb_columns() where not internal").fetchall()
    schema: dict = {}
    for table, column, kind in rows:
        schema.setdefault(table, {})[column] = spark_engine._sqlglot_type(kind)
    return schema


def test_date_minus_date_is_found_by_the_columns_types():
    """Used to break: `b.end_on - b.last_part_on` (two DATE columns of a CTE) stayed a subtraction, an interval on
    Spark; a date minus a number of days is no difference of dates."""
    sql = spark_engine.translate("with b as (select $start_on::date as start_on, $end_on::date as end_on) "
                                 "select b.end_on - b.start_on + 1 as days, b.end_on - 1 as day_before from b",
                                 schema=_schema())
    assert "DATEDIFF(b.end_on, b.start_on)" in sql and "b.end_on - 1" in sql


def test_an_enum_orders_by_its_declared_values():
    """DuckDB orders an ENUM by its declared order (sales, service, complaint_callback), Spark a string A-Z."""
    for query in ("select call_type from followup_calls order by call_type",
                  "select call_type::varchar as t from followup_calls order by call_type::survey_type"):
        sql = spark_engine.translate(query, schema=_schema())
        assert "ARRAY_POSITION(ARRAY('sales', 'service', 'complaint_callback')" in sql, sql
    sql = spark_engine.translate("select unnest(enum_range(null::survey_type)) as t", schema=_schema())
    assert "ARRAY('sales', 'service', 'complaint_callback')" in sql and "survey_type" not in sql


def test_a_table_macro_reading_a_column_beside_it_is_joined_laterally():
    """Used to break: `from rfm r, customer_in_reach($scope, r.customer_id) c` (DuckDB joins it laterally by itself)
    could not resolve r on Spark, which also resolves an outer column one subquery level deep only."""
    sql = spark_engine.translate("select c.city from customer_profiles r, customer_in_reach($scope, r.customer_id) c",
                                 schema=_schema())
    lateral = sql[sql.index("LATERAL"):]
    assert "c.customer_id = r.customer_id" in lateral and lateral.count("r.customer_id") == 1


def test_a_value_not_in_a_list_has_no_position():
    sql = spark_engine.translate("select list_position(['a', 'b'], x) from t")
    assert "NULLIF(ARRAY_POSITION(ARRAY('a', 'b'), x), 0)" in sql


def test_every_view_and_rollup_translates_with_no_asof_join_or_unordered_list():
    """mart/rollups.sql on Spark (mart/spark_rollups.py): DuckDB's ASOF join and list(distinct x order by x) have no
    Spark spelling; sqlglot wrote `ASOF LEFT JOIN` through and collect_list(DISTINCT x), in no order."""
    from mart.spark_rollups import build_sql, derived_tables

    for name, _, select_sql in derived_tables():
        sql = build_sql(name, select_sql, _schema())
        assert "ASOF" not in sql and "COLLECT_LIST" not in sql, name
    profiles = build_sql("customer_profiles", dict((n, q) for n, _, q in derived_tables())["customer_profiles"], _schema())
    assert "ARRAY_SORT(COLLECT_SET(product_id))" in profiles
