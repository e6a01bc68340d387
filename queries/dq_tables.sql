-- One row per mart table: rows and freshness (its latest business date). Describes the whole mart: no filters.
select 'dealers' as table_name, 'one row per dealer' as grain, count(*) as count_rows, max(opened_on) as latest_on from dealers
union all select 'products', 'one row per product', count(*), max(launched_on) from products
union all select 'customers', 'one row per customer', count(*), max(created_on) from customers
union all select 'sales', 'one row per vehicle sale', count(*), max(sold_on) from sales
union all select 'service_visits', 'one row per service visit', count(*), max(visited_on) from service_visits
union all select 'leads', 'one row per lead', count(*), max(created_at)::date from leads
union all select 'campaigns', 'one row per campaign', count(*), max(end_on) from campaigns
union all select 'campaign_contacts', 'one row per customer x campaign', count(*), max(contacted_on) from campaign_contacts
union all select 'complaints', 'one row per complaint', count(*), max(received_at)::date from complaints
union all select 'surveys', 'one row per survey response', count(*), max(surveyed_on) from surveys
