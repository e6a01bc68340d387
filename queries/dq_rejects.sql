-- One row per table, column and reason of the rejected input rows of the latest load, most frequent first.
select table_name, column_name, regexp_replace(reason, ':.*$', '') as reason_kind,
       count(*) as count_rejected, min(line_number) as first_line, any_value(reason) as example
from rejects
where load_id = (select max(load_id) from rejects)
group by all
order by count_rejected desc
