-- One row: what the mart was built from and its as-of date (the latest business date in it).
select built_at, source, scale, seed, as_of_on,
       (select min(sold_on) from sales) as first_sale_on
from mart_info
order by built_at desc
limit 1
