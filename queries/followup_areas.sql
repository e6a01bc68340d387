-- One row per dealer in the chosen geography, plus one per region of those dealers and one national row
-- (level = 'dealer' / 'region' / 'national'), over the follow-up call attempts the dealers made in the period, of
-- the call type $call_type ('all' for every type): attempts and answers (response rate = answered / attempts), NPS
-- (0-10) of the surveys the answered calls produced, CSAT (1-5) of the answered calls, and the average days from
-- the event to its first call, over the events whose first call (by anyone: mart/rollups.sql) this dealer made in the
-- period. Region and national rows ignore the geography filter (they are the yardstick, as far as the person may
-- see) but keep the others, as on the dealer scorecard; calls made by HQ (no dealer) are in no row.
with
-- Read twice (the attempts, the scored answers) rather than kept: keeping every call of the reach in memory for the
-- second reading cost more than reading them again (the l mart: 80 ms against 30).
calls as not materialized (
    select dealer_id, follows_on, called_at, outcome, survey_id, csat, is_first_call
    from scoped_followup_calls($start_on, $end_on, $reach)
    where dealer_id is not null and ($call_type = 'all' or call_type::varchar = $call_type)
),
-- A survey is dated the day of its call or later: the window reaches a month past the period's end.
scores as (
    select survey_id, score
    from scoped_surveys($start_on, ($end_on + interval 31 day)::date, $reach)
),
-- The attempts and the first calls' days in one grouping; only the answered calls meet the scores below (a left join
-- of every call to the surveys was the query's largest step).
call_counts as (
    select
        dealer_id,
        count(*) as count_attempts,
        count(*) filter (where outcome = 'answered') as count_answered,
        count(csat) filter (where outcome = 'answered') as count_csat,
        sum(csat) filter (where outcome = 'answered') as sum_csat,
        count(*) filter (where is_first_call) as count_first_calls,
        sum(called_at::date - follows_on) filter (where is_first_call) as sum_days_to_first_call
    from calls
    group by dealer_id
),
nps_counts as (
    select
        c.dealer_id,
        count(r.score) filter (where is_promoter(r.score)) as count_promoters,
        count(r.score) filter (where is_detractor(r.score)) as count_detractors,
        count(r.score) as count_nps_responses
    from calls c
    join scores r on r.survey_id = c.survey_id
    where c.outcome = 'answered'
    group by c.dealer_id
),
per_dealer as (
    select
        d.dealer_id, d.dealer_name, d.region, d.province,
        coalesce(c.count_attempts, 0) as count_attempts,
        coalesce(c.count_answered, 0) as count_answered,
        coalesce(n.count_promoters, 0) as count_promoters,
        coalesce(n.count_detractors, 0) as count_detractors,
        coalesce(n.count_nps_responses, 0) as count_nps_responses,
        coalesce(c.count_csat, 0) as count_csat,
        coalesce(c.sum_csat, 0) as sum_csat,
        coalesce(c.count_first_calls, 0) as count_first_calls,
        coalesce(c.sum_days_to_first_call, 0) as sum_days_to_first_call
    from scoped_dealers($reach) d
    left join call_counts c using (dealer_id)
    left join nps_counts n using (dealer_id)
),
rolled_up as (
    select
        case when grouping(dealer_id) = 0 then 'dealer' when grouping(region) = 0 then 'region' else 'national' end as level,
        dealer_id,
        -- a region or national row is named by its level and region, never by one of its dealers
        case when grouping(dealer_id) = 0 then any_value(dealer_name) end as dealer_name,
        region,
        case when grouping(dealer_id) = 0 then any_value(province) end as province,
        count(*) as count_dealers,
        sum(count_attempts)::bigint as count_attempts,
        sum(count_answered)::bigint as count_answered,
        rate(sum(count_answered), sum(count_attempts)) as response_rate,
        nps_from_counts(sum(count_promoters), sum(count_detractors), sum(count_nps_responses)) as nps,
        sum(count_nps_responses)::bigint as count_nps_responses,
        rate(sum(sum_csat), sum(count_csat)) as call_csat,
        sum(count_csat)::bigint as count_csat,
        rate(sum(sum_days_to_first_call), sum(count_first_calls)) as days_to_first_call,
        sum(count_first_calls)::bigint as count_first_calls
    from per_dealer
    group by grouping sets ((region, dealer_id), (region), ())
),
in_scope as (
    select dealer_id, region from scoped_dealers($scope)
)
select *
from rolled_up
where (level = 'dealer' and dealer_id in (select dealer_id from in_scope))
   or (level = 'region' and region in (select region from in_scope))
   or level = 'national'
order by level = 'national', level = 'region', response_rate nulls last, dealer_id, region  -- region: ties in a fixed order
