-- Pre-aggregations: the facts summed to dealer x month, built with every mart after the rollups (mart/rollups.sql)
-- and read instead of the facts when the filters allow it (queries/routes.py): a period of whole months and no
-- product, segment or channel filter, which is what the pages open with and what a region or dealer drill-down
-- keeps. Then a page's cost follows the size of these tables (dealers x months), not the number of facts.
-- Each is a plain sum of an *_in_context rollup, so the scope macros' geography test (in_geo over region, province
-- and dealer_id) selects the same facts here as there. Money is summed as DECIMAL, so a sum of monthly sums is the
-- sum of the facts to the cent, and a routed answer equals the fact-level one exactly (tests/test_preaggregates.py).
-- DuckDB only: the Spark engine reads the facts (mart/spark_rollups.py builds the rollups, not these).

-- One row per month x serving dealer (NULL for a sale no dealer served, an HQ direct sale) with sales.
create table sales_months as
select date_trunc('month', sold_on)::date as month, dealer_id, region, province,
       count(*) as count_sales,
       sum(quantity) as units,
       sum(revenue) as sales_revenue,
       sum(revenue - cost) as margin
from sales_in_context
group by all
order by month, dealer_id;

-- One row per month x serving dealer with service visits.
create table service_months as
select date_trunc('month', visited_on)::date as month, dealer_id, region, province,
       count(*) as count_visits,
       sum(revenue) as service_revenue
from service_visits_in_context
group by all
order by month, dealer_id;

-- One row per month x dealer x survey type with responses: the NPS parts.
create table survey_months as
select date_trunc('month', surveyed_on)::date as month, dealer_id, region, province, survey_type,
       count(score) filter (where is_promoter(score)) as count_promoters,
       count(score) filter (where is_detractor(score)) as count_detractors,
       count(score) as count_responses
from surveys_in_context
group by all
order by month, dealer_id;

-- One row per dealer x the months a complaint was received, resolved, closed and due, and whether it was resolved
-- by its deadline. With a period ending on a month's last day, "resolved before the period ended" is "resolved in
-- a month up to the period's", and so on: the backlog at a month's end and the SLA outcomes are sums of these.
create table complaint_months as
select date_trunc('month', received_at)::date as received_month, dealer_id, region, province,
       date_trunc('month', resolved_at)::date as resolved_month,
       date_trunc('month', closed_at)::date as closed_month,
       date_trunc('month', due_at)::date as due_month,
       resolved_at <= due_at as is_on_time,
       count(*) as count_complaints
from complaints_in_context
group by all
order by received_month, dealer_id;

-- One row per dealer x the months a lead was created and closed x outcome (the conversion series).
-- Only leads with a dealer, as scoped_leads reads them.
create table lead_months as
select date_trunc('month', l.created_at)::date as created_month, l.dealer_id, d.region, d.province,
       date_trunc('month', l.closed_at)::date as closed_month, l.outcome,
       count(*) as count_leads
from leads l
join dealers d on d.dealer_id = l.dealer_id
group by all
order by created_month, dealer_id;

-- One row per month x calling dealer x outcome of follow-up call attempts (the response rate).
create table followup_call_months as
select date_trunc('month', called_at)::date as month, dealer_id, region, province, outcome,
       count(*) as count_calls
from followup_calls_in_context
group by all
order by month, dealer_id;

-- One row per month x calling dealer x call type of follow-up call attempts: how they ended, the CSAT of the answered
-- ones, and the events first called then with their days from the event (follow-up pages; HQ's calls have no dealer).
create table followup_months as
select date_trunc('month', called_at)::date as month, dealer_id, region, province, call_type,
       count(*) as count_attempts,
       count(*) filter (where outcome = 'answered') as count_answered,
       count(*) filter (where outcome = 'refused') as count_refused,
       count(*) filter (where outcome = 'not_reached') as count_not_reached,
       count(csat) filter (where outcome = 'answered') as count_csat,
       sum(csat) filter (where outcome = 'answered') as sum_csat,
       count(*) filter (where is_first_call) as count_first_calls,
       sum(called_at::date - follows_on) filter (where is_first_call) as sum_days_to_first_call
from followup_calls_in_context
group by all
order by month, dealer_id;

-- The NPS of the surveys that answered calls produced, by the call's month, dealer and type and the survey's place
-- and month. A page counts a survey dated up to 31 days after its period's last day: a survey in the call's month or
-- the next is always within that, so its day is kept (survey_day) only for a survey two or more months after the
-- call's month (0 otherwise), and the twins test the day exactly.
create table followup_survey_months as
select date_trunc('month', f.called_at)::date as month, f.dealer_id, f.region, f.province, f.call_type,
       r.region as survey_region, r.province as survey_province, r.dealer_id as survey_dealer_id,
       date_trunc('month', r.surveyed_on)::date as survey_month,
       case when r.surveyed_on >= date_trunc('month', f.called_at) + interval 2 month then day(r.surveyed_on)::integer else 0 end
           as survey_day,
       count(r.score) filter (where is_promoter(r.score)) as count_promoters,
       count(r.score) filter (where is_detractor(r.score)) as count_detractors,
       count(r.score) as count_nps_responses
from followup_calls_in_context f
join surveys_in_context r on r.survey_id = f.survey_id
where f.outcome = 'answered'
group by all
order by month, dealer_id;

-- One row per campaign: all its contacts and all its leads, wherever they are (the denominators that apportion a
-- national campaign's cost to a scope; scope.sql's campaign_results_in_scope counts them the same way).
create table campaign_counts as
select c.campaign_id,
       (select count(*) from campaign_contacts cc where cc.campaign_id = c.campaign_id) as count_contacts,
       (select count(*) from leads l where l.campaign_id = c.campaign_id) as count_leads
from campaigns c
order by c.campaign_id;

-- One row per campaign x place: its contacts (placed by the customer's home dealer), its leads (by the lead's
-- dealer) and the sales recorded to it (by the selling dealer), as scope.sql's macros place each.
create table campaign_places as
select campaign_id, region, province, dealer_id,
       sum(count_contacts) as count_contacts, sum(count_leads) as count_leads, sum(count_sales) as count_sales,
       sum(units) as units, sum(revenue) as revenue, sum(margin) as margin
from (
    select campaign_id, region, province, home_dealer_id as dealer_id, count(*) as count_contacts
    from campaign_contacts_in_context
    group by all
    union all by name
    select l.campaign_id, d.region, d.province, l.dealer_id, count(*) as count_leads
    from leads l
    join dealers d on d.dealer_id = l.dealer_id
    where l.campaign_id is not null
    group by all
    union all by name
    select campaign_id, region, province, dealer_id, count(*) as count_sales, sum(quantity) as units,
           sum(revenue) as revenue, sum(revenue - cost) as margin
    from sales_in_context
    where campaign_id is not null
    group by all
)
group by all
order by campaign_id;

-- One row per stretch of months in which a customer counts as active (a sale or service visit in the 12 months up
-- to the month's end, anywhere), placed by their home dealer: the months of each transaction and the 11 after it,
-- overlapping stretches merged, so a customer is active at a month's end exactly when one of their stretches
-- covers that month, and no two of their stretches overlap (a count of rows is a count of customers). The
-- overview's active customers then read about one row per customer instead of a year of transactions, and its new
-- customers (first transaction in the period) the first stretches.
create table customer_active_spans as
with
months as (
    select distinct customer_key, date_trunc('month', sold_on)::date as month from sales_in_context
    union
    select distinct customer_key, date_trunc('month', visited_on)::date from service_visits_in_context
),
starts as (
    select customer_key, month,
           coalesce(month > lag(month) over (partition by customer_key order by month) + interval 11 month, true) as is_start
    from months
),
numbered as (
    select customer_key, month, sum(is_start::integer) over (partition by customer_key order by month) as span
    from starts
)
select n.customer_key, c.home_region as region, c.home_province as province, c.home_dealer_id as dealer_id,
       min(n.month) as first_month, (max(n.month) + interval 11 month)::date as last_month,
       n.span = 1 as is_first   -- the customer's first stretch: first_month is the month of their first transaction
from numbered n
join customer_profiles c using (customer_key)
group by n.customer_key, n.span, c.home_region, c.home_province, c.home_dealer_id
order by last_month, customer_key;

-- One row per maintenance visit of a vehicle (a customer x model), in the vehicle's order of visits: the next
-- visit's day, the vehicle's visit days in the 18 months up to it, and the customer's latest purchase of the model
-- on or before it. A vehicle's last maintenance at a day E is then the one row with visited_on <= E < the next
-- visit's day, so the maintenance list reads one row per vehicle instead of grouping every visit of 18 months.
-- Built over every visit: the routed list is used only for a person who may see the whole network.
create table maintenance_visits as
with
visits as (
    select customer_key, product_id, visited_on, visit_id, mileage_km, dealer_id, region, province,
           lead(visited_on) over vehicle as next_visited_on,
           -- The vehicle's visit days in the 18 months up to this visit's day, its own day included: how many of
           -- them fall in the 18 months to a period's end, when this is the vehicle's last visit by then, without
           -- reading those months' visits again (queries/preaggregated/maintenance_due.sql).
           list(visited_on) over (partition by customer_key, product_id order by visited_on
                                  range between interval 18 month preceding and current row) as visit_days_18_months
    from service_visits_in_context
    where service_type = 'maintenance' and product_id is not null
    window vehicle as (partition by customer_key, product_id order by visited_on, visit_id)
)
select v.*, s.sold_on
from visits v
asof left join (select customer_key, product_id, sold_on from sales_in_context) s
  on s.customer_key = v.customer_key and s.product_id = v.product_id and v.visited_on >= s.sold_on
order by v.visited_on, v.visit_id;

-- One row per home dealer x month of customers created (the customer base a dealer's complaint rate is per).
create table customer_months as
select date_trunc('month', created_on)::date as created_month, home_region as region, home_province as province,
       home_dealer_id as dealer_id, count(*) as count_customers
from customer_profiles
group by all
order by created_month, dealer_id;
