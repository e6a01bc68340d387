-- One row: what the mart was built from, its as-of date (the latest business date in it), its first sale and
-- the customer types present (mart/build.py records them at build time).
select built_at, source, scale, seed, as_of_on, first_sale_on, customer_types
from mart_info
order by built_at desc
limit 1
