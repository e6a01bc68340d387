-- kpi_summary.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py allows it:
-- sales, service revenue, NPS, the complaint backlog and SLA from dealer x month sums; the customer counts,
-- service retention and campaign ROI as in kpi_summary.sql.
with
period_sales as (
    select
        sum(units)::bigint as units,
        sum(sales_revenue)::double as sales_revenue,
        sum(margin)::double as gross_margin
    from sales_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
),
period_service as (
    select sum(service_revenue)::double as service_revenue
    from service_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
),
-- New: the customer's first transaction anywhere falls in the period (their first stretch of activity starts in
-- one of its months).
new_customers as (
    select count(*) as new_customers
    from customer_active_spans
    where is_first and first_month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
),
-- Active: at least one sale or service visit in the 12 months ending at the period's end (a month's last day):
-- the in-scope customers with a stretch of activity covering the period's last month (customer_active_spans).
active_customers as (
    select count(*) as active_customers
    from customer_active_spans
    where date_trunc('month', $end_on::date) between first_month and last_month
      and in_geo(region, province, dealer_id, $scope)
),
-- Service retention: buyers of 12-24 months before the period's end, serviced within 12 months of their first
-- purchase then (sales_in_context.serviced_within_12_months; two first sales on one day share the answer, which
-- depends on the customer and the day alone).
retention_cohort as (
    select customer_key, arg_min(serviced_within_12_months, sold_on) as is_retained
    from scoped_sales(($end_on - interval 24 month)::date, ($end_on - interval 12 month)::date,
                      $scope)
    group by customer_key
),
service_retention as (
    select count(*) as count_retention_cohort, share(is_retained) as service_retention
    from retention_cohort
),
satisfaction as (
    select nps_from_counts(sum(count_promoters)::bigint, sum(count_detractors)::bigint, sum(count_responses)::bigint) as nps,
           coalesce(sum(count_responses), 0)::bigint as count_nps_responses
    from survey_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
      and survey_type in ('sales', 'service')
),
-- Backlog: received by the period's end and not closed by then (closed in a later month, or not yet).
backlog as (
    select coalesce(sum(count_complaints), 0)::bigint as complaint_backlog
    from complaint_month_outcomes(date '1900-01-01', $end_on, $scope)
    where closed_month is null or closed_month > $end_on
),
-- SLA: of the period's complaints whose outcome is known at its end, the share resolved by the deadline.
sla as (
    select coalesce(sum(count_complaints) filter (where is_met or is_due), 0)::bigint as count_sla_complaints,
           coalesce(sum(count_complaints) filter (where is_met), 0)::double
               / sum(count_complaints) filter (where is_met or is_due)::double as sla_compliance
    from complaint_month_outcomes($start_on, $end_on, $scope)
),
-- Summed as cents (DECIMAL): a sum of doubles depends on the order the threads add them in, and the tile's ROI
-- changed in its last digits from one run to the next.
campaign_roi as (
    select roi(sum(attributed_margin::decimal(18, 2)), sum(cost_in_scope::decimal(18, 2))) as campaign_roi,
           count(*) as count_campaigns
    from campaign_results_in_geo($start_on, $end_on, $scope)
),
-- The one-row parts are put together in two materialized halves: as one nine-way cross product, DuckDB's join
-- order optimizer spent about 30 ms of every run planning it (measured on an empty mart; bench/README.md).
sales_and_customers as materialized (
    select * from period_sales, period_service, new_customers, active_customers, service_retention
),
service_complaints_campaigns as materialized (
    select * from satisfaction, backlog, sla, campaign_roi
)
select *
from sales_and_customers, service_complaints_campaigns
