-- One row per driver x group: how complaints and survey scores relate to lapsing. Of the customers in scope whose
-- first sale or service visit was at least 18 months before the period's end (long enough to have lapsed), the
-- share lapsed at the period's end (no transaction in 18 months), with a 95% Wilson interval, and the share at
-- risk; grouped by whether they complained (complaints received on or before the period's end) and by their
-- lowest survey score (answered on or before it: 0-6 detractor, 7-8 passive, 9-10 promoter, or none).
with
eligible as (
    select customer_id, status
    from customer_history($end_on, $scope)
    where first_transacted_on <= ($end_on - interval 18 month)::date
),
complained as (
    select customer_id, count(*) as count_complaints
    from complaints_of_customers($reach)
    where received_at < $end_on::date + interval 1 day
    group by customer_id
),
surveyed as (
    select customer_id, min(score) as lowest_score
    from surveys_of_customers($reach)
    where surveyed_on <= $end_on
    group by customer_id
),
labelled as (
    select
        e.status,
        case when c.count_complaints > 0 then 'complained' else 'no complaint' end as complaint_group,
        case
            when s.lowest_score is null then 'no survey'
            when is_detractor(s.lowest_score) then 'lowest score 0-6'
            when is_promoter(s.lowest_score) then 'lowest score 9-10'
            else 'lowest score 7-8'
        end as survey_group
    from eligible e
    left join complained c using (customer_id)
    left join surveyed s using (customer_id)
),
grouped as (
    select 'complaints' as driver, complaint_group as customer_group, status from labelled
    union all
    select 'survey score', survey_group, status from labelled
),
final as (
    select
        driver,
        customer_group,
        count(*) as count_customers,
        count(*) filter (where status = 'lapsed') as count_lapsed,
        rate(count(*) filter (where status = 'lapsed'), count(*)) as lapse_rate,
        wilson_low(count(*) filter (where status = 'lapsed'), count(*)) as lapse_rate_low,
        wilson_high(count(*) filter (where status = 'lapsed'), count(*)) as lapse_rate_high,
        rate(count(*) filter (where status = 'at risk'), count(*)) as at_risk_rate
    from grouped
    group by driver, customer_group
)
select * from final order by driver, customer_group
