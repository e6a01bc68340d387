-- alert_series.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py allows it:
-- the same rows, read from dealer x month sums instead of the facts.
with
months as (
    select unnest(generate_series(date_trunc('month', $start_on::date), date_trunc('month', $end_on::date), interval 1 month))::date as month
),
sales_by_month as (
    select dealer_id, month, sum(units)::bigint as units, sum(sales_revenue) as sales_revenue
    from sales_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
    group by all
),
complaints_in_geo as (
    select dealer_id, received_month, closed_month, count_complaints
    from complaint_months
    where received_month <= $end_on and in_geo(region, province, dealer_id, $scope)
),
complaints_by_month as (
    select dealer_id, received_month as month, sum(count_complaints)::bigint as complaints_received
    from complaints_in_geo
    where received_month >= $start_on
    group by all
),
-- Open at a month's end: received in that month or before, and closed after it (or not yet).
backlog_by_month as (
    select c.dealer_id, m.month, sum(c.count_complaints)::bigint as complaint_backlog
    from complaints_in_geo c
    join months m on c.received_month <= m.month and (c.closed_month is null or c.closed_month > m.month)
    group by all
),
surveys_by_month as (
    select dealer_id, month,
           sum(count_promoters)::bigint as count_promoters,
           sum(count_detractors)::bigint as count_detractors,
           sum(count_responses)::bigint as count_nps_responses
    from survey_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
      and survey_type in ('sales', 'service')
    group by all
),
leads_by_month as (
    select dealer_id, closed_month as month,
           sum(count_leads) filter (where outcome = 'won')::bigint as count_leads_won,
           sum(count_leads)::bigint as count_leads_closed
    from lead_months
    where created_month <= $end_on and in_geo(region, province, dealer_id, $scope)
      and outcome in ('won', 'lost') and closed_month between $start_on and $end_on
    group by all
),
-- The parts in one long table, summed once per dealer and month (one join to the grid, not one per part).
parts as (
    select * from sales_by_month
    union all by name select * from complaints_by_month
    union all by name select * from backlog_by_month
    union all by name select * from surveys_by_month
    union all by name select * from leads_by_month
),
summed as (
    select coalesce(dealer_id, '') as dealer_key, month,
           coalesce(sum(units), 0)::bigint as units,
           coalesce(sum(sales_revenue), 0)::double as sales_revenue,
           coalesce(sum(complaints_received), 0)::bigint as complaints_received,
           coalesce(sum(complaint_backlog), 0)::bigint as complaint_backlog,
           coalesce(sum(count_promoters), 0)::bigint as count_promoters,
           coalesce(sum(count_detractors), 0)::bigint as count_detractors,
           coalesce(sum(count_nps_responses), 0)::bigint as count_nps_responses,
           coalesce(sum(count_leads_won), 0)::bigint as count_leads_won,
           coalesce(sum(count_leads_closed), 0)::bigint as count_leads_closed
    from parts
    group by all
),
units as (
    select dealer_id from scoped_dealers($scope)
    union select distinct dealer_id from parts
),
final as (
    select
        u.dealer_id, d.dealer_name, d.region, d.province, d.opened_on, m.month,
        coalesce(p.units, 0) as units,
        coalesce(p.sales_revenue, 0) as sales_revenue,
        coalesce(p.complaints_received, 0) as complaints_received,
        coalesce(p.complaint_backlog, 0) as complaint_backlog,
        coalesce(p.count_promoters, 0) as count_promoters,
        coalesce(p.count_detractors, 0) as count_detractors,
        coalesce(p.count_nps_responses, 0) as count_nps_responses,
        coalesce(p.count_leads_won, 0) as count_leads_won,
        coalesce(p.count_leads_closed, 0) as count_leads_closed
    from units u
    cross join months m
    left join dealers d on d.dealer_id = u.dealer_id
    left join summed p on p.dealer_key = coalesce(u.dealer_id, '') and p.month = m.month
)
select * from final
order by dealer_id nulls last, month
