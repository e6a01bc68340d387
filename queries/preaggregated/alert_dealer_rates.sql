-- alert_dealer_rates.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py allows
-- it: the customer base, complaints, SLA outcomes, follow-up calls and leads from dealer x month sums.
with
dealers_in_scope as (
    select dealer_id, dealer_name, region, province from scoped_dealers($scope)
),
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
),
final as (
    select
        d.dealer_id, d.dealer_name, d.region, d.province,
        coalesce(b.count_customers, 0) as count_customers,
        coalesce(k.complaints_received, 0) as complaints_received,
        coalesce(a.count_attempts, 0) as count_attempts,
        coalesce(a.count_answered, 0) as count_answered,
        coalesce(k.count_sla_complaints, 0) as count_sla_complaints,
        coalesce(k.count_sla_met, 0) as count_sla_met,
        coalesce(l.count_leads_closed, 0) as count_leads_closed,
        coalesce(l.count_leads_won, 0) as count_leads_won
    from dealers_in_scope d
    left join customer_base b using (dealer_id)
    left join complaint_counts k using (dealer_id)
    left join call_counts a using (dealer_id)
    left join lead_counts l using (dealer_id)
)
select * from final
order by dealer_id
