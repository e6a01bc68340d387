-- One row per dealer the person may see: the region -> province -> dealer choices of the filter bar.
select region, province, dealer_id, dealer_name
from scoped_dealers($reach)
order by region, province, dealer_name
