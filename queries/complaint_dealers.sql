-- One row per dealer in the chosen geography, plus one per region of those dealers and one national row
-- (level = 'dealer' / 'region' / 'national'): complaints received in the period per 100 customers of the dealer
-- (its home-dealer customers), the open backlog and what was past its deadline, reopen rate and callback
-- satisfaction, all as they stood at the end of the day least($end_on, $as_of). Region and national rows ignore
-- the geography filter (they are the yardstick) but keep the others, as on the dealer scorecard.
with
to_date as (
    select *
    from complaint_status_at($as_of, date '1900-01-01', $end_on, $reach)
    where dealer_id is not null
),
complaint_counts as (
    select
        dealer_id,
        count(*) filter (where received_at >= $start_on) as complaints_received,
        count(*) filter (where is_open) as complaint_backlog,
        count(*) filter (where is_open and is_past_due) as complaints_past_due,
        count(*) filter (where received_at >= $start_on and resolved_at is not null) as count_resolved,
        count(*) filter (where received_at >= $start_on and resolved_at is not null and reopen_count > 0) as count_reopened,
        count(callback_score) filter (where received_at >= $start_on) as count_callbacks,
        sum(callback_score) filter (where received_at >= $start_on) as sum_callback_score
    from to_date
    group by dealer_id
),
customer_base as (
    select home_dealer_id as dealer_id, count(*) as count_customers
    from customer_scope($reach)
    where created_on <= least($end_on, $as_of) and home_dealer_id is not null
    group by home_dealer_id
),
per_dealer as (
    select
        d.dealer_id, d.dealer_name, d.region, d.province,
        coalesce(b.count_customers, 0) as count_customers,
        coalesce(k.complaints_received, 0) as complaints_received,
        coalesce(k.complaint_backlog, 0) as complaint_backlog,
        coalesce(k.complaints_past_due, 0) as complaints_past_due,
        coalesce(k.count_resolved, 0) as count_resolved,
        coalesce(k.count_reopened, 0) as count_reopened,
        coalesce(k.count_callbacks, 0) as count_callbacks,
        coalesce(k.sum_callback_score, 0) as sum_callback_score
    from scoped_dealers($reach) d
    left join customer_base b using (dealer_id)
    left join complaint_counts k using (dealer_id)
),
rolled_up as (
    select
        case when grouping(dealer_id) = 0 then 'dealer' when grouping(region) = 0 then 'region' else 'national' end as level,
        dealer_id,
        -- a region or national row is named by its level and region, never by one of its dealers
        case when grouping(dealer_id) = 0 then any_value(dealer_name) end as dealer_name,
        region,
        case when grouping(dealer_id) = 0 then any_value(province) end as province,
        count(*) as count_dealers,
        sum(count_customers)::bigint as count_customers,
        sum(complaints_received)::bigint as complaints_received,
        per_100(sum(complaints_received), sum(count_customers)) as complaints_per_100_customers,
        sum(complaint_backlog)::bigint as complaint_backlog,
        sum(complaints_past_due)::bigint as complaints_past_due,
        sum(count_resolved)::bigint as count_resolved,
        rate(sum(count_reopened), sum(count_resolved)) as reopen_rate,
        rate(sum(sum_callback_score), sum(count_callbacks)) as callback_satisfaction,
        sum(count_callbacks)::bigint as count_callbacks
    from per_dealer
    group by grouping sets ((region, dealer_id), (region), ())
),
in_scope as (
    select dealer_id, region from scoped_dealers($scope)
),
final as (
    select *
    from rolled_up
    where (level = 'dealer' and dealer_id in (select dealer_id from in_scope))
       or (level = 'region' and region in (select region from in_scope))
       or level = 'national'
)
select * from final
order by level = 'national', level = 'region', complaints_per_100_customers desc nulls last, dealer_id
