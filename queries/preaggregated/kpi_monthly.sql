-- The parts of kpi_monthly.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py
-- allows it: every month's sums from dealer x month sums.
sales_by_month as (
    select month, sum(units)::bigint as units, sum(sales_revenue)::double as sales_revenue,
           sum(margin)::double as gross_margin
    from sales_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
    group by 1
),
service_by_month as (
    select month, sum(service_revenue)::double as service_revenue
    from service_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
    group by 1
),
surveys_by_month as (
    select month, nps_from_counts(sum(count_promoters)::bigint, sum(count_detractors)::bigint, sum(count_responses)::bigint) as nps,
           sum(count_responses)::bigint as count_nps_responses
    from survey_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
      and survey_type in ('sales', 'service')
    group by 1
),
complaints_by_month as (
    select received_month as month, sum(count_complaints)::bigint as complaints_received
    from complaint_months
    where received_month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
    group by 1
)
