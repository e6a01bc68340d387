-- One row per table, column, severity and kind of reason among the latest load's rejected rows and warnings
-- (a warning: a loaded row whose optional descriptive value was emptied); rejected before warning, then most frequent.
-- The latest load is the load log's, so a clean load shows nothing rather than an older load's rejects.
select table_name, column_name, severity,
       regexp_replace(reason, '(: .*|=.*)$', '') as reason_kind,
       count(*) as count_rows,
       min(line_number) as first_line,
       arg_min(reason, line_number) as example
from rejects
where load_id = (select max(load_id) from load_log)
group by all
order by severity, count_rows desc, table_name, column_name, reason_kind
