"""Where the mart lives: one rule for the app, the CLI and the tests."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SQL = Path(__file__).with_name("schema.sql")
ROLLUPS_SQL = Path(__file__).with_name("rollups.sql")
PREAGGREGATES_SQL = Path(__file__).with_name("preaggregates.sql")
# The metric and scope macros the datasets use: the pre-aggregations are built with the same definitions.
SHARED_MACROS_SQL = (ROOT / "queries" / "scope.sql", ROOT / "queries" / "metrics.sql")
DEFAULT_MART = ROOT / "data" / "mart.duckdb"


def mart_path() -> Path:
    """The mart the app reads: $CRM_MART if set, else data/mart.duckdb."""
    return Path(os.environ.get("CRM_MART") or DEFAULT_MART)
