-- One row per customer in scope with a sale or service visit on or before $end_on: the repeat-purchase summary
-- the lifetime-value models read (analytics/clv.py), over the whole history up to $end_on and, for customers
-- who started by then, up to $calibration_end_on with their transactions after it (the holdout), plus their
-- RFM segment and value tier in the period ('not active' / NULL when they did not transact in it).
-- A customer is born on their first transaction of any kind. A repeat purchase is a DAY after that first day with
-- a transaction of the repeat kind (several rows on one day are one purchase worth their sum, as BG/NBD and
-- Gamma-Gamma define it: Fader, Hardie & Lee 2005; lifetimes' summary_data_from_transaction_data, freq 'D');
-- days count from the first day.
-- The repeat kind is one process, never vehicle prices averaged with service bills: in a mart with service visits
-- (a dealer network) the repeat purchases are service visits and their spend, the vehicle purchase being the
-- birth; in a mart of sales alone (a retailer, such as the Online Retail example) they are the sales.
with
repeat_kind as (
    -- (over all the person may see, whatever the filters: one kind for every view of the same mart)
    select case when exists (select 1 from scoped_service_visits(date '1900-01-01', $end_on, $reach))
                then 'service' else 'sale' end as kind
),
-- One row per customer and day with a transaction of the repeat kind: the day's revenue summed.
days as (
    select h.customer_key, h.transacted_on, sum(h.revenue::double) as revenue
    from transactions_of_customers(date '1900-01-01', $end_on, $scope) h
    where h.kind = (select kind from repeat_kind)
    group by h.customer_key, h.transacted_on
),
-- The first transaction of all history is the first up to $end_on for anyone with a transaction by then: read it
-- from the customer_profiles rollup instead of aggregating the history twice.
firsts as (
    select customer_id, customer_key, first_transacted_on as first_on
    from customer_scope($scope)
    where first_transacted_on <= $end_on
),
summary as (
    select
        f.customer_id,
        f.first_on,
        count(d.transacted_on) filter (where d.transacted_on > f.first_on) as count_repeat,
        coalesce(date_diff('day', f.first_on, max(d.transacted_on) filter (where d.transacted_on > f.first_on)), 0) as days_to_last,
        date_diff('day', f.first_on, $end_on) as days_observed,
        avg(d.revenue) filter (where d.transacted_on > f.first_on) as avg_repeat_value,
        count(d.transacted_on) filter (where d.transacted_on > f.first_on and d.transacted_on <= $calibration_end_on) as count_repeat_calibration,
        coalesce(date_diff('day', f.first_on, max(d.transacted_on) filter (where d.transacted_on > f.first_on and d.transacted_on <= $calibration_end_on)), 0) as days_to_last_calibration,
        count(d.transacted_on) filter (where d.transacted_on > $calibration_end_on) as count_holdout
    from firsts f
    left join days d using (customer_key)
    group by f.customer_id, f.first_on
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
        r.tier,
        (select kind from repeat_kind) as repeat_kind
    from summary s
    semi join in_scope using (customer_id)
    left join rfm r using (customer_id)
)
select * from final
