-- The parts of alert_dealer_rates.sql answered from the pre-aggregations (mart/preaggregates.sql) when
-- queries/routes.py allows it: the customer base, complaints and SLA outcomes, follow-up calls and leads.
customer_base as (
    select dealer_id, sum(count_customers)::bigint as count_customers
    from customer_months
    where created_month <= $end_on and in_geo(region, province, dealer_id, $scope) and dealer_id is not null
    group by dealer_id
),
complaint_counts as (
    select dealer_id,
           sum(count_complaints)::bigint as complaints_received,
           coalesce(sum(count_complaints) filter (where is_met or is_due), 0)::bigint as count_sla_complaints,
           coalesce(sum(count_complaints) filter (where is_met), 0)::bigint as count_sla_met
    from complaint_month_outcomes($start_on, $end_on, $scope)
    where dealer_id is not null
    group by dealer_id
),
call_counts as (
    select dealer_id, sum(count_calls)::bigint as count_attempts,
           coalesce(sum(count_calls) filter (where outcome = 'answered'), 0)::bigint as count_answered
    from followup_call_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
      and dealer_id is not null
    group by dealer_id
),
lead_counts as (
    select dealer_id,
           coalesce(sum(count_leads) filter (where outcome in ('won', 'lost')), 0)::bigint as count_leads_closed,
           coalesce(sum(count_leads) filter (where outcome = 'won'), 0)::bigint as count_leads_won
    from lead_months
    where created_month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
    group by dealer_id
)
