-- One row per status (received, dispatched, acknowledged, reopened, resolved, closed), as the complaints stood
-- at the end of the day least($end_on, $as_of): count_complaints over all complaints received by then (the open
-- statuses make up the backlog), count_in_period over those received in the period.
with
to_date as (
    select status, is_past_due, received_at >= $start_on as is_in_period
    from complaint_status_at($as_of, date '1900-01-01', $end_on, $scope)
),
counted as (
    select
        status,
        count(*) as count_complaints,
        count(*) filter (where is_past_due) as count_past_due,
        count(*) filter (where not is_past_due) as count_within_deadline,
        count(*) filter (where is_in_period) as count_in_period
    from to_date
    group by status
),
final as (
    select
        s.status_order, s.status, s.is_open,
        coalesce(c.count_complaints, 0) as count_complaints,
        coalesce(c.count_past_due, 0) as count_past_due,
        coalesce(c.count_within_deadline, 0) as count_within_deadline,
        coalesce(c.count_in_period, 0) as count_in_period
    from complaint_statuses() s
    left join counted c using (status)
)
select * from final order by status_order
