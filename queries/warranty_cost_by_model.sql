-- One row per model with vehicles in service or warranty claims in the period, in scope: the period's warranty claims
-- (warranty visits whose vehicle is the model) and what the manufacturer paid for them, against the model's vehicles
-- in service (units sold in scope in the 5 years up to the period's end): claims per 100 vehicles in service, cost
-- per vehicle in service and cost per claim. Highest cost first.
-- Product filter: by the vehicle's model. Geography: claims by the dealer that serviced, vehicles by the one that sold.
with
claims as (
    select product_id, count(*) as count_claims, sum(warranty_cost)::double as warranty_cost
    from scoped_service_visits($start_on, $end_on, $scope)
    where service_type = 'warranty' and product_id is not null and in_list($scope['product_ids'], product_id)
    group by product_id
),
in_service as (
    select product_id, sum(quantity)::bigint as count_vehicles_in_service
    from scoped_sales(($end_on::date - interval 5 year + interval 1 day)::date, $end_on, $scope)
    group by product_id
),
final as (
    select product_id, coalesce(p.product_name, product_id) as product_name,
           coalesce(c.count_claims, 0) as count_claims,
           coalesce(c.warranty_cost, 0) as warranty_cost,
           coalesce(i.count_vehicles_in_service, 0) as count_vehicles_in_service,
           per_100(coalesce(c.count_claims, 0), i.count_vehicles_in_service) as claims_per_100_vehicles,
           rate(coalesce(c.warranty_cost, 0), i.count_vehicles_in_service) as warranty_cost_per_vehicle,
           rate(c.warranty_cost, c.count_claims) as warranty_cost_per_claim
    from claims c
    full join in_service i using (product_id)
    left join products p using (product_id)
)
select * from final
order by warranty_cost desc, product_id
