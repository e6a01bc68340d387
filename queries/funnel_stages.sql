-- One row per group of leads created in the period and scope: all of them (level 'all'), each source channel
-- ('channel') and each dealer ('dealer'). How many reached each step of the funnel (created -> contacted ->
-- test drive -> quoted -> won), the conversion of each step, won / closed and speed to lead.
-- $campaign_id narrows to one campaign's leads (NULL: every lead).
with
period_leads as (
    select *
    from scoped_leads($start_on, $end_on, $scope)
    where $campaign_id is null or campaign_id = $campaign_id
),
grouped as (
    select
        case when grouping(source_channel) = 0 then 'channel' when grouping(dealer_id) = 0 then 'dealer' else 'all' end as level,
        source_channel::varchar as source_channel,
        dealer_id,
        case when grouping(dealer_id) = 0 then any_value(dealer_name) end as dealer_name,
        case when grouping(dealer_id) = 0 then any_value(region) end as region,
        count(*) as count_created,
        count(contacted_at) as count_contacted,
        count(test_drive_at) as count_test_drive,
        count(quoted_at) as count_quoted,
        count(*) filter (where outcome = 'won') as count_won,
        count(*) filter (where outcome = 'lost') as count_lost,
        count(*) filter (where outcome = 'open') as count_open,
        lead_conversion(outcome) as lead_conversion,
        speed_to_lead(created_at, contacted_at) as median_hours_to_contact
    from period_leads
    group by grouping sets ((), (source_channel), (dealer_id))
),
final as (
    select
        *,
        rate(count_contacted, count_created) as contacted_rate,
        rate(count_test_drive, count_contacted) as test_drive_rate,
        rate(count_quoted, count_test_drive) as quoted_rate,
        rate(count_won, count_quoted) as won_rate,
        rate(count_won, count_created) as created_to_won_rate
    from grouped
    -- With nothing in scope the grand total is still one row of zeros; an empty result says it better.
    where count_created > 0
)
select * from final
order by case level when 'all' then 0 when 'channel' then 1 else 2 end, count_created desc, source_channel, dealer_id
