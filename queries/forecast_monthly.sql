-- One row per month of the filtered slice's sales history: units and revenue from the slice's first sale
-- to the forecast origin, the last whole month ending on or before $end_on. The period's start does not
-- apply: a forecast learns from all the history the slice has. Months without a sale count as zero.
with
slice_sales as (
    select date_trunc('month', sold_on)::date as month, quantity, revenue
    from scoped_sales(date '1900-01-01', $end_on, $scope)
),
origin as (
    -- A month still in progress would read as a slump, so the history stops at the last whole month.
    select (date_trunc('month', $end_on::date + interval 1 day) - interval 1 month)::date as last_month
),
months as (
    select unnest(generate_series(min(s.month), any_value(o.last_month), interval 1 month))::date as month
    from slice_sales s, origin o
    having min(s.month) <= any_value(o.last_month)
),
sales_by_month as (
    select month, sum(quantity)::bigint as units, sum(revenue)::double as revenue
    from slice_sales
    group by month
),
final as (
    select m.month, coalesce(s.units, 0) as units, coalesce(s.revenue, 0) as revenue
    from months m
    left join sales_by_month s using (month)
)
select * from final order by month
