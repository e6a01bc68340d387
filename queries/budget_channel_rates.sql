-- One row per channel of the lead-generating campaigns (acquisition and promotion) that ended in the period:
-- their cost in scope, their leads in scope and how those leads closed; cost per lead, lead conversion (won /
-- closed) and the between-campaign dispersion of leads per yuan that analytics.budget widens its intervals by.
with
results as (
    select campaign_id, channel::varchar as channel, cost_in_scope
    from campaign_results_in_scope($start_on, $end_on, $scope)
    where campaign_type in ('acquisition', 'promotion')
),
campaign_leads as (
    select campaign_id,
           count(*) as count_leads,
           count(*) filter (where outcome in ('won', 'lost')) as count_closed,
           count(*) filter (where outcome = 'won') as count_won
    from scoped_leads(date '1900-01-01', date '2999-12-31', $scope)
    where campaign_id in (select campaign_id from results)
    group by campaign_id
),
per_campaign as (
    select r.campaign_id, r.channel, r.cost_in_scope,
           coalesce(l.count_leads, 0) as count_leads,
           coalesce(l.count_closed, 0) as count_closed,
           coalesce(l.count_won, 0) as count_won
    from results r
    left join campaign_leads l using (campaign_id)
),
per_channel as (
    select channel, count(*) as count_campaigns, sum(cost_in_scope) as cost,
           sum(count_leads)::bigint as count_leads, sum(count_closed)::bigint as count_closed,
           sum(count_won)::bigint as count_won
    from per_campaign
    group by channel
),
-- Pearson dispersion of each campaign's leads around the channel's leads per yuan: 1 if campaigns differ only
-- by chance, more if some campaigns of the channel simply bring more leads per yuan than others.
dispersion as (
    select c.channel,
           sum(power(c.count_leads - p.count_leads * c.cost_in_scope / p.cost, 2)
               / nullif(p.count_leads * c.cost_in_scope / p.cost, 0)) / nullif(p.count_campaigns - 1, 0) as lead_dispersion
    from per_campaign c
    join per_channel p using (channel)
    where p.cost > 0
    group by c.channel, p.count_campaigns
),
final as (
    select p.*,
           cost_per(p.cost, p.count_leads) as cost_per_lead,
           rate(p.count_won, p.count_closed) as lead_conversion,
           d.lead_dispersion
    from per_channel p
    left join dispersion d using (channel)
)
select * from final
order by cost desc
