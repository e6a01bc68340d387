-- One row per contact of campaign $campaign_id in the filtered scope, 100 to a page ($page, from 1): the arm,
-- the contact and response days, and whether the customer bought (a sale in scope within $window_days days
-- from the contact day), with that window's sales and gross margin. count_rows is the number of contacts in all.
with
contacts as (
    select customer_id, arm::varchar as arm, contacted_on, responded_on
    from scoped_contacts(date '1900-01-01', date '2999-12-31', $scope)
    where campaign_id = $campaign_id
),
window_sales as (
    select c.customer_id, min(s.sold_on) as first_sold_on, count(*) as count_sales,
           sum(s.revenue)::double as window_revenue, gross_margin(s.revenue, s.cost) as window_margin
    from contacts c
    join scoped_sales(date '1900-01-01', date '2999-12-31', $scope) s
      on s.customer_id = c.customer_id
     and s.sold_on between c.contacted_on and c.contacted_on + $window_days::integer
    group by c.customer_id
),
final as (
    select c.customer_id, c.arm, c.contacted_on, c.responded_on,
           w.customer_id is not null as is_buyer,
           w.first_sold_on,
           coalesce(w.count_sales, 0) as count_sales,
           coalesce(w.window_revenue, 0) as window_revenue,
           coalesce(w.window_margin, 0) as window_margin,
           count(*) over () as count_rows
    from contacts c
    left join window_sales w using (customer_id)
)
select * from final
order by arm desc, is_buyer desc, responded_on is not null desc, contacted_on, customer_id
limit 100 offset 100 * ($page - 1)
