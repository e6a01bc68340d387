-- One row per value tier (A, B, C; empty ones with zeros): its customers, their revenue in the period, their
-- shares, and the smallest customer revenue that still makes the tier.
with
rfm as (
    select *
    from customer_rfm($start_on, $end_on, $scope)
),
tiers as (
    select * from (values ('A'), ('B'), ('C')) as t(tier)
),
per_tier as (
    select tier, count(*) as count_customers, sum(monetary) as revenue, min(monetary) as min_customer_revenue
    from rfm
    group by tier
),
final as (
    select
        t.tier,
        coalesce(p.count_customers, 0) as count_customers,
        rate(coalesce(p.count_customers, 0), sum(p.count_customers) over ()) as customer_share,
        coalesce(p.revenue, 0) as revenue,
        rate(coalesce(p.revenue, 0), sum(p.revenue) over ()) as revenue_share,
        rate(p.revenue, p.count_customers) as avg_customer_revenue,
        p.min_customer_revenue
    from tiers t
    left join per_tier p using (tier)
)
select * from final order by tier
