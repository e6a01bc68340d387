"""Export the mart as Parquet, for engines other than DuckDB (Apache Spark: queries/spark_engine.py).

One folder per table, view and rollup under the export folder; the facts (and the rollups and views that hold one
row per fact) partitioned Hive-style by the year and month of their business date (`sales/year=2025/month=3/`),
so an engine that filters on year and month reads only those folders. `manifest.json` lists every table with its
row count, its columns and DuckDB types (a Parquet reader does not see partition columns as the table's own, and
ENUMs become plain strings) and its partitioning. The views (`customer_transactions`, `complaint_lifecycle`) are
written out as they stand, as tables: an engine reading the export has no schema.sql to rebuild them from.
"""
from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from mart.build import FACT_DATES, preaggregate_tables, rollup_tables

MANIFEST = "manifest.json"
# The business date of each table with one row per fact: the facts of mart/build.py, their rollups with context
# (mart/rollups.sql) and the views over them (mart/schema.sql).
PARTITION_DATES = {
    **FACT_DATES,
    **{f"{table}_in_context": expr for table, expr in FACT_DATES.items() if f"{table}_in_context" in rollup_tables()},
    "complaint_lifecycle": FACT_DATES["complaints"],
    "customer_transactions": "transacted_on",
}
PARTITION_COLUMNS = ("year", "month")


def export_parquet(db_path: str | Path, out_dir: str | Path, base_only: bool = False) -> dict:
    """Write every table, view and rollup of the mart at db_path to out_dir (replaced as a whole once the new
    export is complete) and return the manifest. `base_only`: mart/schema.sql's tables alone, no view or rollup
    (what `python -m mart spark-rollups` starts from: mart/spark_rollups.py)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f"{out_dir.name}.exporting-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rollups = set(rollup_tables())
        names = con.execute(
            "select table_name, 'table' from duckdb_tables() where not internal and schema_name = 'main' "
            "union all select view_name, 'view' from duckdb_views() where not internal and schema_name = 'main' "
            "order by 1"
        ).fetchall()
        # The pre-aggregations serve DuckDB's runner only: an engine reading the export reads the facts.
        names = [(name, kind) for name, kind in names if name not in preaggregate_tables()]
        if base_only:
            names = [(name, kind) for name, kind in names if kind == "table" and name not in rollups]
        tables = {}
        for name, kind in names:
            tables[name] = _export_table(con, name, "rollup" if name in rollups else kind, tmp / name)
        manifest = {"exported_at": datetime.now().isoformat(timespec="seconds"), "source": str(db_path),
                    "source_version": _version(db_path), "tables": tables}
    except BaseException:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    con.close()
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return manifest


def _export_table(con: duckdb.DuckDBPyConnection, name: str, kind: str, folder: Path) -> dict:
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = $name and schema_name = 'main' "
        "order by column_index", {"name": name},
    ).fetchall()
    (rows,) = con.execute(f'select count(*) from "{name}"').fetchone()
    date_expr = PARTITION_DATES.get(name)
    if date_expr:
        # Written with DuckDB's own Hive partitioning: the partition values live in the folder names only.
        con.execute(
            f'copy (select *, year({date_expr}) as year, month({date_expr}) as month from "{name}" '
            f"order by {date_expr}) to '{folder}' (format parquet, partition_by (year, month))"
        )
    else:
        folder.mkdir()
        con.execute(f"""copy "{name}" to '{folder / 'part-0.parquet'}' (format parquet)""")
    return {
        "kind": kind,
        "rows": rows,
        "columns": [{"name": c, "type": t} for c, t in columns],
        "partitioned_by": list(PARTITION_COLUMNS) if date_expr else [],
        "partition_date": date_expr,
    }


def _version(path: str | Path) -> list[int]:
    """The mart file's version as the dashboard keys it (dashboard/mart_holder.py): a rebuild swaps in a new file."""
    stat = os.stat(path)
    return [stat.st_ino, stat.st_mtime_ns, stat.st_size]


def is_current(export_dir: str | Path, db_path: str | Path) -> bool:
    """Whether export_dir holds an export of the mart file now at db_path."""
    try:
        manifest = read_manifest(export_dir)
    except (FileNotFoundError, ValueError):
        return False
    return manifest.get("source_version") == _version(db_path)


def read_manifest(export_dir: str | Path) -> dict:
    return json.loads((Path(export_dir) / MANIFEST).read_text())


def parquet_glob(export_dir: str | Path, name: str) -> str:
    return str(Path(export_dir) / name / "**" / "*.parquet")


def attach_duckdb_views(con: duckdb.DuckDBPyConnection, export_dir: str | Path) -> None:
    """Create a view per exported table over its Parquet files, with the table's own columns (no partition
    columns): DuckDB reading the export back."""
    for name, table in read_manifest(export_dir)["tables"].items():
        cols = ", ".join(f'"{c["name"]}"' for c in table["columns"])
        hive = "true" if table["partitioned_by"] else "false"
        con.execute(
            f"""create or replace view "{name}" as select {cols} """
            f"""from read_parquet('{parquet_glob(export_dir, name)}', hive_partitioning = {hive})"""
        )
