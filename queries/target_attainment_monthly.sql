-- One row per area x month the period touches: every region in scope (level = 'region'), the whole scope
-- (level = 'total') and, when the scope lies in one region, each of its dealers (level = 'dealer'). Units and sales
-- revenue of the month's days inside the period against the month's target times the share of its days inside the
-- period (a whole month counts whole), and attainment = actual / target (sums, never an average of ratios).
-- Attainment is NULL under a product, segment or channel filter: a target is a dealer's whole business.
with
target_days as (
    select
        t.dealer_id, t.region, t.month,
        (least(last_day(t.month), $end_on::date) - greatest(t.month, $start_on::date) + 1) as days_in_period,
        (last_day(t.month) - t.month + 1) as days_in_month,
        t.units_target::double as units_target,
        t.revenue_target::double as revenue_target
    from scoped_targets($start_on, $end_on, $scope) t
),
dealer_months as (
    select dealer_id, any_value(region) as region, month, any_value(days_in_period) as days_in_period,
           any_value(days_in_month) as days_in_month,
           sum(units_target * days_in_period / days_in_month) as units_target,
           sum(revenue_target * days_in_period / days_in_month) as revenue_target
    from target_days
    group by dealer_id, month
),
dealer_sales as (
    select dealer_id, date_trunc('month', sold_on)::date as month,
           sum(quantity)::bigint as units, sum(revenue)::double as sales_revenue
    from scoped_sales($start_on, $end_on, $scope)
    where dealer_id is not null
    group by dealer_id, month
),
dealers_in_scope as (
    select dealer_id, dealer_name, region from scoped_dealers($scope)
),
per_dealer_month as (
    select
        coalesce(t.dealer_id, s.dealer_id) as dealer_id,
        coalesce(t.month, s.month) as month,
        coalesce(t.units_target, 0) as units_target,
        coalesce(t.revenue_target, 0) as revenue_target,
        coalesce(s.units, 0) as units,
        coalesce(s.sales_revenue, 0) as sales_revenue
    from dealer_months t
    full join dealer_sales s using (dealer_id, month)
),
one_region as (
    select count(distinct region) = 1 as is_one_region from dealers_in_scope
),
rolled_up as (
    select
        case when grouping(p.dealer_id) = 0 then 'dealer' when grouping(d.region) = 0 then 'region' else 'total' end
            as level,
        d.region,
        p.dealer_id,
        case when grouping(p.dealer_id) = 0 then any_value(d.dealer_name) end as dealer_name,
        p.month,
        sum(p.units)::bigint as units,
        sum(p.units_target) as units_target,
        sum(p.sales_revenue) as sales_revenue,
        sum(p.revenue_target) as revenue_target
    from per_dealer_month p
    join dealers_in_scope d using (dealer_id)
    group by grouping sets ((d.region, p.dealer_id, p.month), (d.region, p.month), (p.month))
),
months as (
    select
        m.month::date as month,
        least(last_day(m.month::date), $end_on::date) - greatest(m.month::date, $start_on::date) + 1 as days_in_period,
        last_day(m.month::date) - m.month::date + 1 as days_in_month
    from range(date_trunc('month', $start_on::date), $end_on::date + 1, interval 1 month) m(month)
)
select
    r.level, r.region, r.dealer_id, r.dealer_name, r.month,
    m.days_in_period, m.days_in_month, m.days_in_period < m.days_in_month as is_partial_month,
    $scope['product_ids'] is null and $scope['customer_types'] is null and $scope['channels'] is null
        as is_whole_business,
    r.units, r.units_target,
    case when $scope['product_ids'] is null and $scope['customer_types'] is null and $scope['channels'] is null
         then rate(r.units, r.units_target) end as units_attainment,
    r.sales_revenue, r.revenue_target,
    case when $scope['product_ids'] is null and $scope['customer_types'] is null and $scope['channels'] is null
         then rate(r.sales_revenue, r.revenue_target) end as revenue_attainment
from rolled_up r
join months m using (month)
where r.level <> 'dealer' or (select is_one_region from one_region)
order by r.level = 'total', r.level = 'dealer', r.region, r.dealer_id, r.month
