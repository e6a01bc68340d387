-- The parts of followup_by_type.sql answered from the pre-aggregations followup_months and followup_survey_months
-- (mart/preaggregates.sql) when queries/routes.py allows it: the calls' counts with their NPS, and the first calls,
-- summed over the period's months instead of read call by call (`calls`, `first_calls` and `scores` go unused).
by_calls as (
    select
        a.call_type, a.is_total, a.count_attempts, a.count_answered, a.count_refused, a.count_not_reached,
        coalesce(n.count_promoters, 0) as count_promoters,
        coalesce(n.count_detractors, 0) as count_detractors,
        coalesce(n.count_nps_responses, 0) as count_nps_responses,
        a.count_csat, a.sum_csat
    from (
        select
            call_type, grouping(call_type) = 1 as is_total,
            sum(count_attempts)::bigint as count_attempts,
            sum(count_answered)::bigint as count_answered,
            sum(count_refused)::bigint as count_refused,
            sum(count_not_reached)::bigint as count_not_reached,
            sum(count_csat)::bigint as count_csat,
            sum(sum_csat) as sum_csat
        from followup_months
        where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
        group by grouping sets ((call_type), ())
    ) a
    left join (
        -- A survey counts when dated from the period's first day to 31 days after its last, and in scope, as the
        -- original's scoped_surveys: survey_day 0 (the call's month or the next) is always within the 31 days.
        select
            call_type, grouping(call_type) = 1 as is_total,
            sum(count_promoters)::bigint as count_promoters,
            sum(count_detractors)::bigint as count_detractors,
            sum(count_nps_responses)::bigint as count_nps_responses
        from followup_survey_months
        where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope)
          and survey_month >= $start_on
          and (survey_day = 0 or survey_month + (survey_day - 1) <= $end_on::date + 31)
          and in_geo(survey_region, survey_province, survey_dealer_id, $scope)
        group by grouping sets ((call_type), ())
    ) n on n.is_total = a.is_total and n.call_type is not distinct from a.call_type
),
by_events as (
    select call_type, grouping(call_type) = 1 as is_total,
           sum(count_first_calls)::bigint as count_first_calls,
           sum(sum_days_to_first_call)::double / sum(count_first_calls) as days_to_first_call
    from followup_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $scope) and count_first_calls > 0
    group by grouping sets ((call_type), ())
)
