-- One row per dealer in the chosen geography, plus one per region of those dealers and one national row
-- (level = 'dealer' / 'region' / 'national'): service retention, the dealer scorecard's own definition (of the
-- customers whose first purchase in the 12-24 months before the period's end was at the dealer, the share with a
-- service visit within 12 months of buying) with the cohort's size. Region and national rows ignore the geography
-- filter (the yardstick) but keep the others.
with
retention_cohort as (
    select customer_key, arg_min(dealer_id, sold_on) as dealer_id,
           arg_min(serviced_within_12_months, sold_on) as is_retained
    from scoped_sales(($end_on - interval 24 month)::date, ($end_on - interval 12 month)::date, $reach)
    where dealer_id is not null
    group by customer_key
),
retention as (
    select dealer_id, count(*) as count_retention_cohort, count(*) filter (where is_retained) as count_retained
    from retention_cohort
    group by dealer_id
),
per_dealer as (
    select d.dealer_id, d.dealer_name, d.region, d.province,
           coalesce(r.count_retention_cohort, 0) as count_retention_cohort,
           coalesce(r.count_retained, 0) as count_retained
    from scoped_dealers($reach) d
    left join retention r using (dealer_id)
),
rolled_up as (
    select
        case when grouping(dealer_id) = 0 then 'dealer' when grouping(region) = 0 then 'region' else 'national' end as level,
        dealer_id,
        case when grouping(dealer_id) = 0 then any_value(dealer_name) end as dealer_name,
        region,
        case when grouping(dealer_id) = 0 then any_value(province) end as province,
        count(*) as count_dealers,
        sum(count_retention_cohort)::bigint as count_retention_cohort,
        sum(count_retained)::bigint as count_retained,
        rate(sum(count_retained), sum(count_retention_cohort)) as service_retention
    from per_dealer
    group by grouping sets ((region, dealer_id), (region), ())
),
in_scope as (
    select dealer_id, region from scoped_dealers($scope)
)
select *
from rolled_up
where (level = 'dealer' and dealer_id in (select dealer_id from in_scope))
   or (level = 'region' and region in (select region from in_scope))
   or level = 'national'
order by level = 'national', level = 'region', service_retention desc nulls last, dealer_id
