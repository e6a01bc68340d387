-- One row per month x lifecycle step: median and 90th-percentile hours of the steps finished in that month,
-- from $start_on to the end of the day least($end_on, $as_of) (a step counts in the month it finished, so a
-- month is complete once it is over, whenever its complaints came in).
with
steps as (
    select date_trunc('month', finished_at)::date as month, step_order, step, owner, hours
    from complaint_steps_at($as_of, date '1900-01-01', $end_on, $scope)
    where finished_at >= $start_on
),
final as (
    select
        month,
        step_order,
        any_value(step) as step,
        any_value(owner) as owner,
        count(*) as count_complaints,
        median(hours) as median_hours,
        quantile_cont(hours, 0.9) as p90_hours
    from steps
    group by month, step_order
)
select * from final order by month, step_order
