-- One row per group x month of the filtered slice's sales history, for forecasting each group at once:
-- $group_by is 'region', 'dealer' or 'product'; HQ direct sales (no dealer) are a group of their own when
-- grouping by region or dealer. Each group's months run from its first sale to the forecast origin (the
-- last whole month ending on or before $end_on), months without a sale as zero. Only the $max_groups
-- groups with the most revenue in the last twelve months are returned; count_groups says how many there are.
with
slice_sales as (
    select
        date_trunc('month', s.sold_on)::date as month,
        s.quantity,
        s.revenue,
        case $group_by
            when 'region' then coalesce(s.region, 'HQ direct')
            when 'dealer' then coalesce(s.dealer_id::varchar, 'HQ direct')
            when 'product' then s.product_id
        end as group_key,
        case $group_by
            when 'region' then coalesce(s.region, 'HQ direct')
            when 'dealer' then coalesce(s.dealer_name || ' (#' || s.dealer_id || ')', 'HQ direct')
            when 'product' then coalesce(p.product_name, s.product_id)
        end as group_label
    from scoped_sales(date '1900-01-01', $end_on, $scope) s
    left join products p using (product_id)
),
origin as (
    -- A month still in progress would read as a slump, so the history stops at the last whole month.
    select (date_trunc('month', $end_on::date + interval 1 day) - interval 1 month)::date as last_month
),
groups as (
    select
        s.group_key,
        any_value(s.group_label) as group_label,
        min(s.month) as first_month,
        coalesce(sum(s.revenue) filter (where s.month > o.last_month - interval 12 month), 0)::double as recent_revenue
    from slice_sales s, origin o
    where s.month <= o.last_month
    group by s.group_key
),
ranked as (
    select *,
           row_number() over (order by recent_revenue desc, group_key) as group_rank,
           count(*) over () as count_groups
    from groups
    qualify group_rank <= $max_groups
),
group_months as (
    select r.group_rank, r.group_key, r.group_label, r.count_groups,
           unnest(generate_series(r.first_month, o.last_month, interval 1 month))::date as month
    from ranked r, origin o
),
sales_by_month as (
    select group_key, month, sum(quantity)::bigint as units, sum(revenue)::double as revenue
    from slice_sales
    group by group_key, month
),
final as (
    select g.group_rank, g.group_key, g.group_label, g.count_groups, g.month,
           coalesce(s.units, 0) as units, coalesce(s.revenue, 0) as revenue
    from group_months g
    left join sales_by_month s using (group_key, month)
)
select * from final order by group_rank, month
