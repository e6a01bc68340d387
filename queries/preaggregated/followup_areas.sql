-- The parts of followup_areas.sql answered from the pre-aggregations followup_months and followup_survey_months
-- (mart/preaggregates.sql) when queries/routes.py allows it: the calls' counts and the answered calls' NPS, summed
-- over the period's months instead of read call by call (`calls` and `scores` then go unused).
call_counts as (
    select
        dealer_id,
        sum(count_attempts)::bigint as count_attempts,
        sum(count_answered)::bigint as count_answered,
        sum(count_csat)::bigint as count_csat,
        sum(sum_csat) as sum_csat,
        sum(count_first_calls)::bigint as count_first_calls,
        sum(sum_days_to_first_call) as sum_days_to_first_call
    from followup_months
    where month between $start_on and $end_on
      and dealer_id is not null and ($call_type = 'all' or call_type::varchar = $call_type)
      and in_geo(region, province, dealer_id, $reach)
    group by dealer_id
),
-- A survey counts when dated from the period's first day to 31 days after its last, and in reach, as the original's
-- scoped_surveys: survey_day 0 (the call's month or the next) is always within the 31 days.
nps_counts as (
    select
        dealer_id,
        sum(count_promoters)::bigint as count_promoters,
        sum(count_detractors)::bigint as count_detractors,
        sum(count_nps_responses)::bigint as count_nps_responses
    from followup_survey_months
    where month between $start_on and $end_on
      and dealer_id is not null and ($call_type = 'all' or call_type::varchar = $call_type)
      and in_geo(region, province, dealer_id, $reach)
      and survey_month >= $start_on
      and (survey_day = 0 or survey_month + (survey_day - 1) <= $end_on::date + 31)
      and in_geo(survey_region, survey_province, survey_dealer_id, $reach)
    group by dealer_id
)
