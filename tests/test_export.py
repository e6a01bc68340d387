"""`python -m mart export --parquet DIR`: every table, view and rollup as Parquet, read back to the same rows."""
from __future__ import annotations

import duckdb
import pytest

from mart.__main__ import main
from mart.build import preaggregate_tables
from mart.export import PARTITION_DATES, attach_duckdb_views, read_manifest


@pytest.fixture(scope="module")
def export(s_mart, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "parquet"
    assert main(["export", "--parquet", str(out), "--db", str(s_mart)]) == 0
    return out


def test_every_table_view_and_rollup_is_exported_with_its_row_count(export, s_mart):
    """Every one but the pre-aggregations, which serve DuckDB's runner alone (mart/preaggregates.sql)."""
    manifest = read_manifest(export)
    con = duckdb.connect(str(s_mart), read_only=True)
    names = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where not internal union all "
        "select view_name from duckdb_views() where not internal").fetchall()}
    assert set(manifest["tables"]) == names - set(preaggregate_tables())
    assert "sales_months" in preaggregate_tables() and "sales_months" in names
    for name, table in manifest["tables"].items():
        assert table["rows"] == con.execute(f'select count(*) from "{name}"').fetchone()[0], name
    assert manifest["tables"]["sales_in_context"]["kind"] == "rollup"
    assert manifest["tables"]["complaint_lifecycle"]["kind"] == "view"
    con.close()


def test_facts_are_partitioned_by_year_and_month(export):
    manifest = read_manifest(export)
    for name in PARTITION_DATES:
        assert manifest["tables"][name]["partitioned_by"] == ["year", "month"], name
    months = list((export / "sales").glob("year=*/month=*"))
    assert len(months) > 12 and all(any(m.glob("*.parquet")) for m in months)
    assert manifest["tables"]["dealers"]["partitioned_by"] == []


def test_duckdb_reads_the_export_back_to_the_same_counts_and_sums(export, s_mart):
    """Counts, money sums (exact DECIMAL) and date ranges of every table, on the mart and on its export."""
    mart = duckdb.connect(str(s_mart), read_only=True)
    back = duckdb.connect()
    attach_duckdb_views(back, export)
    for name, table in read_manifest(export)["tables"].items():
        parts = ["count(*)"]
        for column in table["columns"]:
            kind, col = column["type"].upper(), f'"{column["name"]}"'
            if kind.startswith(("DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "DOUBLE")):
                parts.append(f"sum({col})")
            elif kind in ("DATE", "TIMESTAMP"):
                parts += [f"min({col})", f"max({col})"]
            elif kind.startswith(("VARCHAR", "ENUM")) and not kind.endswith("[]"):
                parts.append(f"count(distinct {col}::varchar)")
        sql = f'select {", ".join(parts)} from "{name}"'
        assert back.execute(sql).fetchone() == mart.execute(sql).fetchone(), name
    mart.close()
    back.close()
