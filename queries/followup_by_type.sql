-- One row per call type (sales / service / complaint_callback, every type even without calls) plus one row for all
-- calls together (is_total, call_type NULL), over the follow-up call attempts made in the period and scope:
-- attempts and how they ended (response rate = answered / attempts), NPS (0-10) of the surveys the answered calls
-- produced, CSAT (1-5) of the answered calls, and the days from the event to its first call, over the events whose
-- first call (by anyone: mart/rollups.sql) was made in the period and scope.
with
calls as (
    select call_type, follows_id, follows_on, called_at, outcome, survey_id, csat, is_first_call
    from scoped_followup_calls($start_on, $end_on, $scope)
),
first_calls as (
    select call_type, called_at::date - follows_on as days_to_first_call
    from calls
    where is_first_call
),
-- A survey is dated the day of its call or later: the window reaches a month past the period's end.
scores as (
    select survey_id, score
    from scoped_surveys($start_on, ($end_on + interval 31 day)::date, $scope)
),
by_calls as (
    select
        c.call_type, grouping(c.call_type) = 1 as is_total,
        count(*) as count_attempts,
        count(*) filter (where c.outcome = 'answered') as count_answered,
        count(*) filter (where c.outcome = 'refused') as count_refused,
        count(*) filter (where c.outcome = 'not_reached') as count_not_reached,
        count(r.score) filter (where is_promoter(r.score)) as count_promoters,
        count(r.score) filter (where is_detractor(r.score)) as count_detractors,
        count(r.score) as count_nps_responses,
        count(c.csat) filter (where c.outcome = 'answered') as count_csat,
        sum(c.csat) filter (where c.outcome = 'answered') as sum_csat
    from calls c
    left join scores r on r.survey_id = c.survey_id and c.outcome = 'answered'
    group by grouping sets ((c.call_type), ())
),
by_events as (
    select call_type, grouping(call_type) = 1 as is_total,
           count(*) as count_first_calls, avg(days_to_first_call) as days_to_first_call
    from first_calls
    group by grouping sets ((call_type), ())
),
kinds as (
    select unnest(enum_range(null::survey_type)) as call_type, false as is_total
    union all
    select null, true
),
final as (
    select
        k.call_type::varchar as call_type, k.is_total,
        coalesce(c.count_attempts, 0) as count_attempts,
        coalesce(c.count_answered, 0) as count_answered,
        coalesce(c.count_refused, 0) as count_refused,
        coalesce(c.count_not_reached, 0) as count_not_reached,
        rate(c.count_answered, c.count_attempts) as response_rate,
        nps_from_counts(c.count_promoters, c.count_detractors, c.count_nps_responses) as nps,
        coalesce(c.count_nps_responses, 0) as count_nps_responses,
        rate(c.sum_csat, c.count_csat) as call_csat,
        coalesce(c.count_csat, 0) as count_csat,
        e.days_to_first_call,
        coalesce(e.count_first_calls, 0) as count_first_calls
    from kinds k
    left join by_calls c on c.is_total = k.is_total and c.call_type is not distinct from k.call_type
    left join by_events e on e.is_total = k.is_total and e.call_type is not distinct from k.call_type
)
select * from final
order by is_total, call_type::survey_type
