-- The parts of alert_series.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py
-- allows it: each dealer's and month's sums from dealer x month sums.
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
)
