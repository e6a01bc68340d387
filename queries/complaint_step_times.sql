-- One row per area x lifecycle step: median and 90th-percentile hours of each step, over the complaints received
-- in the period that had finished that step by the end of the day least($end_on, $as_of). level = 'dealer' (the
-- dealers in the chosen geography), 'region' (the regions of those dealers) or 'national'; region and national
-- rows ignore the geography filter (they are the yardstick) but keep the others, as on the dealer scorecard.
with
steps as (
    select region, dealer_id, dealer_name, step_order, step, owner, hours
    from complaint_steps_at($as_of, $start_on, $end_on, $reach)
),
rolled_up as (
    select
        case when grouping(dealer_id) = 0 then 'dealer' when grouping(region) = 0 then 'region' else 'national' end as level,
        region,
        dealer_id,
        -- a region or national row is named by its level and region, never by one of its dealers
        case when grouping(dealer_id) = 0 then any_value(dealer_name) end as dealer_name,
        step_order,
        any_value(step) as step,
        any_value(owner) as owner,
        count(*) as count_complaints,
        median(hours) as median_hours,
        quantile_cont(hours, 0.9) as p90_hours
    from steps
    group by grouping sets ((step_order, region, dealer_id), (step_order, region), (step_order))
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
order by level = 'national', level = 'region', region, dealer_name, step_order
