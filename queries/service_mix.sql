-- One row per month x service type (maintenance, repair, warranty, accident) in the period and scope, every type in
-- every month (zero where none): the number of service visits and their revenue.
-- Product filter: a visit with a vehicle (product_id) counts when that vehicle is one of the chosen models; a visit
-- without one, when its customer owns one (scoped_service_visits' own rule, which the other pages keep).
with
months as (
    select unnest(generate_series(date_trunc('month', $start_on::date), date_trunc('month', $end_on::date), interval 1 month))::date as month
),
types as (
    select * from (values (1, 'maintenance'), (2, 'repair'), (3, 'warranty'), (4, 'accident')) as t(type_order, service_type)
),
visits as (
    select date_trunc('month', visited_on)::date as month, service_type::varchar as service_type,
           count(*) as count_visits, sum(revenue)::double as service_revenue
    from scoped_service_visits($start_on, $end_on, $scope)
    where product_id is null or in_list($scope['product_ids'], product_id)
    group by all
),
final as (
    select m.month, t.type_order, t.service_type,
           coalesce(v.count_visits, 0) as count_visits,
           coalesce(v.service_revenue, 0) as service_revenue
    from months m
    cross join types t
    left join visits v using (month, service_type)
)
select * from final
order by month, type_order
