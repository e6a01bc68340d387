-- Metric formulas of DOMAIN.md, defined once as macros and used by name in every dataset.

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
