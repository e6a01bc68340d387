-- One row for customer $customer_id under the filters: whether the filters' scope includes them, their activity
-- status at the period's end, and their RFM scores, segment and value tier in the period (NULL when they had no
-- sale or service visit in it), ranked among the period's customers in scope.
with
in_scope as (
    select customer_id
    from scoped_customers($scope)
    where customer_id = $customer_id
),
rfm as (
    select *
    from customer_rfm($start_on, $end_on, $scope)
),
-- Only this customer's history: the population-wide customer_history would cost a scan of every customer.
history as (
    select max(transacted_on) as last_transacted_on, activity_status(max(transacted_on), $end_on) as status
    from (
        select sold_on as transacted_on from sales where customer_id = (select customer_id from customer_in_reach($reach, $customer_id)) and sold_on <= $end_on
        union all
        select visited_on from service_visits where customer_id = (select customer_id from customer_in_reach($reach, $customer_id)) and visited_on <= $end_on
    )
    having count(*) > 0
),
final as (
    select
        $customer_id::varchar as customer_id,
        exists (select 1 from in_scope) as is_in_scope,
        (select status from history) as status,
        (select last_transacted_on from history) as last_transacted_on,
        r.segment,
        r.tier,
        r.r_score::varchar || r.f_score::varchar || r.m_score::varchar as rfm_code,
        r.r_score,
        r.f_score,
        r.m_score,
        r.recency_days,
        r.frequency,
        r.monetary,
        (select count(*) from rfm) as count_customers_scored
    from (select 1) as one
    left join rfm r on r.customer_id = $customer_id
)
select * from final
