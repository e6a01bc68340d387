-- One row per event in customer $customer_id's whole history, oldest first: purchases, service visits, each step
-- of their leads, campaign contacts and responses, each step of their complaints' lifecycle, and survey scores.
-- Nothing for a customer the person may not open (customer_in_reach).
with
customer as (
    select customer_id from customer_in_reach($reach, $customer_id)
),
purchases as (
    select s.sold_on::timestamp as event_at, 'purchase' as category, 'purchase' as event,
           coalesce(p.product_name, s.product_id) || ' x' || s.quantity as detail,
           s.revenue::double as amount, null::smallint as score, d.dealer_name, 'sale ' || s.sale_id as reference
    from sales s
    left join products p using (product_id)
    left join dealers d on d.dealer_id = s.dealer_id
    where s.customer_id = (select customer_id from customer)
),
visits as (
    select v.visited_on::timestamp, 'service', 'service visit', v.service_type::varchar,
           v.revenue::double, null::smallint, d.dealer_name, 'visit ' || v.visit_id
    from service_visits v
    left join dealers d on d.dealer_id = v.dealer_id
    where v.customer_id = (select customer_id from customer)
),
lead_steps as (
    select step.event_at, 'lead', step.event,
           l.source_channel::varchar || coalesce(' · ' || c.campaign_name, '') || coalesce(' · ' || step.extra, ''),
           null::double, null::smallint, d.dealer_name, 'lead ' || l.lead_id
    from leads l
    left join campaigns c using (campaign_id)
    left join dealers d on d.dealer_id = l.dealer_id
    cross join lateral (
        values (l.created_at, 'lead created', null::varchar),
               (l.contacted_at, 'lead contacted', null),
               (l.test_drive_at, 'test drive', null),
               (l.quoted_at, 'quote', null),
               (l.closed_at, 'lead ' || l.outcome::varchar, l.lost_reason)
    ) as step(event_at, event, extra)
    where l.customer_id = (select customer_id from customer) and step.event_at is not null
),
contacts as (
    select step.event_at, 'campaign', step.event, c.campaign_name || ' (' || cc.arm::varchar || ' arm)',
           null::double, null::smallint, null::varchar, 'campaign ' || cc.campaign_id
    from campaign_contacts cc
    join campaigns c using (campaign_id)
    cross join lateral (
        values (cc.contacted_on::timestamp, 'campaign contact'), (cc.responded_on::timestamp, 'campaign response')
    ) as step(event_at, event)
    where cc.customer_id = (select customer_id from customer) and step.event_at is not null
),
complaint_steps as (
    select step.event_at, 'complaint', step.event,
           k.category || ' · ' || k.severity::varchar || coalesce(' · ' || step.extra, ''),
           null::double, step.score, d.dealer_name, 'complaint ' || k.complaint_id
    from complaint_lifecycle k
    left join dealers d on d.dealer_id = k.dealer_id
    cross join lateral (
        values (k.received_at, 'complaint received', null::varchar, null::smallint),
               (k.dispatched_at, 'complaint dispatched to dealer', null, null),
               (k.acknowledged_at, 'complaint acknowledged', null, null),
               (k.resolved_at, 'complaint resolved',
                case when k.is_resolved_within_sla then 'within deadline' else 'past deadline' end
                || case when k.reopen_count > 0 then ' · reopened ' || k.reopen_count || 'x' else '' end, null),
               (k.closed_at, 'complaint closed', 'callback score', k.callback_score)
    ) as step(event_at, event, extra, score)
    where k.customer_id = (select customer_id from customer) and step.event_at is not null
),
survey_scores as (
    select r.surveyed_on::timestamp, 'survey', 'survey', r.survey_type::varchar,
           null::double, r.score, d.dealer_name, 'survey ' || r.survey_id
    from surveys r
    left join dealers d on d.dealer_id = r.dealer_id
    where r.customer_id = (select customer_id from customer)
),
final as (
    select * from purchases
    union all select * from visits
    union all select * from lead_steps
    union all select * from contacts
    union all select * from complaint_steps
    union all select * from survey_scores
)
select * from final order by event_at, category, event
