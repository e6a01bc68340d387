-- The parts of maintenance_due.sql answered from the pre-aggregation maintenance_visits (mart/preaggregates.sql)
-- when queries/routes.py allows it, for a person who may see the whole network (a vehicle's last visit is then found
-- among all visits, as the original finds it among the visits of $reach): in_scope and rule from each vehicle's last
-- visit by the period's end instead of `maintained` and `sold`, which go unused; and the listed customers' numbers.
last_visits as (
    select customer_key, product_id, visited_on as last_maintenance_on, visit_days_18_months, mileage_km, dealer_id,
           region, province, sold_on
    from maintenance_visits
    where visited_on between ($end_on::date - interval 18 month)::date + 1 and $end_on
      and (next_visited_on is null or next_visited_on > $end_on)
      and in_geo(region, province, dealer_id, $scope)
),
in_scope as (
    -- The visits in the 18 months to the end: the last visit's own and those before it in those months (a vehicle's
    -- last visit by the end is no later than the end, so its 18 months reach back at least as far).
    select m.customer_key, m.product_id, m.last_maintenance_on,
           len(list_filter(m.visit_days_18_months, lambda day: day > ($end_on::date - interval 18 month)::date))
               as count_maintenance_visits,
           m.mileage_km, m.dealer_id, d.dealer_name, m.region, m.province, m.sold_on
    from last_visits m
    left join dealers d on d.dealer_id = m.dealer_id
),
rule as (
    select m.*,
           -- (greatest() skips a NULL: without a known sale there is no km per day, not the whole odometer in one day)
           case when m.sold_on is not null then m.mileage_km / greatest(date_diff('day', m.sold_on, m.last_maintenance_on), 1) end as km_per_day,
           (m.last_maintenance_on + interval 6 month)::date as due_by_time_on
    from in_scope m
),
-- The listed vehicles' customer numbers by their key: whoever may see the whole network may see every customer, so
-- the customers' own table answers (a look through 18 months of visits took 50 ms on the l mart).
numbers as (
    select customer_key, customer_id
    from scoped_customers($reach)
    where customer_key in (select customer_key from page)
)
