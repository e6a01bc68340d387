-- One row per product: the product choices of the filter bar.
select product_id, coalesce(product_name, product_id) as product_name, category
from products
order by product_name
