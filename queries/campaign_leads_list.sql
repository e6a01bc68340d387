-- One row per lead of campaign $campaign_id in the filtered scope (whenever it was created), 100 to a page
-- ($page, from 1): its dealer, channel, funnel timestamps, outcome and the customer it became.
-- count_rows is the number of the campaign's leads in all.
with
final as (
    select lead_id, dealer_id, dealer_name, source_channel::varchar as source_channel,
           created_at, contacted_at, test_drive_at, quoted_at, closed_at,
           outcome::varchar as outcome, lost_reason, customer_id,
           hours_between(created_at, contacted_at) as hours_to_contact,
           count(*) over () as count_rows
    from scoped_leads(date '1900-01-01', date '2999-12-31', $scope)
    where campaign_id = $campaign_id
)
select * from final
order by created_at, lead_id
limit 100 offset 100 * ($page - 1)
