-- One row per relationship between tables: child rows whose link is empty or names no parent row.
select 'customers -> dealers (home dealer)' as link, count(*) as count_rows,
       count(*) filter (where d.dealer_id is null) as count_unlinked
from customers c left join dealers d on d.dealer_id = c.home_dealer_id
union all
select 'sales -> dealers', count(*), count(*) filter (where d.dealer_id is null)
from sales s left join dealers d on d.dealer_id = s.dealer_id
union all
select 'sales -> products', count(*), count(*) filter (where p.product_id is null)
from sales s left join products p on p.product_id = s.product_id
union all
select 'leads (won) -> sales', count(*), count(*) filter (where s.lead_id is null)
from leads l left join (select distinct lead_id from sales where lead_id is not null) s on s.lead_id = l.lead_id
where l.outcome = 'won'
union all
select 'complaints -> dealers', count(*), count(*) filter (where d.dealer_id is null)
from complaints k left join dealers d on d.dealer_id = k.dealer_id
union all
-- customer_profiles (mart/rollups.sql) counts each customer's transactions: grouping every sale and visit
-- here took most of this dataset's time (2 s at scale l).
select 'customers -> any transaction', count(*), count(*) filter (where count_transactions = 0)
from customer_profiles
