-- One row per severity: its deadline, and SLA compliance over the complaints received in the period whose
-- outcome was known at the end of the day least($end_on, $as_of); with the open backlog of that severity then
-- and how much of it was past the deadline.
with
to_date as (
    select *
    from complaint_status_at($as_of, date '1900-01-01', $end_on, $scope)
),
period as (
    select
        severity,
        count(*) as complaints_received,
        count(*) filter (where is_sla_known) as count_sla_complaints,
        count(*) filter (where is_sla_met) as count_sla_met,
        sla_compliance(is_sla_met, is_sla_known) as sla_compliance
    from to_date
    where received_at >= $start_on
    group by severity
),
backlog as (
    select severity, count(*) as complaint_backlog, count(*) filter (where is_past_due) as complaints_past_due
    from to_date
    where is_open
    group by severity
),
final as (
    select
        s.severity::varchar as severity,
        s.resolve_within_hours,
        coalesce(p.complaints_received, 0) as complaints_received,
        coalesce(p.count_sla_complaints, 0) as count_sla_complaints,
        coalesce(p.count_sla_met, 0) as count_sla_met,
        p.sla_compliance,
        coalesce(b.complaint_backlog, 0) as complaint_backlog,
        coalesce(b.complaints_past_due, 0) as complaints_past_due
    from complaint_sla s
    left join period p using (severity)
    left join backlog b using (severity)
)
select * from final order by resolve_within_hours
