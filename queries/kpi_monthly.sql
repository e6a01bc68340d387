-- One row per month in [$start_on, $end_on]: the trend lines of the overview.
with
months as (
    select unnest(generate_series(date_trunc('month', $start_on::date), date_trunc('month', $end_on::date), interval 1 month))::date as month
),
sales_by_month as (
    select date_trunc('month', sold_on)::date as month, sum(quantity)::bigint as units,
           sum(revenue)::double as sales_revenue, gross_margin(revenue, cost) as gross_margin
    from scoped_sales($start_on, $end_on, $scope)
    group by 1
),
service_by_month as (
    select date_trunc('month', visited_on)::date as month, sum(revenue)::double as service_revenue
    from scoped_service_visits($start_on, $end_on, $scope)
    group by 1
),
surveys_by_month as (
    select date_trunc('month', surveyed_on)::date as month, nps(score) as nps, count(score) as count_nps_responses
    from scoped_surveys($start_on, $end_on, $scope)
    where survey_type in ('sales', 'service')
    group by 1
),
complaints_by_month as (
    select date_trunc('month', received_at)::date as month, count(*) as complaints_received
    from scoped_complaints($start_on, $end_on, $scope)
    group by 1
)
select
    m.month,
    coalesce(s.units, 0) as units,
    coalesce(s.sales_revenue, 0) as sales_revenue,
    coalesce(s.gross_margin, 0) as gross_margin,
    coalesce(v.service_revenue, 0) as service_revenue,
    r.nps,
    coalesce(r.count_nps_responses, 0) as count_nps_responses,
    coalesce(c.complaints_received, 0) as complaints_received
from months m
left join sales_by_month s using (month)
left join service_by_month v using (month)
left join surveys_by_month r using (month)
left join complaints_by_month c using (month)
order by m.month
