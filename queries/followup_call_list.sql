-- One row per follow-up call attempt made in the period and scope by the dealer $list_dealer_id (at most 500, the
-- latest first): its type, how it ended, when, the days after the event it follows, the customer number (no
-- name or phone: Customer 360 opens the rest), and for an answered call its CSAT (1-5) and survey score (0-10).
-- count_matching: the dealer's attempts in all.
with
calls as (
    select call_id, call_type, outcome, called_at, follows_on, customer_id, survey_id, csat
    from scoped_followup_calls($start_on, $end_on, $scope)
    where dealer_id = $list_dealer_id
),
-- A survey is dated the day of its call or later: the window reaches a month past the period's end.
scores as (
    select survey_id, score
    from scoped_surveys($start_on, ($end_on + interval 31 day)::date, $scope)
    where dealer_id = $list_dealer_id
),
final as (
    select
        c.call_id, c.call_type::varchar as call_type, c.outcome::varchar as call_outcome, c.called_at,
        c.follows_on, c.called_at::date - c.follows_on as days_after_event, c.customer_id,
        c.csat as call_csat_score, r.score as survey_score,
        count(*) over () as count_matching
    from calls c
    left join scores r on r.survey_id = c.survey_id and c.outcome = 'answered'
)
select * from final
order by called_at desc, call_id
limit 500
