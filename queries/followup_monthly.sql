-- One row per month of the period x call type, plus one row per month for all calls together (is_total, call_type
-- NULL), over the follow-up call attempts made in the period and scope, by the month of the call: attempts and
-- answers (response rate = answered / attempts), NPS (0-10) of the surveys the answered calls produced, CSAT (1-5)
-- of the answered calls, and the days from the event to its first call, by the month of that first call (events
-- whose first call, by anyone: mart/rollups.sql, was made in the period and scope).
with
calls as (
    select call_type, follows_id, follows_on, called_at, outcome, survey_id, csat, is_first_call,
           date_trunc('month', called_at)::date as month
    from scoped_followup_calls($start_on, $end_on, $scope)
),
first_calls as (
    select call_type, month, called_at::date - follows_on as days_to_first_call
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
        c.month, c.call_type, grouping(c.call_type) = 1 as is_total,
        count(*) as count_attempts,
        count(*) filter (where c.outcome = 'answered') as count_answered,
        count(r.score) filter (where is_promoter(r.score)) as count_promoters,
        count(r.score) filter (where is_detractor(r.score)) as count_detractors,
        count(r.score) as count_nps_responses,
        count(c.csat) filter (where c.outcome = 'answered') as count_csat,
        sum(c.csat) filter (where c.outcome = 'answered') as sum_csat
    from calls c
    left join scores r on r.survey_id = c.survey_id and c.outcome = 'answered'
    group by grouping sets ((c.month, c.call_type), (c.month))
),
by_events as (
    select month, call_type, grouping(call_type) = 1 as is_total,
           count(*) as count_first_calls, avg(days_to_first_call) as days_to_first_call
    from first_calls
    group by grouping sets ((month, call_type), (month))
),
final as (
    select
        coalesce(c.month, e.month) as month,
        coalesce(c.call_type, e.call_type)::varchar as call_type,
        coalesce(c.is_total, e.is_total) as is_total,
        coalesce(c.count_attempts, 0) as count_attempts,
        coalesce(c.count_answered, 0) as count_answered,
        rate(c.count_answered, c.count_attempts) as response_rate,
        nps_from_counts(c.count_promoters, c.count_detractors, c.count_nps_responses) as nps,
        coalesce(c.count_nps_responses, 0) as count_nps_responses,
        rate(c.sum_csat, c.count_csat) as call_csat,
        coalesce(c.count_csat, 0) as count_csat,
        e.days_to_first_call,
        coalesce(e.count_first_calls, 0) as count_first_calls
    from by_calls c
    full join by_events e
      on e.month = c.month and e.is_total = c.is_total and e.call_type is not distinct from c.call_type
)
select * from final
order by month, is_total, call_type::survey_type
