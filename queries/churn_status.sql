-- One row per activity status at the period's end (active, at risk, lapsed; empty ones with zeros) of the
-- customers in scope with a sale or service visit on or before it: how many, their share, and the revenue they
-- brought up to then (what is at stake when they go).
with
per_customer as (
    select status, lifetime_revenue
    from customer_history($end_on, $scope)
),
statuses as (
    select * from (values (1, 'active'), (2, 'at risk'), (3, 'lapsed')) as s(status_order, status)
),
per_status as (
    select status, count(*) as count_customers, sum(lifetime_revenue) as lifetime_revenue
    from per_customer
    group by status
),
final as (
    select
        s.status,
        s.status_order,
        coalesce(p.count_customers, 0) as count_customers,
        rate(coalesce(p.count_customers, 0), sum(p.count_customers) over ()) as customer_share,
        coalesce(p.lifetime_revenue, 0) as lifetime_revenue,
        rate(p.lifetime_revenue, p.count_customers) as avg_lifetime_revenue
    from statuses s
    left join per_status p using (status)
)
select * from final order by status_order
