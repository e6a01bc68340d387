-- One row per complaint behind a bar of the complaints page (at most 500, past their deadline first, then the
-- oldest), as it stood at the end of the day least($end_on, $as_of). $list_by names the bar's dimension and
-- $list_value its value: 'status' and 'age_bucket' list the open backlog (status 'closed': the period's closed
-- complaints); 'severity' the period's complaints with a known SLA outcome; 'category', 'region' and 'dealer'
-- (a dealer_id) the complaints received in the period.
with
to_date as (
    select *, hours_between(received_at, as_of_at) as age_hours
    from complaint_status_at($as_of, date '1900-01-01', $end_on, $scope)
),
bucketed as (
    select k.*, b.age_bucket
    from to_date k
    left join complaint_age_buckets() b
      on k.is_open and k.age_hours >= b.from_hours and (b.to_hours is null or k.age_hours < b.to_hours)
),
chosen as (
    select *
    from bucketed
    where case $list_by
        when 'status' then status = $list_value and (is_open or received_at >= $start_on)
        when 'age_bucket' then age_bucket = $list_value
        when 'severity' then severity::varchar = $list_value and received_at >= $start_on and is_sla_known
        when 'category' then category = $list_value and received_at >= $start_on
        when 'region' then region = $list_value and received_at >= $start_on
        when 'dealer' then dealer_id::varchar = $list_value and received_at >= $start_on
        else false
    end
),
final as (
    select
        complaint_id, customer_id, status, severity::varchar as severity, category, channel,
        dealer_id, dealer_name, region, received_at, due_at, dispatched_at, acknowledged_at, resolved_at, closed_at,
        is_past_due, is_sla_met, case when is_open then age_hours end as age_hours,
        hours_between(received_at, resolved_at) as hours_to_resolve, reopen_count, callback_score,
        count(*) over () as count_matching
    from chosen
)
select * from final
order by is_past_due desc, received_at, complaint_id
limit 500
