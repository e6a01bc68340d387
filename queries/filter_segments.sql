-- One row per customer type the mart's customers have: the segment choices of the filter bar, in the type's
-- order (individual, fleet, unknown); unknown appears only when a load had customers without a type.
select customer_type::varchar as customer_type
from customer_scope($reach)
group by customer_type
order by customer_type
