-- One row per campaign in progress on the read day, least($end_on, the data's as-of date): started on or before it,
-- ending after it. Everything is counted as it stood at the end of that day: the days gone and left, the spend to
-- date, the contacts, responses, leads and recorded sales to date, and each arm's size, responders and buyers (a
-- sale in scope from the contact day to $window_days days after it, and no later than the read day) as
-- campaign_lift.sql counts them for a finished campaign, so analytics.lift gives the same intervals (an early read).
-- The mart holds one actual_cost per campaign, not its spend by day: spend to date is that cost apportioned by the
-- days gone (days_elapsed / days_total), the cost in scope as campaign_results_in_scope apportions a campaign to the
-- scope (its share of the campaign's contacts, or leads).
with
read_day as (
    select least($end_on::date, (select max(as_of_on) from mart_info)) as read_on
),
running as (
    -- campaign_results_in_scope over the campaigns that end after the read day gives each one's share in scope.
    select r.*, d.read_on
    from campaign_results_in_scope((select read_on from read_day) + 1, date '2999-12-31', $scope) r, read_day d
    where r.start_on <= d.read_on
),
contacts as (
    select c.campaign_id, c.customer_key, c.arm, c.contacted_on,
           c.responded_on is not null and c.responded_on <= r.read_on as is_responder, r.read_on
    from scoped_contacts(date '1900-01-01', (select read_on from read_day), $scope) c
    join running r using (campaign_id)
),
-- Both arms from the contact day, cut at the read day: a purchase after it has not happened yet.
window_sales as (
    select c.campaign_id, c.customer_key, gross_margin(s.revenue, s.cost) as margin
    from contacts c
    join scoped_sales(date '1900-01-01', (select read_on from read_day), $scope) s
      on s.customer_key = c.customer_key
     and s.sold_on between c.contacted_on and c.contacted_on + $window_days::integer
    group by c.campaign_id, c.customer_key
),
by_arm as (
    select
        c.campaign_id,
        count(*) filter (where arm = 'treatment') as count_treatment,
        count(*) filter (where arm = 'treatment' and is_responder) as count_treatment_responders,
        count(*) filter (where arm = 'treatment' and w.customer_key is not null) as count_treatment_buyers,
        coalesce(sum(w.margin) filter (where arm = 'treatment'), 0)::double as treatment_buyer_margin,
        count(*) filter (where arm = 'control') as count_control,
        count(*) filter (where arm = 'control' and is_responder) as count_control_responders,
        count(*) filter (where arm = 'control' and w.customer_key is not null) as count_control_buyers,
        coalesce(sum(w.margin) filter (where arm = 'control'), 0)::double as control_buyer_margin,
        max(contacted_on) as last_contacted_on
    from contacts c
    left join window_sales w using (campaign_id, customer_key)
    group by c.campaign_id
),
campaign_leads as (
    select campaign_id, count(*) as count_leads
    from scoped_leads(date '1900-01-01', (select read_on from read_day), $scope)
    where campaign_id in (select campaign_id from running)
    group by campaign_id
),
campaign_sales as (
    select campaign_id, count(*) as count_sales, gross_margin(revenue, cost) as attributed_margin
    from scoped_sales(date '1900-01-01', (select read_on from read_day), $scope)
    where campaign_id in (select campaign_id from running)
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
        r.read_on,
        date_diff('day', r.start_on, r.read_on) + 1 as days_elapsed,
        date_diff('day', r.start_on, r.end_on) + 1 as days_total,
        date_diff('day', r.read_on, r.end_on) as days_left,
        (date_diff('day', r.start_on, r.read_on) + 1) / (date_diff('day', r.start_on, r.end_on) + 1) as elapsed_share,
        r.budget::double as budget,
        r.actual_cost::double as actual_cost,
        r.cost_share,
        r.budget::double * r.cost_share as budget_in_scope,
        r.cost_in_scope as planned_cost_in_scope,
        r.cost_in_scope * (date_diff('day', r.start_on, r.read_on) + 1) / (date_diff('day', r.start_on, r.end_on) + 1)
            as cost_in_scope,
        coalesce(b.count_treatment, 0) as count_treatment,
        coalesce(b.count_treatment_responders, 0) as count_treatment_responders,
        coalesce(b.count_treatment_buyers, 0) as count_treatment_buyers,
        coalesce(b.treatment_buyer_margin, 0) as treatment_buyer_margin,
        coalesce(b.count_control, 0) as count_control,
        coalesce(b.count_control_responders, 0) as count_control_responders,
        coalesce(b.count_control_buyers, 0) as count_control_buyers,
        coalesce(b.control_buyer_margin, 0) as control_buyer_margin,
        coalesce(l.count_leads, 0) as count_leads,
        coalesce(s.count_sales, 0) as count_sales,
        coalesce(s.attributed_margin, 0) as attributed_margin,
        -- Early by definition; complete only if the last contact's window closed by the read day.
        coalesce(b.last_contacted_on + $window_days::integer <= r.read_on, false) as is_window_complete
    from running r
    left join by_arm b using (campaign_id)
    left join campaign_leads l using (campaign_id)
    left join campaign_sales s using (campaign_id)
)
-- As campaign_results: a person limited to part of the network sees the campaigns that reached it, with their
-- budget and cost in scope only.
select * exclude (is_limited) replace (
    case when not is_limited then budget end as budget,
    case when not is_limited then actual_cost end as actual_cost,
    case when not is_limited then cost_share end as cost_share
)
from final, (select $reach['regions'] is not null or $reach['provinces'] is not null or $reach['dealer_ids'] is not null
             as is_limited) l
where not l.is_limited or final.cost_share > 0
order by start_on, campaign_id
