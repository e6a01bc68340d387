-- One row: the complaint KPIs of the filtered slice as they stood at the end of the day least($end_on, $as_of):
-- the open backlog over all history, and the flow of the complaints received in the period (how fast each
-- step was reached from receipt, SLA compliance, reopen rate, callback satisfaction).
with
to_date as (
    select *
    from complaint_status_at($as_of, date '1900-01-01', $end_on, $scope)
),
backlog as (
    select
        count(*) filter (where is_open) as complaint_backlog,
        count(*) filter (where is_open and is_past_due) as complaints_past_due
    from to_date
),
flow as (
    select
        count(*) as complaints_received,
        sla_compliance(is_sla_met, is_sla_known) as sla_compliance,
        count(*) filter (where is_sla_known) as count_sla_complaints,
        median(hours_between(received_at, dispatched_at)) as hours_to_dispatch,
        count(dispatched_at) as count_dispatched,
        median(hours_between(received_at, acknowledged_at)) as hours_to_acknowledge,
        count(acknowledged_at) as count_acknowledged,
        median(hours_between(received_at, resolved_at)) as hours_to_resolve,
        count(resolved_at) as count_resolved,
        reopen_rate(reopen_count, resolved_at) as reopen_rate,
        csat(callback_score) as callback_satisfaction,
        count(callback_score) as count_callbacks
    from to_date
    where received_at >= $start_on
)
select * from backlog, flow
