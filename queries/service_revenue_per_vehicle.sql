-- One row for the scope: the period's service revenue per vehicle, two ways.
-- Vehicles serviced: the distinct customer x model pairs with a visit in the period (a customer's several vehicles
-- of one model count once; a visit without a vehicle counts its customer once).
-- Vehicles in service: units sold in scope in the 5 years up to the period's end (the dealers' service base).
-- Product filter: a visit with a vehicle (product_id) is narrowed by that vehicle, one without by the customer's
-- owned products (scoped_service_visits' rule); sales by their product. Geography: visits by the dealer that
-- serviced, sales by the dealer that sold.
with
visits as (
    select customer_key, product_id, revenue
    from scoped_service_visits($start_on, $end_on, $scope)
    where product_id is null or in_list($scope['product_ids'], product_id)
),
serviced as (
    select coalesce(sum(revenue), 0)::double as service_revenue, count(*) as count_visits
    from visits
),
vehicles as (
    select count(*) as count_vehicles_serviced
    from (select distinct customer_key, product_id from visits)
),
in_service as (
    select coalesce(sum(quantity), 0)::bigint as count_vehicles_in_service
    from scoped_sales(($end_on::date - interval 5 year + interval 1 day)::date, $end_on, $scope)
)
select
    s.service_revenue,
    s.count_visits,
    v.count_vehicles_serviced,
    i.count_vehicles_in_service,
    rate(s.service_revenue, v.count_vehicles_serviced) as revenue_per_vehicle_serviced,
    rate(s.service_revenue, i.count_vehicles_in_service) as revenue_per_vehicle_in_service
from serviced s, vehicles v, in_service i
