-- One row: the scope's units and sales revenue against its dealers' targets for the period (a target is a dealer's
-- whole business, so a region's or the nation's is the sum of its dealers'), and the run-rate projection.
-- Target for the period: each month's target times the share of the month's days inside the period (a whole month
-- counts whole). Actuals: the sales of the dealers in scope (HQ direct sales have no target).
-- Projection: when the period ends at the data's as-of date inside a month (the month is still running), the sales
-- of the period's part of that month, at their daily pace, extended to the month's end, against the targets up to
-- the month's end; otherwise the period is complete and the projection is the actual (and its target the period's).
-- Attainment is NULL under a product, segment or channel filter: filtered sales are not comparable with whole targets.
with
bounds as (
    select
        $start_on::date as start_on,
        $end_on::date as end_on,
        greatest($start_on::date, date_trunc('month', $end_on::date)::date) as last_part_on,
        case when $end_on::date >= (select max(as_of_on) from mart_info) and $end_on::date < last_day($end_on::date)
             then last_day($end_on::date) else $end_on::date end as projection_end_on,
        $scope['product_ids'] is null and $scope['customer_types'] is null and $scope['channels'] is null
            as is_whole_business
),
target_days as (
    select
        t.units_target::double as units_target,
        t.revenue_target::double as revenue_target,
        (last_day(t.month) - t.month + 1) as days_in_month,
        greatest(0, least(last_day(t.month), b.end_on) - greatest(t.month, b.start_on) + 1) as days_in_period,
        greatest(0, least(last_day(t.month), b.projection_end_on) - greatest(t.month, b.start_on) + 1) as days_to_projection_end
    from scoped_targets($start_on, $end_on, $scope) t, bounds b
),
targets_in_period as (
    select
        sum(units_target * days_in_period / days_in_month) as units_target,
        sum(revenue_target * days_in_period / days_in_month) as revenue_target,
        sum(units_target * days_to_projection_end / days_in_month) as projected_units_target,
        sum(revenue_target * days_to_projection_end / days_in_month) as projected_revenue_target
    from target_days
),
actuals as (
    select
        coalesce(sum(quantity), 0)::bigint as units,
        coalesce(sum(revenue), 0)::double as sales_revenue,
        coalesce(sum(quantity) filter (where sold_on >= b.last_part_on), 0)::double as last_part_units,
        coalesce(sum(revenue) filter (where sold_on >= b.last_part_on), 0)::double as last_part_revenue
    from scoped_sales($start_on, $end_on, $scope) s, bounds b
    where s.dealer_id is not null
),
projected as (
    select
        b.*,
        a.*,
        t.units_target, t.revenue_target, t.projected_units_target, t.projected_revenue_target,
        b.end_on - b.last_part_on + 1 as days_elapsed,
        b.projection_end_on - b.end_on as days_remaining
    from bounds b, actuals a, targets_in_period t
)
select
    start_on, end_on, projection_end_on, projection_end_on > end_on as is_projected, days_elapsed, days_remaining,
    is_whole_business,
    units, units_target,
    case when is_whole_business then rate(units, units_target) end as units_attainment,
    sales_revenue, revenue_target,
    case when is_whole_business then rate(sales_revenue, revenue_target) end as revenue_attainment,
    units + last_part_units / days_elapsed * days_remaining as projected_units,
    projected_units_target,
    case when is_whole_business
         then rate(units + last_part_units / days_elapsed * days_remaining, projected_units_target) end
        as projected_units_attainment,
    sales_revenue + last_part_revenue / days_elapsed * days_remaining as projected_sales_revenue,
    projected_revenue_target,
    case when is_whole_business
         then rate(sales_revenue + last_part_revenue / days_elapsed * days_remaining, projected_revenue_target) end
        as projected_revenue_attainment
from projected
