-- The parts of kpi_summary.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py
-- allows it: sales, service revenue, new and active customers, NPS, the complaint backlog and SLA, and campaign ROI;
-- service retention reads the facts as there.
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
-- Summed as DECIMAL: a sum of doubles depends on the order the threads add them in, and the tile's ROI changed in
-- its last digits from one run to the next. The margin is in cents; the cost apportioned to the scope is kept to
-- 1e-12 of a yuan (rounding it to cents moved the ROI by a billionth).
campaign_roi as (
    select roi(sum(attributed_margin::decimal(18, 2)), sum(cost_in_scope::decimal(38, 12))) as campaign_roi,
           count(*) as count_campaigns
    from campaign_results_in_geo($start_on, $end_on, $scope)
)
