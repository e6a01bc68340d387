-- kpi_monthly.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py allows it:
-- the same rows, read from dealer x month sums instead of the facts.
with
months as (
    select unnest(generate_series(date_trunc('month', $start_on::date), date_trunc('month', $end_on::date), interval 1 month))::date as month
),
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
    select received_month as month, sum(count_complaints) as complaints_received
    from complaint_months
    where received_month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
    group by 1
)
select
    m.month,
    coalesce(s.units, 0) as units,
    coalesce(s.sales_revenue, 0) as sales_revenue,
    coalesce(s.gross_margin, 0) as gross_margin,
    coalesce(v.service_revenue, 0) as service_revenue,
    r.nps,
    coalesce(r.count_nps_responses, 0)::bigint as count_nps_responses,
    coalesce(c.complaints_received, 0)::bigint as complaints_received
from months m
left join sales_by_month s using (month)
left join service_by_month v using (month)
left join surveys_by_month r using (month)
left join complaints_by_month c using (month)
order by m.month
