-- One row per percentile of the period's active customers, ranked by revenue (largest first): the cumulative
-- share of customers and of revenue up to it (the Pareto curve), starting from (0, 0). A hundred points are
-- enough to draw the curve; the exact 80% boundary is value_tiers' tier A.
with
rfm as (
    select monetary, customer_id
    from customer_rfm($start_on, $end_on, $scope)
),
ranked as (
    select
        row_number() over (order by monetary desc, customer_id) as position,
        count(*) over () as count_customers,
        sum(monetary) over (order by monetary desc, customer_id rows between unbounded preceding and current row) as revenue_to_here,
        sum(monetary) over () as revenue_total
    from rfm
),
points as (
    select
        ceil(100.0 * position / count_customers)::integer as percentile,
        max(position) as position,
        any_value(count_customers) as count_customers,
        arg_max(revenue_to_here, position) as revenue_to_here,
        any_value(revenue_total) as revenue_total
    from ranked
    group by percentile
),
final as (
    select 0 as percentile, 0.0 as customer_share, 0.0 as revenue_share
    where exists (select 1 from points)
    union all
    select percentile, position / count_customers as customer_share, rate(revenue_to_here, revenue_total) as revenue_share
    from points
)
select * from final order by percentile
