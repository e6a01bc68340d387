-- One row per (segment in the comparison period, segment in the current period) pair: how many customers moved
-- between RFM segments, each period scored on its own (customer_rfm), with 'not active' for a customer with no
-- sale or service visit in one of the two periods. The comparison period is bound as $compare_start_on and
-- $compare_end_on (filters.comparison()).
with
before as (
    select customer_id, segment
    from customer_rfm($compare_start_on, $compare_end_on, $scope)
),
after as (
    select customer_id, segment, monetary
    from customer_rfm($start_on, $end_on, $scope)
),
final as (
    select
        coalesce(b.segment, 'not active') as from_segment,
        coalesce(a.segment, 'not active') as to_segment,
        count(*) as count_customers,
        coalesce(sum(a.monetary), 0) as revenue
    from before b
    full outer join after a using (customer_id)
    group by all
)
select *, rate(count_customers, sum(count_customers) over (partition by from_segment)) as share_of_from
from final
order by from_segment, to_segment
