-- One row per dealer: the region -> province -> dealer choices of the filter bar.
select region, province, dealer_id, dealer_name
from dealers
order by region, province, dealer_name
