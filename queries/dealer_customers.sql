-- One row per customer with a sale or service visit in the period at the chosen dealer (the bottom of the
-- drill-down): what they bought and spent there, largest first. Needs a dealer in the filters.
select
    t.customer_id,
    any_value(t.customer_type) as customer_type,
    count(*) filter (where t.kind = 'sale') as count_sales,
    count(*) filter (where t.kind = 'service') as count_service_visits,
    sum(t.revenue)::double as customer_revenue,
    max(t.transacted_on) as last_transacted_on
from scoped_transactions($start_on, $end_on, $scope) t
where $scope['dealer_id'] is not null
group by t.customer_id
order by customer_revenue desc
limit 500
