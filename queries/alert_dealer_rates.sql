-- One row per dealer in the chosen geography, over [$start_on, $end_on]: the counts behind the four rates the
-- alerts compare with the scope's overall rate (funnel plots): complaints received in the period and the dealer's
-- customers (home dealer, created by the period's end: complaints per 100 customers, as on the complaints page);
-- follow-up call attempts and answered calls (response rate, every call type, as on the follow-up calls page); the
-- period's complaints whose SLA outcome is known at its end and those resolved by their deadline (SLA compliance, as
-- on the overview and the scorecard); leads created in the period that closed, and those won (conversion, as on the
-- scorecard).
with
dealers_in_scope as (
    select dealer_id, dealer_name, region, province from scoped_dealers($scope)
),
customer_base as (
    select home_dealer_id as dealer_id, count(*) as count_customers
    from customer_scope($scope)
    where created_on <= $end_on and home_dealer_id is not null
    group by home_dealer_id
),
complaint_counts as (
    select dealer_id,
           count(*) as complaints_received,
           count(*) filter (where is_met or is_due) as count_sla_complaints,
           count(*) filter (where is_met) as count_sla_met
    from complaint_sla_outcomes($start_on, $end_on, $scope)
    where dealer_id is not null
    group by dealer_id
),
call_counts as (
    select dealer_id, count(*) as count_attempts, count(*) filter (where outcome = 'answered') as count_answered
    from scoped_followup_calls($start_on, $end_on, $scope)
    where dealer_id is not null
    group by dealer_id
),
lead_counts as (
    select dealer_id,
           count(*) filter (where outcome in ('won', 'lost')) as count_leads_closed,
           count(*) filter (where outcome = 'won') as count_leads_won
    from scoped_leads($start_on, $end_on, $scope)
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
