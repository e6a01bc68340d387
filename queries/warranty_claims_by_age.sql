-- One row per model x months-in-service band (0-6, 6-12, 12-24, 24-36 and 36+ months since the vehicle was sold):
-- the warranty claims made in the period by the model's vehicles at that age, the vehicle-years they spent at that
-- age in the period, and claims per 100 vehicles a year (100 x claims / vehicle-years: a rate per vehicle that does
-- not depend on the band's width or the period's length), with the warranty cost of those claims.
-- Vehicles: units sold in scope up to the period's end (by the selling dealer). A claim: a warranty visit in the
-- period and scope whose vehicle (product_id) is the model; its age is from the customer's latest purchase of that
-- model in scope on or before the visit (a claim on a vehicle sold outside the scope is left out, as that vehicle
-- is not counted either). Product filter: by the vehicle's model, for claims and vehicles alike.
with
bands as (
    select * from (values (1, '0-6', 0, 6), (2, '6-12', 6, 12), (3, '12-24', 12, 24), (4, '24-36', 24, 36), (5, '36+', 36, null))
        as t(band_order, age_band, from_months, to_months)
),
sold as (
    select customer_key, product_id, sold_on, quantity
    from scoped_sales(date '1900-01-01', $end_on, $scope)
),
-- The vehicles sold per model and day: a band's days depend only on the day sold, so the band arithmetic runs once
-- per day, not once per sale (4.2 million rows for a large region on the l mart, 160 ms).
sold_days as (
    select product_id, sold_on, sum(quantity)::bigint as quantity
    from sold
    group by all
),
-- The days each day's vehicles spent in each band within the period: [sold + from, sold + to) meets [start, end].
exposure as (
    select s.product_id, b.band_order,
           sum(s.quantity * greatest(0, date_diff('day',
               greatest((s.sold_on + to_months(b.from_months))::date, $start_on::date),
               least(coalesce((s.sold_on + to_months(b.to_months))::date, $end_on::date + 1), $end_on::date + 1)))) / 365.25
               as vehicle_years
    from sold_days s
    cross join bands b
    group by all
),
claims as (
    select v.visit_id, v.product_id, v.visited_on, v.warranty_cost, max(s.sold_on) as sold_on
    from scoped_service_visits($start_on, $end_on, $scope) v
    join sold s on s.customer_key = v.customer_key and s.product_id = v.product_id and s.sold_on <= v.visited_on
    where v.service_type = 'warranty' and in_list($scope['product_ids'], v.product_id)
    group by all
),
claims_by_band as (
    select c.product_id, b.band_order, count(*) as count_claims, sum(c.warranty_cost)::double as warranty_cost
    from claims c
    join bands b
      on c.visited_on >= (c.sold_on + to_months(b.from_months))::date
     and (b.to_months is null or c.visited_on < (c.sold_on + to_months(b.to_months))::date)
    group by all
),
final as (
    select e.product_id, coalesce(p.product_name, e.product_id) as product_name, b.band_order, b.age_band,
           b.from_months, b.to_months,
           coalesce(c.count_claims, 0) as count_claims,
           e.vehicle_years,
           100 * rate(coalesce(c.count_claims, 0), e.vehicle_years) as claims_per_100_vehicle_years,
           coalesce(c.warranty_cost, 0) as warranty_cost
    from exposure e
    join bands b using (band_order)
    left join claims_by_band c using (product_id, band_order)
    left join products p using (product_id)
    where e.vehicle_years > 0 or c.count_claims > 0
)
select * from final
order by product_id, band_order
