-- One row per cell of the recency x frequency score grid (5 x 5, empty cells with zeros): the named segment the
-- cell belongs to, its customers and their revenue in the period, and the sums of their recency and frequency (the
-- segments page adds the cells up into the named segments: dashboard/segments.py from_grid). A score is shared by
-- ties, so a frequency score that no group of tied customers starts in stays empty.
with
rfm as (
    select *
    from customer_rfm($start_on, $end_on, $scope)
),
cells as (
    select r.range::integer as r_score, f.range::integer as f_score
    from range(1, 6) r, range(1, 6) f
),
per_cell as (
    select r_score, f_score, count(*) as count_customers, sum(monetary) as revenue,
           sum(recency_days) as sum_recency_days, sum(frequency) as sum_frequency
    from rfm
    group by r_score, f_score
),
final as (
    select
        c.r_score,
        c.f_score,
        rfm_segment(c.r_score, c.f_score) as segment,
        coalesce(p.count_customers, 0) as count_customers,
        coalesce(p.revenue, 0) as revenue,
        rate(p.revenue, p.count_customers) as avg_customer_revenue,
        coalesce(p.sum_recency_days, 0)::bigint as sum_recency_days,
        coalesce(p.sum_frequency, 0)::bigint as sum_frequency
    from cells c
    left join per_cell p using (r_score, f_score)
)
select * from final order by r_score desc, f_score desc
