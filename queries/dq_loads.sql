-- One row per table of the most recent loads (newest first): what was read, loaded, rejected and warned.
select load_id, loaded_at, source, table_name, source_file, count_read, count_loaded, count_rejected, count_warned
from load_log
order by load_id desc, table_name
limit 200
