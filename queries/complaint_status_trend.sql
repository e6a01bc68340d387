-- One row per moment x open status: the open complaints by status at the end of each month (each week when the
-- period is three months or shorter) from $start_on to least($end_on, $as_of), and at that last day itself.
with
last_day_shown as (
    select least($end_on, $as_of)::date as on_date
),
grain as (
    select case when on_date - $start_on::date <= 92 then 'week' else 'month' end as grain, on_date as last_on
    from last_day_shown
),
period_ends as (
    select case when g.grain = 'week' then (date_trunc('week', d) + interval 6 day)::date
                else last_day(d::date) end as on_date
    from grain g, unnest(generate_series(date_trunc(g.grain, $start_on::date), g.last_on, case when g.grain = 'week' then interval 7 day else interval 1 month end)) as s(d)
),
moments as (
    select distinct on_date, on_date + interval 1 day as at
    from (
        select on_date from period_ends
        union all
        select on_date from last_day_shown
    )
    where on_date between $start_on and (select on_date from last_day_shown)
),
to_date as (
    select received_at, dispatched_at, acknowledged_at, resolved_at, closed_at, reopen_count
    from complaint_status_at($as_of, date '1900-01-01', $end_on, $scope)
),
open_at as (
    select m.on_date, complaint_status(m.at, k.received_at, k.dispatched_at, k.acknowledged_at, k.resolved_at, k.closed_at, k.reopen_count) as status
    from moments m
    join to_date k on k.received_at < m.at and (k.closed_at is null or k.closed_at >= m.at)
),
counted as (
    select on_date, status, count(*) as count_open
    from open_at
    group by all
),
final as (
    select m.on_date, s.status_order, s.status, coalesce(c.count_open, 0) as count_open
    from moments m
    cross join complaint_statuses() s
    left join counted c using (on_date, status)
    where s.is_open
)
select * from final order by on_date, status_order
