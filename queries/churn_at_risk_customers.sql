-- One row per customer in scope at risk at the period's end (last sale or service visit 12-18 months before it),
-- the 500 with the most revenue up to then first: whom to win back before they lapse, with their complaints and
-- lowest survey score.
with
at_risk as (
    select *
    from customer_history($end_on, $scope)
    where status = 'at risk'
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
final as (
    select
        p.customer_id,
        p.customer_type,
        p.last_transacted_on,
        date_diff('day', p.last_transacted_on, $end_on) as days_since_last,
        p.count_sales,
        p.count_service_visits,
        p.lifetime_revenue,
        coalesce(k.count_complaints, 0) as count_complaints,
        s.lowest_score
    from at_risk p
    left join complained k using (customer_id)
    left join surveyed s using (customer_id)
)
select * from final order by lifetime_revenue desc, customer_id limit 500
