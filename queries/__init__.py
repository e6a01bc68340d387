"""The query layer: one .sql file per dataset, run by queries.runner.run, the only code that talks to DuckDB."""
