-- One row per fact or dimension table with its row count, so a page can say which parts have no data.
select table_name, estimated_size as count_rows
from duckdb_tables()
where database_name = current_database() and schema_name = 'main'
