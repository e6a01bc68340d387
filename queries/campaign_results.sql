-- One row per campaign that ended in the period: its cost in the filtered scope and what it brought there
-- (contacts, responses, leads, won leads, the sales the mart attributes to it), with cost per lead, cost per
-- sale and ROI. Built on campaign_results_in_scope, so its cost and margin add up to the overview's ROI tile.
with
results as (
    select *
    from campaign_results_in_scope($start_on, $end_on, $scope)
),
contacts as (
    -- The control arm was held out: its members were picked, not contacted.
    select campaign_id,
           count(*) filter (where arm = 'treatment') as count_contacts,
           count(responded_on) filter (where arm = 'treatment') as count_responses,
           count(*) filter (where arm = 'control') as count_control
    from scoped_contacts(date '1900-01-01', date '2999-12-31', $scope)
    where campaign_id in (select campaign_id from results)
    group by campaign_id
),
campaign_leads as (
    select campaign_id, count(*) as count_leads, count(*) filter (where outcome = 'won') as count_leads_won
    from scoped_leads(date '1900-01-01', date '2999-12-31', $scope)
    where campaign_id in (select campaign_id from results)
    group by campaign_id
),
final as (
    select
        r.campaign_id,
        r.campaign_name,
        r.campaign_type::varchar as campaign_type,
        r.channel::varchar as channel,
        r.start_on,
        r.end_on,
        r.target_region,
        r.budget::double as budget,
        r.actual_cost::double as actual_cost,
        r.cost_share,
        r.cost_in_scope,
        coalesce(c.count_contacts, 0) as count_contacts,
        coalesce(c.count_responses, 0) as count_responses,
        coalesce(c.count_control, 0) as count_control,
        coalesce(l.count_leads, 0) as count_leads,
        coalesce(l.count_leads_won, 0) as count_leads_won,
        r.count_sales,
        r.units,
        r.attributed_revenue,
        r.attributed_margin,
        cost_per(r.cost_in_scope, l.count_leads) as cost_per_lead,
        cost_per(r.cost_in_scope, r.count_sales) as cost_per_sale,
        roi(r.attributed_margin, r.cost_in_scope) as roi
    from results r
    left join contacts c using (campaign_id)
    left join campaign_leads l using (campaign_id)
)
-- A person limited to part of the network sees the campaigns that reached it, with their cost in scope: not the
-- whole campaign's budget and cost, nor its share (from which the national totals would follow).
select * exclude (is_limited) replace (
    case when not is_limited then budget end as budget,
    case when not is_limited then actual_cost end as actual_cost,
    case when not is_limited then cost_share end as cost_share
)
from final, (select $reach['regions'] is not null or $reach['provinces'] is not null or $reach['dealer_ids'] is not null
             as is_limited) l
where not l.is_limited or final.cost_share > 0
order by end_on desc, campaign_id
