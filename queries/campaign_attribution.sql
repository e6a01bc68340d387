-- One row per campaign that ended in the period x attribution rule ('recorded': the mart's sales.campaign_id,
-- 'last_touch' / 'first_touch': the latest / earliest campaign touch within $window_days days before the sale),
-- plus one row per rule for all those campaigns together (campaign_id NULL): the sales in scope credited to it,
-- their revenue and gross margin, and ROI on the campaign's cost in scope.
with
results as (
    select campaign_id, campaign_name, channel::varchar as channel, end_on, cost_in_scope
    from campaign_results_in_scope($start_on, $end_on, $scope)
),
attributed as (
    select *
    from attributed_sales_in_scope(date '1900-01-01', date '2999-12-31', $scope, $window_days)
),
credited as (
    select 'recorded' as rule, recorded_campaign_id as campaign_id, revenue, cost from attributed where recorded_campaign_id is not null
    union all
    select 'last_touch', last_touch_campaign_id, revenue, cost from attributed where last_touch_campaign_id is not null
    union all
    select 'first_touch', first_touch_campaign_id, revenue, cost from attributed where first_touch_campaign_id is not null
),
per_rule as (
    -- money stays DECIMAL until the totals are summed: a sum of doubles depends on the order threads add them in
    select rule, campaign_id, count(*) as count_sales, sum(revenue) as attributed_revenue,
           sum(revenue - cost) as attributed_margin
    from credited
    where campaign_id in (select campaign_id from results)
    group by rule, campaign_id
),
rules as (
    select * from (values ('recorded', 1), ('last_touch', 2), ('first_touch', 3)) t(rule, rule_order)
),
per_campaign as (
    select r.campaign_id, r.campaign_name, r.channel, r.end_on, u.rule, u.rule_order, r.cost_in_scope,
           coalesce(p.count_sales, 0) as count_sales,
           coalesce(p.attributed_revenue, 0) as attributed_revenue,
           coalesce(p.attributed_margin, 0) as attributed_margin
    from results r
    cross join rules u
    left join per_rule p using (campaign_id, rule)
),
totals as (
    select null::varchar as campaign_id, 'All campaigns' as campaign_name, null as channel, null::date as end_on,
           rule, rule_order, sum(cost_in_scope::decimal(38, 12))::double as cost_in_scope, sum(count_sales)::bigint as count_sales,
           sum(attributed_revenue) as attributed_revenue, sum(attributed_margin) as attributed_margin
    from per_campaign
    group by rule, rule_order
),
final as (
    select * replace (attributed_revenue::double as attributed_revenue, attributed_margin::double as attributed_margin),
           roi(attributed_margin::double, cost_in_scope) as roi
    from (select * from per_campaign union all by name select * from totals)
)
select * exclude (rule_order) from final
order by campaign_id is null desc, end_on desc, campaign_id, rule_order
