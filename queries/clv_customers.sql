-- One row per customer in scope with a sale or service visit on or before $end_on: the repeat-purchase summary
-- the lifetime-value models read (analytics/clv.py), over the whole history up to $end_on and, for customers
-- who started by then, up to $calibration_end_on with their transactions after it (the holdout), plus their
-- RFM segment and value tier in the period ('not active' / NULL when they did not transact in it).
-- A repeat purchase is a sale or service visit on a day after the customer's first; days count from that first day.
with
history as (
    select customer_id, transacted_on, revenue::double as revenue
    from transactions_of_customers(date '1900-01-01', $end_on, $scope)
),
-- The first transaction of all history is the first up to $end_on for anyone with a transaction by then: read it
-- from the customer_profiles rollup instead of aggregating the history twice.
firsts as (
    select customer_id, first_transacted_on as first_on
    from customer_scope($scope)
    where first_transacted_on <= $end_on
),
summary as (
    select
        h.customer_id,
        f.first_on,
        count(*) filter (where h.transacted_on > f.first_on) as count_repeat,
        date_diff('day', f.first_on, max(h.transacted_on)) as days_to_last,
        date_diff('day', f.first_on, $end_on) as days_observed,
        avg(h.revenue) filter (where h.transacted_on > f.first_on) as avg_repeat_value,
        count(*) filter (where h.transacted_on > f.first_on and h.transacted_on <= $calibration_end_on) as count_repeat_calibration,
        date_diff('day', f.first_on, max(h.transacted_on) filter (where h.transacted_on <= $calibration_end_on)) as days_to_last_calibration,
        count(*) filter (where h.transacted_on > $calibration_end_on) as count_holdout
    from history h
    join firsts f using (customer_id)
    group by h.customer_id, f.first_on
),
in_scope as (
    select customer_id
    from scoped_customers($scope)
),
rfm as (
    select customer_id, segment, tier
    from customer_rfm($start_on, $end_on, $scope)
),
final as (
    select
        s.customer_id,
        s.first_on,
        s.count_repeat,
        s.days_to_last,
        s.days_observed,
        s.avg_repeat_value,
        case when s.first_on <= $calibration_end_on then s.count_repeat_calibration end as count_repeat_calibration,
        case when s.first_on <= $calibration_end_on then s.days_to_last_calibration end as days_to_last_calibration,
        case when s.first_on <= $calibration_end_on then date_diff('day', s.first_on, $calibration_end_on) end as days_observed_calibration,
        case when s.first_on <= $calibration_end_on then s.count_holdout end as count_holdout,
        coalesce(r.segment, 'not active') as segment,
        r.tier
    from summary s
    semi join in_scope using (customer_id)
    left join rfm r using (customer_id)
)
select * from final
