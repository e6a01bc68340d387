-- One row per month of lead creation in the period x source channel, plus one per month for every channel
-- together (source_channel 'all'): leads created, closed and won, conversion (won / closed) and speed to lead.
-- A recent month's conversion is provisional: its lost leads take longer to close than its won ones.
with
period_leads as (
    select date_trunc('month', created_at)::date as month, source_channel::varchar as source_channel, *
        exclude (source_channel)
    from scoped_leads($start_on, $end_on, $scope)
),
final as (
    select
        month,
        coalesce(source_channel, 'all') as source_channel,
        count(*) as count_created,
        count(*) filter (where outcome in ('won', 'lost')) as count_closed,
        count(*) filter (where outcome = 'won') as count_won,
        lead_conversion(outcome) as lead_conversion,
        speed_to_lead(created_at, contacted_at) as median_hours_to_contact
    from period_leads
    group by grouping sets ((month), (month, source_channel))
)
select * from final
order by month, source_channel = 'all' desc, source_channel
