-- One row per cohort x period since its first purchase: customers in scope whose first sale or service visit
-- (anywhere, as for new customers) falls in the filter period, grouped by the $grain ('month' or 'quarter') of
-- that first transaction, and the share of them with a sale or service visit in each later period up to the
-- period's end (period 0 is the cohort's own, 100% by definition). A period cut short by the period's end is
-- flagged is_partial; a cohort whose first period began before the filter period (a quarter the period starts
-- inside) holds only the members who first bought from the period's start, flagged is_partial_cohort.
with
in_scope as (
    select customer_id
    from scoped_customers($scope)
),
cohort_members as (
    select p.customer_id, date_trunc($grain, p.first_transacted_on)::date as cohort_on
    from customer_scope($scope) p
    where p.first_transacted_on between $start_on and $end_on
),
member_transactions as (
    select m.customer_id, m.cohort_on, date_trunc($grain, t.transacted_on)::date as transacted_in
    from transactions_between($start_on, $end_on) t
    join cohort_members m using (customer_id)
),
active as (
    select cohort_on, date_diff($grain, cohort_on, transacted_in) as periods_since, count(distinct customer_id) as count_active
    from member_transactions
    group by all
),
cohorts as (
    select cohort_on, count(*) as count_cohort
    from cohort_members
    group by cohort_on
),
grid as (
    select c.cohort_on, c.count_cohort, k.range::integer as periods_since
    from cohorts c, range(0, date_diff($grain, c.cohort_on, date_trunc($grain, $end_on::date)::date) + 1) k
),
final as (
    select
        g.cohort_on,
        g.periods_since,
        (g.cohort_on + g.periods_since * case when $grain = 'quarter' then interval 3 month else interval 1 month end)::date as period_on,
        g.count_cohort,
        coalesce(a.count_active, 0) as count_active,
        rate(coalesce(a.count_active, 0), g.count_cohort) as share_active,
        (g.cohort_on + (g.periods_since + 1) * case when $grain = 'quarter' then interval 3 month else interval 1 month end)::date
            > $end_on::date + 1 as is_partial,
        g.cohort_on < $start_on::date as is_partial_cohort
    from grid g
    left join active a using (cohort_on, periods_since)
)
select * from final order by cohort_on, periods_since
