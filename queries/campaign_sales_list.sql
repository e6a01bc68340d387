-- One row per sale in scope that any attribution rule credits to campaign $campaign_id, 100 to a page ($page,
-- from 1): the sale and which rules credit it (recorded, last touch and first touch within $window_days days).
-- count_rows is the number of such sales in all.
with
final as (
    select a.sale_id, a.sold_on, a.customer_id, a.dealer_id, a.product_id, a.quantity,
           a.revenue::double as revenue, (a.revenue - a.cost)::double as gross_margin,
           coalesce(a.recorded_campaign_id = $campaign_id, false) as is_recorded,
           coalesce(a.last_touch_campaign_id = $campaign_id, false) as is_last_touch,
           coalesce(a.first_touch_campaign_id = $campaign_id, false) as is_first_touch,
           count(*) over () as count_rows
    from attributed_sales_in_scope(date '1900-01-01', date '2999-12-31', $scope, $window_days) a
    where $campaign_id in (a.recorded_campaign_id, a.last_touch_campaign_id, a.first_touch_campaign_id)
)
select * from final
order by sold_on, sale_id
limit 100 offset 100 * ($page - 1)
