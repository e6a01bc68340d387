-- maintenance_due.sql answered from the pre-aggregation maintenance_visits (mart/preaggregates.sql) when
-- queries/routes.py allows it: for a person who may see the whole network (a vehicle's last visit is then found
-- among all visits, as the original finds it among the visits of $reach), the same rows.
with
-- The vehicles whose last maintenance at the period's end falls in the 18 months to it, as maintained below,
-- from the pre-aggregation: the visit with no later one by the end.
last_visits as (
    select customer_key, product_id, visited_on as last_maintenance_on, visit_number, mileage_km, dealer_id,
           region, province, sold_on
    from maintenance_visits
    where visited_on between ($end_on::date - interval 18 month)::date + 1 and $end_on
      and (next_visited_on is null or next_visited_on > $end_on)
      and in_geo(region, province, dealer_id, $scope)
),
-- The first visit of each such vehicle within the 18 months: the visits in the window are the ones numbered from it.
first_visits as (
    select customer_key, product_id, visit_number as first_number
    from maintenance_visits
    where visited_on between ($end_on::date - interval 18 month)::date + 1 and $end_on
      and (previous_visited_on is null or previous_visited_on <= ($end_on::date - interval 18 month)::date)
      and (customer_key, product_id) in (select customer_key, product_id from last_visits)
),
in_scope as (
    select m.customer_key, m.product_id, m.last_maintenance_on, m.visit_number - f.first_number + 1 as count_maintenance_visits,
           m.mileage_km, m.dealer_id, d.dealer_name, m.region, m.province, m.sold_on
    from last_visits m
    join first_visits f using (customer_key, product_id)
    left join dealers d on d.dealer_id = m.dealer_id
),
rule as (
    select m.*,
           -- (greatest() skips a NULL: without a known sale there is no km per day, not the whole odometer in one day)
           case when m.sold_on is not null then m.mileage_km / greatest(date_diff('day', m.sold_on, m.last_maintenance_on), 1) end as km_per_day,
           (m.last_maintenance_on + interval 6 month)::date as due_by_time_on
    from in_scope m
),
due as (
    select *,
           case when km_per_day > 0 then (last_maintenance_on + ceil(10000 / km_per_day)::integer)::date end as due_by_distance_on
    from rule
),
listed as (
    select *,
           least(due_by_time_on, coalesce(due_by_distance_on, due_by_time_on)) as due_on,
           case when due_by_distance_on < due_by_time_on then 'distance' else 'time' end as due_by
    from due
),
picked as (
    select l.*
    from listed l
    where l.due_on <= ($end_on::date + 30)
      and l.due_on > ($end_on::date - interval 12 month)::date
),
-- The whole list's counts, once (window counts over every row cost 0.3 s at scale m).
counts as (
    select count(*) as count_rows,
           count(*) filter (where due_on < $end_on::date) as count_overdue,
           count(*) filter (where date_diff('day', due_on, $end_on::date) > 30) as count_overdue_over_month,
           count(*) filter (where due_on >= $end_on::date) as count_due_soon
    from picked
),
page as (
    select *, date_diff('day', due_on, $end_on::date) as days_overdue
    from picked
    order by days_overdue desc, customer_key, product_id   -- customer_key follows customer_id's order (rollups)
    limit case when $page > 0 then 100 end offset 100 * greatest($page - 1, 0)
),
-- The listed vehicles' customer numbers, from their visits (only a page of them: carried through the grouping of
-- every vehicle above, the strings cost more than this second look).
numbers as (
    select distinct customer_key, customer_id
    from scoped_service_visits(($end_on::date - interval 18 month)::date + 1, $end_on, $reach)
    where customer_key in (select customer_key from page)
),
final as (
    select
        cp.customer_id, l.product_id, coalesce(p.product_name, l.product_id) as product_name,
        l.days_overdue, l.due_on, l.due_by, l.last_maintenance_on, l.dealer_id, l.dealer_name, l.region,
        l.mileage_km, round(l.km_per_day, 1) as km_per_day,
        round(l.km_per_day * date_diff('day', l.last_maintenance_on, $end_on::date))::bigint as km_since_maintenance,
        l.sold_on, l.count_maintenance_visits,
        c.count_rows, c.count_overdue, c.count_overdue_over_month, c.count_due_soon
    from page l
    cross join counts c
    left join products p using (product_id)
    join numbers cp on cp.customer_key = l.customer_key
)
select * from final
order by days_overdue desc, customer_id, product_id
