-- One row per named RFM segment (all eight, empty ones with zeros): its customers, their revenue in the period
-- and their shares of the period's active customers and revenue. RFM over the filter period (customer_rfm).
with
rfm as (
    select *
    from customer_rfm($start_on, $end_on, $scope)
),
segments as (
    select distinct rfm_segment(r.range, f.range) as segment
    from range(1, 6) r, range(1, 6) f
),
per_segment as (
    select
        segment,
        count(*) as count_customers,
        sum(monetary) as revenue,
        avg(recency_days) as avg_recency_days,
        avg(frequency) as avg_frequency
    from rfm
    group by segment
),
final as (
    select
        s.segment,
        coalesce(p.count_customers, 0) as count_customers,
        rate(coalesce(p.count_customers, 0), sum(p.count_customers) over ()) as customer_share,
        coalesce(p.revenue, 0) as revenue,
        rate(coalesce(p.revenue, 0), sum(p.revenue) over ()) as revenue_share,
        rate(p.revenue, p.count_customers) as avg_customer_revenue,
        p.avg_recency_days,
        p.avg_frequency
    from segments s
    left join per_segment p using (segment)
)
select * from final order by revenue desc, segment
