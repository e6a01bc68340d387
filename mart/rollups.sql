-- Rollups: derived tables built once with the mart (after every fact is in) so that the pages' questions
-- that would otherwise scan whole fact tables on every filter change read a small table instead.
-- They hold no new facts: each is a plain function of the tables above, checked in tests/test_rollups.py.

-- One row per customer: the attributes the global filters narrow by (their home dealer's place too), the products they own (as a list, so the
-- product filter is a scalar test rather than a subquery over sales), and first and last transaction dates
-- (new customers read these instead of grouping every transaction).
create table customer_profiles as
with
activity as (
    select customer_id,
           min(transacted_on) as first_transacted_on,
           max(transacted_on) as last_transacted_on,
           count(*) as count_transactions
    from customer_transactions
    group by customer_id
),
owned as (
    select customer_id, list(distinct product_id order by product_id) as product_ids
    from sales
    group by customer_id
)
select c.customer_id, c.customer_type, c.acquisition_channel, c.home_dealer_id, c.created_on,
       o.product_ids, a.first_transacted_on, a.last_transacted_on, coalesce(a.count_transactions, 0) as count_transactions,
       d.region as home_region, d.province as home_province, d.dealer_name as home_dealer_name,
       -- A compact integer per customer, in customer_id order: the queries that count, group or join customers
       -- use it (keys are text; grouping 2 million text keys cost 1.5x an integer's). Never shown.
       row_number() over (order by c.customer_id) as customer_key
from customers c
left join activity a using (customer_id)
left join owned o using (customer_id)
left join dealers d on d.dealer_id = c.home_dealer_id
order by c.customer_id;

-- One row per sale: the customer's first service visit after the sale date (NULL if none).
-- Service retention asks whether a buyer came back for service within 12 months of buying.
create table sale_followups as
select s.sale_id, v.visited_on as first_service_after_on
from sales s
asof left join service_visits v on v.customer_id = s.customer_id and s.sold_on < v.visited_on;

-- The facts with what the global filters test already attached: the serving dealer's region, province and name,
-- and the customer's segment and acquisition channel (plus, where the product filter narrows a fact to the
-- product's owners, the products the customer owns). queries/scope.sql reads these instead of joining every
-- fact to customers and dealers on every query: at scale l that join rebuilt a 2-million-row hash table per
-- fact table per query. Each is kept in date order, so a period reads only its own row groups.
-- The columns are the scoped_* macros' own, in their order; the extra ones come last.

-- One row per sale. serviced_within_12_months: the buyer came back for service within 12 months of this sale
-- (sale_followups above), the service-retention question, answered here so that it is not a join per query (the
-- join to sale_followups was 20 of kpi_summary's 46 ms at scale m).
create table sales_in_context as
select s.*, d.region, d.province, d.dealer_name, c.customer_type, c.acquisition_channel, c.customer_key,
       coalesce(f.first_service_after_on <= (s.sold_on + interval 12 month)::date, false) as serviced_within_12_months
from sales s
join customer_profiles c using (customer_id)
left join dealers d on d.dealer_id = s.dealer_id
left join sale_followups f using (sale_id)
order by s.sold_on, s.sale_id;

-- One row per service visit.
create table service_visits_in_context as
select v.*, d.region, d.province, d.dealer_name, c.customer_type, c.acquisition_channel,
       c.product_ids as owned_product_ids, c.customer_key
from service_visits v
join customer_profiles c using (customer_id)
left join dealers d on d.dealer_id = v.dealer_id
order by v.visited_on, v.visit_id;

-- One row per survey response.
create table surveys_in_context as
select r.*, d.region, d.province, d.dealer_name, c.customer_type, c.acquisition_channel,
       c.product_ids as owned_product_ids, c.customer_key
from surveys r
join customer_profiles c using (customer_id)
left join dealers d on d.dealer_id = r.dealer_id
order by r.surveyed_on, r.survey_id;

-- One row per complaint, with its lifecycle (the complaint_lifecycle view).
create table complaints_in_context as
select k.*, d.region, d.province, d.dealer_name, c.customer_type, c.acquisition_channel, c.customer_key
from complaint_lifecycle k
join customer_profiles c using (customer_id)
left join dealers d on d.dealer_id = k.dealer_id
order by k.received_at, k.complaint_id;

-- One row per campaign contact, the customer placed by their home dealer (campaign order: campaign questions
-- ask about a few campaigns at a time).
create table campaign_contacts_in_context as
select cc.*, c.customer_type, d.region, d.province, d.dealer_name,
       c.acquisition_channel, c.home_dealer_id, c.product_ids as owned_product_ids, c.customer_key
from campaign_contacts cc
join customer_profiles c using (customer_id)
left join dealers d on d.dealer_id = c.home_dealer_id
order by cc.campaign_id, cc.contacted_on, cc.customer_id;

-- One row per campaign touch of a customer: a treatment-arm contact on the day it was made and again on the
-- day of the response, and a campaign's lead (once it names a customer) on the day it was created. The
-- control arm was held out and received nothing, so it never touches. Attribution's last and first touch read these.
create table campaign_touches as
select customer_key, campaign_id, contacted_on as touched_on from campaign_contacts_in_context where arm = 'treatment'
union all
select customer_key, campaign_id, responded_on from campaign_contacts_in_context where arm = 'treatment' and responded_on is not null
union all
select p.customer_key, l.campaign_id, l.created_at::date
from leads l join customer_profiles p using (customer_id)
where l.campaign_id is not null
order by customer_key, touched_on, campaign_id;

-- One row per sale and campaign touch of its customer in the 365 days up to and including the sale day (days_before:
-- 0 to 365), the longest attribution window the campaigns page offers. Attributing under any window up to that
-- is then a filter on days_before, not a range join of every sale in scope with every touch (which took 200 of
-- campaign_attribution's 210 ms at scale l).
create table sale_touches as
select s.sale_id, t.campaign_id, t.touched_on, (s.sold_on - t.touched_on)::integer as days_before
from sales_in_context s
join campaign_touches t on t.customer_key = s.customer_key and t.touched_on between s.sold_on - 365 and s.sold_on
order by s.sale_id, t.touched_on, t.campaign_id;

-- One row per follow-up call attempt, placed by the dealer that called (the customer's segment and channel too).
-- is_first_call marks an event's first call by anyone (the days a customer waited for a call), fixed here once:
-- whoever asks sees the same first call, and a page need not read every earlier call to find it (it did, at 80 ms).
create table followup_calls_in_context as
select f.*, d.region, d.province, d.dealer_name, c.customer_type, c.acquisition_channel,
       c.product_ids as owned_product_ids, c.customer_key,
       row_number() over (partition by f.call_type, f.follows_id order by f.called_at, f.call_id) = 1 as is_first_call
from followup_calls f
join customer_profiles c using (customer_id)
left join dealers d on d.dealer_id = f.dealer_id
order by f.called_at, f.call_id;
