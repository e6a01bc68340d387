-- One row per vehicle (a customer x model) due or overdue for maintenance at the period's end (the list's "today"),
-- 100 to a page ($page, from 1; 0 = every row, for the whole list's download), the most overdue first: what a
-- dealer calls tomorrow morning. Customer numbers only, no personal fields.
-- Rule: a vehicle is due 6 months or 10,000 km after its last maintenance visit, whichever comes first; kilometres
-- are estimated from its km per day so far (its odometer at that visit / the days since it was sold, the customer's
-- latest purchase of the model on or before the visit; without a known sale, the 6 months alone). Listed: due
-- within the next 30 days, or overdue by up to 12 months (a vehicle overdue longer has left for another workshop
-- and belongs to a win-back list, not this one).
-- Scope: the vehicle is placed by the dealer of its last maintenance visit; that visit is found among every
-- maintenance visit the person may see ($reach), so a vehicle that moved on to another dealer is that dealer's.
-- Product filter: by the vehicle's model. count_rows and the count_* columns describe the whole list.
with
maintained as (
    select customer_key, product_id,
           max(visited_on) as last_maintenance_on,
           -- the last visit's odometer and dealer, in one pass (a tie on the day goes to the later visit id); the
           -- dealer's names and the customer number are joined afterwards: strings carried through this grouping
           -- of every vehicle made it 3x slower (0.2 s of CPU at scale m)
           arg_max({'mileage_km': mileage_km, 'dealer_id': dealer_id}, row(visited_on, visit_id)) as last_visit,
           count(*) as count_maintenance_visits
    -- Only a vehicle whose last maintenance falls in the 18 months to the end can be listed (due 6 months after it at
    -- the latest, overdue 12 at the most): reading those months alone finds the same last visits.
    from scoped_service_visits(($end_on::date - interval 18 month)::date + 1, $end_on, $reach)
    where service_type = 'maintenance' and product_id is not null and in_list($scope['product_ids'], product_id)
    group by customer_key, product_id
),
in_scope as (
    select m.customer_key, m.product_id, m.last_maintenance_on, m.count_maintenance_visits,
           m.last_visit.mileage_km, m.last_visit.dealer_id, d.dealer_name, d.region, d.province
    from maintained m
    left join dealers d on d.dealer_id = m.last_visit.dealer_id
    where in_geo(d.region, d.province, d.dealer_id, $scope)
),
sold as (
    select m.customer_key, m.product_id, max(s.sold_on) as sold_on
    from in_scope m
    join scoped_sales(date '1900-01-01', $end_on, $reach) s
      on s.customer_key = m.customer_key and s.product_id = m.product_id and s.sold_on <= m.last_maintenance_on
    group by all
),
rule as (
    select m.*, s.sold_on,
           -- (greatest() skips a NULL: without a known sale there is no km per day, not the whole odometer in one day)
           case when s.sold_on is not null then m.mileage_km / greatest(date_diff('day', s.sold_on, m.last_maintenance_on), 1) end as km_per_day,
           (m.last_maintenance_on + interval 6 month)::date as due_by_time_on
    from in_scope m
    left join sold s using (customer_key, product_id)
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
