-- alert_series.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py allows it:
-- the same rows, read from dealer x month sums instead of the facts.
with
months as (
    select unnest(generate_series(date_trunc('month', $start_on::date), date_trunc('month', $end_on::date), interval 1 month))::date as month
),
sales_by_month as (
    select dealer_id, month, sum(units)::bigint as units, sum(sales_revenue)::double as sales_revenue
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
units as (
    select dealer_id from scoped_dealers($scope)
    union select dealer_id from sales_by_month
    union select dealer_id from complaints_by_month
    union select dealer_id from backlog_by_month
    union select dealer_id from surveys_by_month
    union select dealer_id from leads_by_month
),
grid as (
    select u.dealer_id, coalesce(u.dealer_id, '') as dealer_key, m.month
    from units u, months m
),
final as (
    select
        g.dealer_id, d.dealer_name, d.region, d.province, d.opened_on, g.month,
        coalesce(s.units, 0) as units,
        coalesce(s.sales_revenue, 0) as sales_revenue,
        coalesce(c.complaints_received, 0) as complaints_received,
        coalesce(b.complaint_backlog, 0) as complaint_backlog,
        coalesce(r.count_promoters, 0) as count_promoters,
        coalesce(r.count_detractors, 0) as count_detractors,
        coalesce(r.count_nps_responses, 0) as count_nps_responses,
        coalesce(l.count_leads_won, 0) as count_leads_won,
        coalesce(l.count_leads_closed, 0) as count_leads_closed
    from grid g
    left join dealers d on d.dealer_id = g.dealer_id
    left join sales_by_month s on coalesce(s.dealer_id, '') = g.dealer_key and s.month = g.month
    left join complaints_by_month c on coalesce(c.dealer_id, '') = g.dealer_key and c.month = g.month
    left join backlog_by_month b on coalesce(b.dealer_id, '') = g.dealer_key and b.month = g.month
    left join surveys_by_month r on coalesce(r.dealer_id, '') = g.dealer_key and r.month = g.month
    left join leads_by_month l on coalesce(l.dealer_id, '') = g.dealer_key and l.month = g.month
)
select * from final
order by dealer_id nulls last, month
