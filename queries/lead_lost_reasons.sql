-- One row per source channel x lost reason x last step reached, over the leads created in the period and scope
-- that were lost: where in the funnel they dropped out and why.
with
lost as (
    select
        source_channel::varchar as source_channel,
        coalesce(lost_reason, 'not recorded') as lost_reason,
        case
            when quoted_at is not null then 'quoted'
            when test_drive_at is not null then 'test drive'
            when contacted_at is not null then 'contacted'
            else 'created'
        end as last_step
    from scoped_leads($start_on, $end_on, $scope)
    where outcome = 'lost'
),
final as (
    select source_channel, lost_reason, last_step, count(*) as count_lost
    from lost
    group by all
)
select * from final
order by source_channel, count_lost desc, lost_reason, last_step
