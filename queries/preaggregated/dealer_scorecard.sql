-- The parts of dealer_scorecard.sql answered from the pre-aggregations (mart/preaggregates.sql) when
-- queries/routes.py allows it: sales, NPS, the customer base, complaints and SLA outcomes, and leads; service
-- retention reads the facts as there.
all_sales as (
    -- revenue stays DECIMAL until the region and national rows are summed: a sum of doubles depends on the order
    -- the threads add them in
    select dealer_id, sum(units)::bigint as units, sum(sales_revenue) as sales_revenue
    from sales_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $reach)
      and dealer_id is not null
    group by dealer_id
),
satisfaction as (
    select dealer_id,
           sum(count_promoters)::bigint as count_promoters,
           sum(count_detractors)::bigint as count_detractors,
           sum(count_responses)::bigint as count_nps_responses
    from survey_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $reach)
      and survey_type in ('sales', 'service') and dealer_id is not null
    group by dealer_id
),
customer_base as (
    select dealer_id, sum(count_customers)::bigint as count_customers
    from customer_months
    where created_month <= $end_on and in_geo(region, province, dealer_id, $reach) and dealer_id is not null
    group by dealer_id
),
complaint_counts as (
    select dealer_id,
           sum(count_complaints)::bigint as count_complaints,
           coalesce(sum(count_complaints) filter (where is_met or is_due), 0)::bigint as count_sla_complaints,
           coalesce(sum(count_complaints) filter (where is_met), 0)::bigint as count_sla_met
    from complaint_month_outcomes($start_on, $end_on, $reach)
    where dealer_id is not null
    group by dealer_id
),
lead_counts as (
    select dealer_id,
           coalesce(sum(count_leads) filter (where outcome in ('won', 'lost')), 0)::bigint as count_leads_closed,
           coalesce(sum(count_leads) filter (where outcome = 'won'), 0)::bigint as count_leads_won
    from lead_months
    where created_month between $start_on and $end_on and in_geo(region, province, dealer_id, $reach)
    group by dealer_id
)
