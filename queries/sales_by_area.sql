-- One row per area one level below the current drill level (regions, then provinces, then dealers):
-- units, revenue and gross margin in the period. HQ direct sales (no dealer) show as their own row.
with
period_sales as (
    select *
    from scoped_sales($start_on, $end_on, $scope)
)
select
    case
        when dealer_id is null then 'HQ direct'
        when $scope['dealer_id'] is not null or $scope['province'] is not null then dealer_name
        when $scope['region'] is not null then province
        else region
    end as area,
    case
        when dealer_id is null then 'hq'
        when $scope['dealer_id'] is not null or $scope['province'] is not null then 'dealer'
        when $scope['region'] is not null then 'province'
        else 'region'
    end as level,
    any_value(dealer_id) filter (where $scope['dealer_id'] is not null or $scope['province'] is not null) as dealer_id,
    sum(quantity)::bigint as units,
    sum(revenue)::double as sales_revenue,
    gross_margin(revenue, cost) as gross_margin,
    count(distinct customer_id) as count_customers
from period_sales
group by all
order by sales_revenue desc
