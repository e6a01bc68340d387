"""Build the views of mart/schema.sql and the rollups of mart/rollups.sql with Apache Spark, from a Parquet export of
the base tables, into the same export (`python -m mart spark-rollups DIR`): the heavy build runs where the data is.

One source of truth: each view's and rollup's DuckDB SQL is translated by queries/spark_engine.py (the rules there
cover what Spark means otherwise: ASOF joins, ordered distinct lists ...), never kept as a second copy. The output is
the export's layout (mart/export.py): one folder per table, the tables with one row per fact partitioned by the
year and month of their business date and sorted by the SQL's own ORDER BY within them, every column cast to the
Spark type of its DuckDB type, and manifest.json updated (rows, columns with their DuckDB types, partitioning), so
that CRM_ENGINE=spark (and DuckDB) read it as they read `python -m mart export`.

The columns' DuckDB types come from an empty DuckDB database built from the same two SQL files. Every table is
written beside the export first and moved into place once all are built: a failed build leaves the export as it
was. The export folder must be a local (or mounted) path.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from mart.build import rollup_tables, unenforced_schema
from mart.export import MANIFEST, PARTITION_COLUMNS, PARTITION_DATES, read_manifest
from mart.paths import ROLLUPS_SQL, SCHEMA_SQL


class RollupBuildError(RuntimeError):
    """A view or rollup could not be translated or built on Spark; the message starts with its name."""


@lru_cache(maxsize=1)
def duckdb_types() -> dict[str, dict[str, str]]:
    """{table: {column: DuckDB type}} of every table, view and rollup, in column order, from an empty mart."""
    con = duckdb.connect()
    try:
        con.execute(unenforced_schema())
        con.execute(ROLLUPS_SQL.read_text())
        rows = con.execute("select table_name, column_name, data_type from duckdb_columns() "
                           "where not internal and schema_name = 'main' order by table_name, column_index").fetchall()
    finally:
        con.close()
    types: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        types.setdefault(table, {})[column] = kind
    return types


def derived_tables() -> list[tuple[str, str, str]]:
    """(name, kind, DuckDB select) of schema.sql's views, then rollups.sql's rollups, each in its file's order
    (a rollup reads the views and the rollups above it)."""
    strip = lambda sql: re.sub(r"--[^\n]*", "", sql)  # noqa: E731
    views = re.findall(r"create\s+view\s+(\w+)\s+as\s+(.*?);", strip(SCHEMA_SQL.read_text()), flags=re.I | re.S)
    rollups = re.findall(r"create\s+table\s+(\w+)\s+as\s+(.*?);", strip(ROLLUPS_SQL.read_text()), flags=re.I | re.S)
    found = [(n, "view", q) for n, q in views] + [(n, "rollup", q) for n, q in rollups]
    assert [n for n, kind, _ in found if kind == "rollup"] == rollup_tables(), "rollups.sql read otherwise than build.py"
    return found


def spark_type(duckdb_type: str) -> str:
    """The Spark type a DuckDB column is written as (an ENUM as its value: a string)."""
    if duckdb_type.upper().startswith("ENUM"):
        return "STRING"
    return exp.DataType.build(duckdb_type, dialect="duckdb").sql("spark")


def build_sql(name: str, select_sql: str, schema: dict) -> str:
    """The Spark SQL that builds one view or rollup in the export's shape: its query translated without its final
    ORDER BY, every column cast to its DuckDB type's Spark type, the year and month partition columns added
    where the table is partitioned, and the ORDER BY applied within each month (DISTRIBUTE BY / SORT BY) or,
    for a table not partitioned, as a whole."""
    from queries.spark_engine import translate

    tree = sqlglot.parse_one(select_sql, read="duckdb")
    order = tree.args.get("order")
    keys = []
    if order is not None:
        tree.set("order", None)
        for key in order.expressions:
            if not isinstance(key.this, exp.Column):
                raise RollupBuildError(f"{name}: its ORDER BY {key.sql('duckdb')} is not a column")
            keys.append(exp.Ordered(this=exp.column(key.name), desc=key.args.get("desc"),
                                    nulls_first=key.args.get("nulls_first")).sql("spark"))
    query = translate(tree.sql("duckdb"), schema)
    columns = [f"CAST(`{c}` AS {spark_type(t)}) AS `{c}`" for c, t in duckdb_types()[name].items()]
    date_expr = PARTITION_DATES.get(name)
    if date_expr:
        day = sqlglot.transpile(date_expr, read="duckdb", write="spark")[0]
        columns += [f"YEAR({day}) AS year", f"MONTH({day}) AS month"]
        tail = "DISTRIBUTE BY year, month SORT BY " + ", ".join(["year", "month", *keys])
    else:
        tail = f"ORDER BY {', '.join(keys)}" if keys else ""
    return f"SELECT {', '.join(columns)} FROM ({query}) AS {name} {tail}".strip()


def build_rollups_on_spark(export_dir: str | Path, spark, keep_going: bool = False) -> dict[str, str]:
    """Build every view and rollup from the base tables of the export at export_dir with the Spark session, write
    them into the export and update its manifest. Returns {name: error} of those that failed (keep_going) - by
    default the first failure raises RollupBuildError and the export is left as it was."""
    from queries.spark_engine import register_view

    export_dir = Path(export_dir)
    manifest = read_manifest(export_dir)
    types = duckdb_types()
    schema = {name: dict(columns) for name, columns in types.items()}
    base = {name: table for name, table in manifest["tables"].items() if table["kind"] == "table"}
    for name, table in base.items():
        register_view(spark, str(export_dir / name), name, [c["name"] for c in table["columns"]])
    work = export_dir.with_name(f"{export_dir.name}.spark-rollups-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    built, failed = {}, {}
    try:
        for name, kind, select_sql in derived_tables():
            folder = work / name
            try:
                frame = spark.sql(build_sql(name, select_sql, schema))
                writer = frame.write.mode("overwrite")
                if name in PARTITION_DATES:
                    writer = writer.partitionBy(*PARTITION_COLUMNS)
                writer.parquet(str(folder))
                register_view(spark, str(folder), name, list(types[name]))
                rows = spark.table(name).count()
            except Exception as error:  # noqa: BLE001 - Spark's and the translation's errors, named for the table
                message = f"{name}: {type(error).__name__}: {str(error)[:2000]}"
                if not keep_going:
                    raise RollupBuildError(message) from error
                failed[name] = message
                continue
            built[name] = {
                "kind": kind,
                "rows": rows,
                "columns": [{"name": c, "type": t} for c, t in types[name].items()],
                "partitioned_by": list(PARTITION_COLUMNS) if name in PARTITION_DATES else [],
                "partition_date": PARTITION_DATES.get(name),
            }
        for name in built:
            shutil.rmtree(export_dir / name, ignore_errors=True)
            os.replace(work / name, export_dir / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    manifest["tables"].update(built)
    manifest["derived_by"] = {"engine": f"spark {spark.version}", "built_at": datetime.now().isoformat(timespec="seconds"),
                              "tables": sorted(built)}
    (export_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return failed
