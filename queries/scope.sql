-- The global filters and the signed-in person's scope, applied in one place. Every dataset reads facts through
-- these table macros, passing the dates and one scope value, a STRUCT the runner builds (queries/access.py):
--   $scope: what the filters select, within what the person may see;
--   $reach: everything the person may see, with the same product, segment and channel filters (the yardsticks a
--           page compares the selection with: a region's or the nation's, as far as the person may see).
-- Fields: regions, provinces, dealer_ids (lists: the geography, the filter's choice intersected with the
-- person's scope; NULL = all, an empty list = none), product_ids, customer_types, channels (lists, NULL = all),
-- region, province, dealer_id (the filter's choice, for labels only) and is_everything (no filter and no limit).
-- Geography narrows a fact by the dealer that served it (a fact with no dealer, such as an HQ direct sale, only
-- shows when the geography is unlimited) and a customer by their home dealer. Product narrows sales and
-- complaints by their product, and other customer facts to the product's owners. Segment is the customer type;
-- channel the customer's acquisition channel.

create or replace temp macro in_list(p_values, value) as
    p_values is null or list_contains(p_values, value::varchar);

create or replace temp macro in_geo(d_region, d_province, d_dealer_id, s) as
    in_list(s['regions'], d_region) and in_list(s['provinces'], d_province) and in_list(s['dealer_ids'], d_dealer_id);

-- One row per customer matching segment, channel, (optionally) product ownership and the geography of their home
-- dealer. Reads the customer_profiles rollup (mart/rollups.sql), which carries each customer's owned products and
-- their home dealer's place.
create or replace temp macro customer_scope(s) as table
select c.customer_id, c.customer_type, c.acquisition_channel, c.home_dealer_id, c.created_on,
       c.first_transacted_on, c.last_transacted_on, c.customer_key
from customer_profiles c
where in_list(s['customer_types'], c.customer_type)
  and in_list(s['channels'], c.acquisition_channel)
  and (s['product_ids'] is null or list_has_any(s['product_ids'], c.product_ids))
  and in_geo(c.home_region, c.home_province, c.home_dealer_id, s);

-- One row per dealer in the scope's geography.
create or replace temp macro scoped_dealers(s) as table
select * from dealers d
where in_geo(d.region, d.province, d.dealer_id, s);

-- One row per customer in scope, placed by their home dealer.
create or replace temp macro scoped_customers(s) as table
select c.customer_id, c.customer_type, c.acquisition_channel, c.home_dealer_id, c.created_on,
       c.home_region as region, c.home_province as province, c.home_dealer_name as dealer_name, c.customer_key
from customer_profiles c
where in_list(s['customer_types'], c.customer_type)
  and in_list(s['channels'], c.acquisition_channel)
  and (s['product_ids'] is null or list_has_any(s['product_ids'], c.product_ids))
  and in_geo(c.home_region, c.home_province, c.home_dealer_id, s);

-- One row per sale in the period and scope. The *_in_context rollups (mart/rollups.sql) carry the dealer's place
-- and the customer's segment and channel, so scoping a fact is a filter on one table, not two joins.
create or replace temp macro scoped_sales(p_start_on, p_end_on, s) as table
select *
from sales_in_context x
where x.sold_on between p_start_on and p_end_on
  and in_list(s['product_ids'], x.product_id)
  and in_list(s['customer_types'], x.customer_type)
  and in_list(s['channels'], x.acquisition_channel)
  and in_geo(x.region, x.province, x.dealer_id, s);

-- One row per service visit in the period and scope.
create or replace temp macro scoped_service_visits(p_start_on, p_end_on, s) as table
select * exclude (owned_product_ids)
from service_visits_in_context v
where v.visited_on between p_start_on and p_end_on
  and in_list(s['customer_types'], v.customer_type)
  and in_list(s['channels'], v.acquisition_channel)
  and (s['product_ids'] is null or list_has_any(s['product_ids'], v.owned_product_ids))
  and in_geo(v.region, v.province, v.dealer_id, s);

-- One row per sale or service visit in the period and scope (the customer_transactions view, scoped).
create or replace temp macro scoped_transactions(p_start_on, p_end_on, s) as table
select customer_id, dealer_id, sold_on as transacted_on, 'sale' as kind, revenue, cost, region, province, dealer_name, customer_type
from scoped_sales(p_start_on, p_end_on, s)
union all
select customer_id, dealer_id, visited_on, 'service', revenue, null, region, province, dealer_name, customer_type
from scoped_service_visits(p_start_on, p_end_on, s);

-- One row per sale or service visit between two dates, unscoped (each branch filtered on its own date so
-- DuckDB prunes by date before the union; the customer_transactions view cannot).
create or replace temp macro transactions_between(p_start_on, p_end_on) as table
select customer_id, dealer_id, sold_on as transacted_on, 'sale' as kind, revenue, customer_key from sales_in_context
where sold_on between p_start_on and p_end_on
union all
select customer_id, dealer_id, visited_on, 'service', revenue, customer_key from service_visits_in_context
where visited_on between p_start_on and p_end_on;

-- One row per complaint received in the period and scope, with its derived status (as of now).
create or replace temp macro scoped_complaints(p_start_on, p_end_on, s) as table
select *
from complaints_in_context k
where k.received_at::date between p_start_on and p_end_on
  and in_list(s['product_ids'], k.product_id)
  and in_list(s['customer_types'], k.customer_type)
  and in_list(s['channels'], k.acquisition_channel)
  and in_geo(k.region, k.province, k.dealer_id, s);

-- One row per complaint received in the period and scope, with its SLA outcome as the period's end knows it:
-- is_met (resolved by its deadline, and before the period ended), is_due (its deadline passed before the period
-- ended). The outcome is known when either holds: SLA compliance = met / known (queries/kpi_summary.sql says so).
create or replace temp macro complaint_sla_outcomes(p_start_on, p_end_on, s) as table
select *,
       resolved_at is not null and resolved_at <= due_at and resolved_at < p_end_on + interval 1 day as is_met,
       due_at < p_end_on + interval 1 day as is_due
from scoped_complaints(p_start_on, p_end_on, s);

-- One row per survey response in the period and scope.
create or replace temp macro scoped_surveys(p_start_on, p_end_on, s) as table
select * exclude (acquisition_channel, owned_product_ids)
from surveys_in_context r
where r.surveyed_on between p_start_on and p_end_on
  and in_list(s['customer_types'], r.customer_type)
  and in_list(s['channels'], r.acquisition_channel)
  and (s['product_ids'] is null or list_has_any(s['product_ids'], r.owned_product_ids))
  and in_geo(r.region, r.province, r.dealer_id, s);

-- One row per follow-up call attempt made in the period and scope (by the day of the call), placed by the dealer
-- that called; product narrows to the product's owners, as for surveys.
create or replace temp macro scoped_followup_calls(p_start_on, p_end_on, s) as table
select * exclude (acquisition_channel, owned_product_ids)
from followup_calls_in_context f
where f.called_at::date between p_start_on and p_end_on
  and in_list(s['customer_types'], f.customer_type)
  and in_list(s['channels'], f.acquisition_channel)
  and (s['product_ids'] is null or list_has_any(s['product_ids'], f.owned_product_ids))
  and in_geo(f.region, f.province, f.dealer_id, s);

-- One row per dealer x month of target in the months the period touches and in the scope's geography. A target
-- is a dealer's whole business: product, segment and channel filters do not narrow it (a page says so, and
-- compares a target only with the dealer's whole sales).
create or replace temp macro scoped_targets(p_start_on, p_end_on, s) as table
select t.*, d.region, d.province, d.dealer_name
from targets t
join dealers d using (dealer_id)
where t.month between date_trunc('month', p_start_on::date) and date_trunc('month', p_end_on::date)
  and in_geo(d.region, d.province, d.dealer_id, s);

-- One row per lead created in the period and scope. A prospect has no product or customer type yet,
-- so those filters do not apply; channel is the lead's source channel.
create or replace temp macro scoped_leads(p_start_on, p_end_on, s) as table
select l.*, d.region, d.province, d.dealer_name
from leads l
join dealers d on d.dealer_id = l.dealer_id
where l.created_at::date between p_start_on and p_end_on
  and in_list(s['channels'], l.source_channel)
  and in_geo(d.region, d.province, d.dealer_id, s);

-- One row per campaign contact in the period and scope, the customer placed by their home dealer.
create or replace temp macro scoped_contacts(p_start_on, p_end_on, s) as table
select * exclude (acquisition_channel, home_dealer_id, owned_product_ids)
from campaign_contacts_in_context cc
where cc.contacted_on between p_start_on and p_end_on
  and in_list(s['customer_types'], cc.customer_type)
  and in_list(s['channels'], cc.acquisition_channel)
  and (s['product_ids'] is null or list_has_any(s['product_ids'], cc.owned_product_ids))
  and in_geo(cc.region, cc.province, cc.home_dealer_id, s);

-- One row per campaign that ended in the period: its cost and what it brought, within the scope.
-- A national campaign's cost is apportioned to the scope by the share of its contacts (or, for a campaign
-- without contact lists, its leads) that fall in the scope; with no filter the share is 1.
create or replace temp macro campaign_results_in_scope(p_start_on, p_end_on, s) as table
with
ended as (select campaign_id from campaigns where end_on between p_start_on and p_end_on),
contacts_all as (
    select campaign_id, count(*) as n from campaign_contacts
    where campaign_id in (select campaign_id from ended)
    group by campaign_id
),
contacts_in_scope as (
    select campaign_id, count(*) as n
    from scoped_contacts(date '1900-01-01', date '2999-12-31', s)
    where campaign_id in (select campaign_id from ended)
    group by campaign_id
),
leads_all as (
    select campaign_id, count(*) as n from leads
    where campaign_id in (select campaign_id from ended)
    group by campaign_id
),
leads_in_scope as (
    select campaign_id, count(*) as n
    from scoped_leads(date '1900-01-01', date '2999-12-31', s)
    where campaign_id in (select campaign_id from ended)
    group by campaign_id
),
attributed as (
    select campaign_id, count(*) as count_sales, sum(quantity)::bigint as units,
           sum(revenue)::double as attributed_revenue, gross_margin(revenue, cost) as attributed_margin
    from scoped_sales(date '1900-01-01', date '2999-12-31', s)
    where campaign_id in (select campaign_id from ended)
    group by campaign_id
),
shares as (
    select
        c.*,
        case
            when s['is_everything'] then 1.0
            when coalesce(ca.n, 0) > 0 then coalesce(cs.n, 0) / ca.n
            when coalesce(la.n, 0) > 0 then coalesce(ls.n, 0) / la.n
            else 0.0
        end as cost_share,
        coalesce(a.count_sales, 0) as count_sales,
        coalesce(a.units, 0) as units,
        coalesce(a.attributed_revenue, 0) as attributed_revenue,
        coalesce(a.attributed_margin, 0) as attributed_margin
    from campaigns c
    left join contacts_all ca using (campaign_id)
    left join contacts_in_scope cs using (campaign_id)
    left join leads_all la using (campaign_id)
    left join leads_in_scope ls using (campaign_id)
    left join attributed a using (campaign_id)
    where c.campaign_id in (select campaign_id from ended)
)
select *, actual_cost::double * cost_share as cost_in_scope from shares;

-- One row per sale in the dates and scope that some attribution rule credits to a campaign, with the campaign
-- under each rule: recorded (the mart's sales.campaign_id), last touch and first touch (the latest / earliest
-- campaign touch of the customer in the p_window_days days up to and including the sale day; a same-day tie
-- goes to the higher / lower campaign id so that the answer never depends on row order).
create or replace temp macro attributed_sales_in_scope(p_start_on, p_end_on, s, p_window_days) as table
with
sales_in_scope as (
    select sale_id, customer_id, dealer_id, product_id, sold_on, quantity, revenue, cost, campaign_id as recorded_campaign_id,
           customer_key
    from scoped_sales(p_start_on, p_end_on, s)
),
touched as (
    -- sale_touches (mart/rollups.sql) holds each sale's touches up to 365 days before it; a longer window fails
    -- rather than quietly counting fewer touches than asked.
    select t.sale_id,
           arg_max(t.campaign_id, row(t.touched_on, t.campaign_id)) as last_touch_campaign_id,
           arg_min(t.campaign_id, row(t.touched_on, t.campaign_id)) as first_touch_campaign_id
    from sale_touches t
    where t.days_before <= case when p_window_days::integer between 0 and 365 then p_window_days::integer
                                else error('the attribution window must be 0 to 365 days') end
    group by t.sale_id
)
select s.*, t.last_touch_campaign_id, t.first_touch_campaign_id
from sales_in_scope s
left join touched t using (sale_id)
where s.recorded_campaign_id is not null or t.sale_id is not null;

-- A complaint's status at a moment, from its timestamps alone: a step stamped at or after the moment has not
-- happened yet. NULL: not received yet. The mart counts reopenings but does not stamp them, so a reopened
-- complaint shows as 'reopened' from the dealer's acknowledgement until its final resolution.
create or replace temp macro complaint_status(p_at, received_at, dispatched_at, acknowledged_at, resolved_at, closed_at, reopen_count) as
    case
        when not received_at < p_at then null
        when closed_at < p_at then 'closed'
        when resolved_at < p_at then 'resolved'
        when acknowledged_at < p_at and reopen_count > 0 then 'reopened'
        when acknowledged_at < p_at then 'acknowledged'
        when dispatched_at < p_at then 'dispatched'
        else 'received'
    end;

-- One row per status complaint_status gives, in lifecycle order; is_open: counted in the backlog.
create or replace temp macro complaint_statuses() as table
select * from (values
    (1, 'received', true), (2, 'dispatched', true), (3, 'acknowledged', true), (4, 'reopened', true),
    (5, 'resolved', true), (6, 'closed', false)
) as t(status_order, status, is_open);

-- One row per complaint in scope received between p_start_on and p_end_on, as it stood at the end of the day
-- least(p_end_on, p_as_of) (as_of_at, exclusive): a timestamp at or after that moment has not happened yet and
-- is NULL, as is the callback score (given at closing); status and deadline flags follow from what had happened.
-- A backlog over all history passes date '1900-01-01' as p_start_on.
create or replace temp macro complaint_status_at(p_as_of, p_start_on, p_end_on, s) as table
with
received as (
    select *, least(p_end_on, p_as_of)::date + interval 1 day as as_of_at
    from scoped_complaints(p_start_on, least(p_end_on, p_as_of), s)
),
known as (
    select
        complaint_id, customer_id, dealer_id, dealer_name, region, province, product_id, channel, category, severity,
        customer_type, acquisition_channel, resolve_within_hours, due_at, reopen_count, as_of_at, received_at,
        case when dispatched_at < as_of_at then dispatched_at end as dispatched_at,
        case when acknowledged_at < as_of_at then acknowledged_at end as acknowledged_at,
        case when resolved_at < as_of_at then resolved_at end as resolved_at,
        case when closed_at < as_of_at then closed_at end as closed_at,
        case when closed_at < as_of_at then callback_score end as callback_score
    from received
)
select
    *,
    complaint_status(as_of_at, received_at, dispatched_at, acknowledged_at, resolved_at, closed_at, reopen_count) as status,
    closed_at is null as is_open,
    -- Past deadline: not resolved, and the severity's deadline has gone by.
    resolved_at is null and due_at < as_of_at as is_past_due,
    -- The SLA outcome is known once the complaint is resolved or its deadline has gone by.
    coalesce(resolved_at <= due_at, false) as is_sla_met,
    coalesce(resolved_at <= due_at, false) or due_at < as_of_at as is_sla_known
from known;

-- One row per complaint x lifecycle step the complaint had finished by the end of the day least(p_end_on, p_as_of),
-- with the hours the step took and who owns it: HQ dispatches and closes after its callback; the dealer
-- acknowledges and resolves. Same parameters and complaints as complaint_status_at.
create or replace temp macro complaint_steps_at(p_as_of, p_start_on, p_end_on, s) as table
with
steps as (
    select
        k.*,
        unnest([
            {step_order: 1, step: 'receipt → dispatch', owner: 'HQ', started_at: k.received_at, finished_at: k.dispatched_at},
            {step_order: 2, step: 'dispatch → acknowledgement', owner: 'dealer', started_at: k.dispatched_at, finished_at: k.acknowledged_at},
            {step_order: 3, step: 'acknowledgement → resolution', owner: 'dealer', started_at: k.acknowledged_at, finished_at: k.resolved_at},
            {step_order: 4, step: 'resolution → close (callback)', owner: 'HQ', started_at: k.resolved_at, finished_at: k.closed_at}
        ], recursive := true)
    from complaint_status_at(p_as_of, p_start_on, p_end_on, s) k
)
select *, hours_between(started_at, finished_at) as hours
from steps
where started_at is not null and finished_at is not null;

-- The customer p_customer_id if the person may open them (their home dealer is within s): one row or none.
-- Customer 360 reads one customer's whole history only after opening them through this.
create or replace temp macro customer_in_reach(s, p_customer_id) as table
select c.*
from customers c
where c.customer_id = p_customer_id
  and exists (select 1 from customer_scope(s) x where x.customer_id = p_customer_id);

-- Customer-level figures follow the customer: the complaints, surveys and transactions of the customers in scope,
-- wherever they were made.
create or replace temp macro complaints_of_customers(s) as table
select k.* from complaints k semi join customer_scope(s) c using (customer_id);

create or replace temp macro surveys_of_customers(s) as table
select r.* from surveys r semi join customer_scope(s) c using (customer_id);

create or replace temp macro transactions_of_customers(p_start_on, p_end_on, s) as table
select t.* from transactions_between(p_start_on, p_end_on) t semi join customer_scope(s) c using (customer_key);
