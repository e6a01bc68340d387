-- Metric formulas of docs/domain.md, defined once as macros and used by name in every dataset.

-- Gross margin of sales rows (a row without a cost has no known margin and is left out).
create or replace temp macro gross_margin(revenue, cost) as sum(revenue - cost)::double;

-- NPS: % of scores 9-10 minus % of scores 0-6. Always shown beside count(score), the number of responses.
create or replace temp macro is_promoter(score) as score >= 9;
create or replace temp macro is_detractor(score) as score <= 6;
create or replace temp macro nps_from_counts(promoters, detractors, responses) as
    100.0 * (promoters - detractors) / nullif(responses, 0);
create or replace temp macro nps(score) as
    nps_from_counts(count(score) filter (where is_promoter(score)), count(score) filter (where is_detractor(score)), count(score));

-- A rate from counts, NULL where the denominator is zero.
create or replace temp macro rate(numerator, denominator) as numerator::double / nullif(denominator, 0);

-- CSAT: the mean score.
create or replace temp macro csat(score) as avg(score);

-- A share of rows where a condition holds, NULL where there are no rows.
create or replace temp macro share(condition) as avg(case when condition then 1.0 when not condition then 0.0 end);

-- Hours between two timestamps.
create or replace temp macro hours_between(from_at, to_at) as date_diff('second', from_at, to_at) / 3600.0;

-- Campaign ROI = (attributed gross margin - cost) / cost.
create or replace temp macro roi(margin, cost) as (margin - cost) / nullif(cost, 0);

-- Cost per unit of result (cost per lead, cost per sale), NULL where there is none.
create or replace temp macro cost_per(cost, n) as cost::double / nullif(n, 0);

-- Lead conversion: won leads / closed (won or lost) leads; open leads have no outcome yet.
create or replace temp macro lead_conversion(outcome) as
    rate(count(*) filter (where outcome = 'won'), count(*) filter (where outcome in ('won', 'lost')));

-- Speed to lead: the median hours from a lead's creation to its first contact (leads never contacted have none).
create or replace temp macro speed_to_lead(created_at, contacted_at) as median(hours_between(created_at, contacted_at));

-- A rate per 100 (complaints per 100 customers), NULL where the denominator is zero.
create or replace temp macro per_100(numerator, denominator) as 100 * rate(numerator, denominator);

-- SLA compliance: of the complaints whose outcome is known (resolved, or past the deadline), the share resolved
-- by the deadline. Takes the flags of complaint_status_at.
create or replace temp macro sla_compliance(is_sla_met, is_sla_known) as
    rate(count(*) filter (where is_sla_met), count(*) filter (where is_sla_known));

-- Reopen rate: of the complaints resolved, the share reopened at least once (a reopening precedes the final
-- resolution, so it is known for certain only once the complaint is resolved).
create or replace temp macro reopen_rate(reopen_count, resolved_at) as
    share(case when resolved_at is not null then reopen_count > 0 end);

-- One row per age bucket of an open complaint (hours since receipt, from inclusive, to exclusive).
create or replace temp macro complaint_age_buckets() as table
select * from (values
    (1, 'under 1 day', 0, 24), (2, '1-3 days', 24, 72), (3, '3-7 days', 72, 168),
    (4, '1-2 weeks', 168, 336), (5, '2-4 weeks', 336, 672), (6, 'over 4 weeks', 672, null)
) as t(bucket_order, age_bucket, from_hours, to_hours);

-- Customer value (RFM, value tiers, activity status): one definition shared by the segments and customer 360 pages.

-- A 1-5 score from a customer's position (rank, 1 = worst) among n: the quintile the position falls in. Ties
-- share a rank, so a tied group shares the score of the quintile where it starts.
create or replace temp macro quintile_score(position, n) as 1 + floor(5 * (position - 1) / n)::integer;

-- The named RFM segments on the recency x frequency grid (first match wins):
-- R 4-5: champions (F 4-5), potential loyalists (F 2-3), new (F 1); R 3: loyal (F 3-5), hibernating (F 1-2);
-- R 1-2: can't lose (F 5), at risk (F 3-4), hibernating (R 2, F 1-2), lost (R 1, F 1-2).
create or replace temp macro rfm_segment(r_score, f_score) as
    case
        when r_score >= 4 and f_score >= 4 then 'champions'
        when r_score >= 4 and f_score >= 2 then 'potential loyalists'
        when r_score >= 4 then 'new'
        when r_score = 3 and f_score >= 3 then 'loyal'
        when r_score = 3 then 'hibernating'
        when f_score = 5 then 'can''t lose'
        when f_score >= 3 then 'at risk'
        when r_score = 2 then 'hibernating'
        else 'lost'
    end;

-- Activity at a date: active = a sale or service visit in the 12 months ending then; lapsed = none in 18 months;
-- in between, at risk (no longer active, not yet lapsed).
create or replace temp macro activity_status(last_transacted_on, p_end_on) as
    case
        when last_transacted_on > (p_end_on - interval 12 month)::date then 'active'
        when last_transacted_on > (p_end_on - interval 18 month)::date then 'at risk'
        else 'lapsed'
    end;

-- 95% Wilson score interval of a proportion (successes of n), NULL where n is 0.
create or replace temp macro wilson_low(successes, n) as
    (successes / nullif(n, 0) + 1.959964 ^ 2 / (2 * n)
     - 1.959964 * sqrt(successes / nullif(n, 0) * (1 - successes / nullif(n, 0)) / n + 1.959964 ^ 2 / (4 * n ^ 2)))
    / (1 + 1.959964 ^ 2 / n);
create or replace temp macro wilson_high(successes, n) as
    (successes / nullif(n, 0) + 1.959964 ^ 2 / (2 * n)
     + 1.959964 * sqrt(successes / nullif(n, 0) * (1 - successes / nullif(n, 0)) / n + 1.959964 ^ 2 / (4 * n ^ 2)))
    / (1 + 1.959964 ^ 2 / n);

-- One row per customer in scope (placed by their home dealer, like every customer count) with a sale or service
-- visit between p_start_on and p_end_on: RFM over that window (recency in days at p_end_on, frequency = sales and
-- visits, monetary = their revenue), the 1-5 scores, the named segment and the value tier (ABC: A = the customers
-- who together make the first 80% of the window's revenue, largest first, B the next 15%, C the rest; a customer
-- is in A while the revenue of those before them is under 80%). Cumulative revenue stays DECIMAL, so the tier
-- boundaries are exact.
create or replace temp macro customer_rfm(p_start_on, p_end_on, s) as table
with
in_scope as (
    select customer_id, customer_type, customer_key
    from scoped_customers(s)
),
-- Each fact table filtered on its own date, so DuckDB prunes before the union; customers by their integer key.
window_transactions as (
    select customer_key, sold_on as transacted_on, revenue from sales_in_context where sold_on between p_start_on and p_end_on
    union all
    select customer_key, visited_on, revenue from service_visits_in_context where visited_on between p_start_on and p_end_on
),
per_customer as (
    select
        t.customer_key,
        any_value(c.customer_id) as customer_id,
        any_value(c.customer_type) as customer_type,
        max(t.transacted_on) as last_transacted_on,
        date_diff('day', max(t.transacted_on), p_end_on) as recency_days,
        count(*) as frequency,
        sum(t.revenue) as monetary
    from window_transactions t
    join in_scope c using (customer_key)
    group by t.customer_key
),
-- A rank is 1 + the customers strictly before: counted over the few distinct recencies and frequencies, not by
-- sorting every customer (equal to rank(), and a fifth of its time on a large scope).
recency_ranks as (
    select
        recency_days,
        1 + coalesce(sum(count(*)) over (order by recency_days desc rows between unbounded preceding and 1 preceding), 0)
            as r_rank,
        sum(count(*)) over () as n
    from per_customer
    group by recency_days
),
frequency_ranks as (
    select
        frequency,
        1 + coalesce(sum(count(*)) over (order by frequency rows between unbounded preceding and 1 preceding), 0) as f_rank
    from per_customer
    group by frequency
),
scored as (
    select
        p.*,
        quintile_score(r.r_rank, r.n) as r_score,
        quintile_score(f.f_rank, r.n) as f_score,
        quintile_score(rank() over (order by monetary), count(*) over ()) as m_score,
        -- customer_key is in customer_id order: the tie-break of equal revenue is by customer_id
        coalesce(sum(monetary) over (order by monetary desc, customer_key rows between unbounded preceding and 1 preceding), 0)
            as revenue_before,
        sum(monetary) over () as revenue_total
    from per_customer p
    join recency_ranks r using (recency_days)
    join frequency_ranks f using (frequency)
)
select
    customer_id, customer_type, last_transacted_on, recency_days, frequency, monetary::double as monetary,
    r_score, f_score, m_score, rfm_segment(r_score, f_score) as segment,
    case when revenue_before < 0.80 * revenue_total then 'A' when revenue_before < 0.95 * revenue_total then 'B' else 'C' end as tier
from scored;

-- One row per customer in scope with a sale or service visit on or before p_end_on: their first and last
-- transaction, sales and service visits, revenue up to then and activity status at p_end_on. Every customer is
-- aggregated before the scope narrows them: DuckDB runs that faster than a semi join below the aggregate.
create or replace temp macro customer_history(p_end_on, s) as table
with
history as (
    select customer_key, sold_on as transacted_on, revenue::double as revenue, 1 as is_sale from sales_in_context where sold_on <= p_end_on
    union all
    select customer_key, visited_on, revenue::double, 0 from service_visits_in_context where visited_on <= p_end_on
),
per_customer as (
    select
        customer_key,
        min(transacted_on) as first_transacted_on,
        max(transacted_on) as last_transacted_on,
        sum(is_sale)::bigint as count_sales,
        (count(*) - sum(is_sale))::bigint as count_service_visits,
        sum(revenue) as lifetime_revenue
    from history
    group by customer_key
)
select c.customer_id, p.* exclude (customer_key), c.customer_type, activity_status(p.last_transacted_on, p_end_on) as status
from per_customer p
join scoped_customers(s) c using (customer_key);
