-- One row per dealer in the chosen geography, plus one per region of those dealers and one national row
-- (level = 'dealer' / 'region' / 'national', as in dealer_scorecard): units and sales revenue in the period against
-- the targets for the period, and attainment = actual / target. A region's and the nation's attainment is the sum of
-- their dealers' actuals over the sum of their targets (not an average of the dealers' ratios). Region and national
-- rows ignore the geography filter (they are the yardstick, as far as the person may see).
-- Target for the period: each month's target times the share of the month's days inside the period.
-- Attainment is NULL under a product, segment or channel filter: a target is a dealer's whole business.
with
target_days as (
    select
        t.dealer_id,
        t.units_target::double * (least(last_day(t.month), $end_on::date) - greatest(t.month, $start_on::date) + 1)
            / (last_day(t.month) - t.month + 1) as units_target,
        t.revenue_target::double * (least(last_day(t.month), $end_on::date) - greatest(t.month, $start_on::date) + 1)
            / (last_day(t.month) - t.month + 1) as revenue_target
    from scoped_targets($start_on, $end_on, $reach) t
),
dealer_targets as (
    select dealer_id, sum(units_target) as units_target, sum(revenue_target) as revenue_target
    from target_days
    group by dealer_id
),
dealer_sales as (
    select dealer_id, sum(quantity)::bigint as units, sum(revenue)::double as sales_revenue
    from scoped_sales($start_on, $end_on, $reach)
    where dealer_id is not null
    group by dealer_id
),
per_dealer as (
    select
        d.dealer_id, d.dealer_name, d.region, d.province,
        coalesce(s.units, 0) as units,
        coalesce(s.sales_revenue, 0) as sales_revenue,
        coalesce(t.units_target, 0) as units_target,
        coalesce(t.revenue_target, 0) as revenue_target
    from scoped_dealers($reach) d
    left join dealer_sales s using (dealer_id)
    left join dealer_targets t using (dealer_id)
),
rolled_up as (
    select
        case when grouping(dealer_id) = 0 then 'dealer' when grouping(region) = 0 then 'region' else 'national' end as level,
        dealer_id,
        case when grouping(dealer_id) = 0 then any_value(dealer_name) end as dealer_name,
        region,
        case when grouping(dealer_id) = 0 then any_value(province) end as province,
        count(*) as count_dealers,
        sum(units)::bigint as units,
        sum(units_target) as units_target,
        sum(sales_revenue) as sales_revenue,
        sum(revenue_target) as revenue_target
    from per_dealer
    group by grouping sets ((region, dealer_id), (region), ())
),
in_scope as (
    select dealer_id, region from scoped_dealers($scope)
),
whole_business as (
    select $scope['product_ids'] is null and $scope['customer_types'] is null and $scope['channels'] is null
        as is_whole_business
)
select
    r.level, r.dealer_id, r.dealer_name, r.region, r.province, r.count_dealers,
    w.is_whole_business,
    r.units, r.units_target,
    case when w.is_whole_business then rate(r.units, r.units_target) end as units_attainment,
    r.sales_revenue, r.revenue_target,
    case when w.is_whole_business then rate(r.sales_revenue, r.revenue_target) end as revenue_attainment
from rolled_up r, whole_business w
where (r.level = 'dealer' and r.dealer_id in (select dealer_id from in_scope))
   or (r.level = 'region' and r.region in (select region from in_scope))
   or r.level = 'national'
order by r.level = 'national', r.level = 'region', r.region, r.dealer_id
