-- One row per category (level = 'category'), per category x month received (level = 'category_month') and per
-- month received (level = 'month'), over the complaints received in the period as they stood at the end of the
-- day least($end_on, $as_of): how many, how many reopened among those resolved, and the callback score
-- (1-5) given at closing.
with
period as (
    select date_trunc('month', received_at)::date as month, category, severity, resolved_at, reopen_count, callback_score
    from complaint_status_at($as_of, $start_on, $end_on, $scope)
),
final as (
    select
        case when grouping(category) = 1 then 'month' when grouping(month) = 1 then 'category' else 'category_month' end as level,
        coalesce(category, case when grouping(category) = 0 then '(none)' end) as category,
        month,
        count(*) as complaints_received,
        count(resolved_at) as count_resolved,
        reopen_rate(reopen_count, resolved_at) as reopen_rate,
        csat(callback_score) as callback_satisfaction,
        count(callback_score) as count_callbacks
    from period
    group by grouping sets ((category), (category, month), (month))
)
select * from final
order by level, category, month
