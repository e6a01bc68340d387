-- One row: the overview KPIs of docs/domain.md for the filtered slice over [$start_on, $end_on].
with
period_sales as (
    select
        sum(quantity)::bigint as units,
        sum(revenue)::double as sales_revenue,
        gross_margin(revenue, cost) as gross_margin
    from scoped_sales($start_on, $end_on, $scope)
),
period_service as (
    select sum(revenue)::double as service_revenue
    from scoped_service_visits($start_on, $end_on, $scope)
),
in_scope as (
    select customer_key
    from customer_scope($scope)
),
-- New: the customer's first transaction anywhere falls in the period.
new_customers as (
    select count(*) as new_customers
    from customer_scope($scope) a
    where a.first_transacted_on between $start_on and $end_on
),
-- Active: at least one sale or service visit in the 12 months ending at the period's end.
-- Counted as the in-scope customers found among the window's transactions, not as a distinct count over the
-- transactions joined to the scope: no distinct over millions of joined rows (CPU at scale l 1.1 s -> 0.6 s).
active_customers as (
    select count(*) as active_customers
    from in_scope
    where customer_key in (
        select customer_key from transactions_between(($end_on - interval 12 month)::date + 1, $end_on)
    )
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
    select nps(score) as nps, count(score) as count_nps_responses
    from scoped_surveys($start_on, $end_on, $scope)
    where survey_type in ('sales', 'service')
),
-- Backlog: received by the period's end and not closed by then.
complaints_to_date as (
    select *
    from scoped_complaints(date '1900-01-01', $end_on, $scope)
),
backlog as (
    select count(*) as complaint_backlog
    from complaints_to_date
    where closed_at is null or closed_at >= $end_on + interval 1 day
),
-- SLA: of the period's complaints whose outcome is known at its end (resolved, or past the deadline),
-- the share resolved by the deadline.
sla as (
    select count(*) as count_sla_complaints, share(is_met) as sla_compliance
    from (
        select
            resolved_at is not null and resolved_at <= due_at and resolved_at < $end_on + interval 1 day as is_met,
            due_at < $end_on + interval 1 day as is_due
        from complaints_to_date
        where received_at >= $start_on
    )
    where is_met or is_due
),
-- Summed as DECIMAL: a sum of doubles depends on the order the threads add them in, and the tile's ROI changed in
-- its last digits from one run to the next. The margin is in cents; the cost apportioned to the scope is kept to
-- 1e-12 of a yuan (rounding it to cents moved the ROI by a billionth).
campaign_roi as (
    select roi(sum(attributed_margin::decimal(18, 2)), sum(cost_in_scope::decimal(38, 12))) as campaign_roi,
           count(*) as count_campaigns
    from campaign_results_in_scope($start_on, $end_on, $scope)
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
