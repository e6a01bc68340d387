-- One row per key or linking column that may be empty: how many rows leave it empty.
select 'customers' as table_name, 'home_dealer_id' as column_name, count(*) as count_rows, count(*) - count(home_dealer_id) as count_null from customers
union all select 'customers', 'acquisition_channel', count(*), count(*) - count(acquisition_channel) from customers
union all select 'sales', 'dealer_id', count(*), count(*) - count(dealer_id) from sales
union all select 'sales', 'cost', count(*), count(*) - count(cost) from sales
union all select 'service_visits', 'dealer_id', count(*), count(*) - count(dealer_id) from service_visits
union all select 'leads', 'contacted_at', count(*), count(*) - count(contacted_at) from leads
union all select 'leads', 'customer_id (won leads)', count(*) filter (where outcome = 'won'), count(*) filter (where outcome = 'won' and customer_id is null) from leads
union all select 'complaints', 'dealer_id', count(*), count(*) - count(dealer_id) from complaints
union all select 'complaints', 'product_id', count(*), count(*) - count(product_id) from complaints
union all select 'complaints', 'callback_score (closed)', count(*) filter (where closed_at is not null), count(*) filter (where closed_at is not null and callback_score is null) from complaints
union all select 'surveys', 'dealer_id', count(*), count(*) - count(dealer_id) from surveys
