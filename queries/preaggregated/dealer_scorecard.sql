-- dealer_scorecard.sql answered from the pre-aggregations (mart/preaggregates.sql) when queries/routes.py allows
-- it: sales, NPS, complaints and SLA, leads and the customer base from dealer x month sums; service retention as
-- there.
with
all_sales as (
    -- revenue stays DECIMAL until the region and national rows are summed: a sum of doubles depends on the order
    -- the threads add them in
    select dealer_id, sum(units)::bigint as units, sum(sales_revenue) as sales_revenue
    from sales_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $reach)
      and dealer_id is not null
    group by dealer_id
),
retention_cohort as (
    select customer_key, arg_min(dealer_id, sold_on) as dealer_id,
           arg_min(serviced_within_12_months, sold_on) as is_retained
    from scoped_sales(($end_on - interval 24 month)::date, ($end_on - interval 12 month)::date,
                      $reach)
    where dealer_id is not null
    group by customer_key
),
retention as (
    select dealer_id, count(*) as count_retention_cohort, count(*) filter (where is_retained) as count_retained
    from retention_cohort
    group by dealer_id
),
satisfaction as (
    select dealer_id,
           sum(count_promoters)::bigint as count_promoters,
           sum(count_detractors)::bigint as count_detractors,
           sum(count_responses)::bigint as count_nps_responses
    from survey_months
    where month between $start_on and $end_on and in_geo(region, province, dealer_id, $reach)
      and survey_type in ('sales', 'service') and dealer_id is not null
    group by dealer_id
),
customer_base as (
    select dealer_id, sum(count_customers)::bigint as count_customers
    from customer_months
    where created_month <= $end_on and in_geo(region, province, dealer_id, $reach) and dealer_id is not null
    group by dealer_id
),
complaint_counts as (
    select dealer_id,
           sum(count_complaints)::bigint as count_complaints,
           coalesce(sum(count_complaints) filter (where is_met or is_due), 0)::bigint as count_sla_complaints,
           coalesce(sum(count_complaints) filter (where is_met), 0)::bigint as count_sla_met
    from complaint_month_outcomes($start_on, $end_on, $reach)
    where dealer_id is not null
    group by dealer_id
),
lead_counts as (
    select dealer_id,
           coalesce(sum(count_leads) filter (where outcome in ('won', 'lost')), 0)::bigint as count_leads_closed,
           coalesce(sum(count_leads) filter (where outcome = 'won'), 0)::bigint as count_leads_won
    from lead_months
    where created_month between $start_on and $end_on and in_geo(region, province, dealer_id, $reach)
    group by dealer_id
),
per_dealer as (
    select
        d.dealer_id, d.dealer_name, d.region, d.province,
        coalesce(s.units, 0) as units,
        coalesce(s.sales_revenue, 0) as sales_revenue,
        coalesce(r.count_retention_cohort, 0) as count_retention_cohort,
        coalesce(r.count_retained, 0) as count_retained,
        coalesce(f.count_promoters, 0) as count_promoters,
        coalesce(f.count_detractors, 0) as count_detractors,
        coalesce(f.count_nps_responses, 0) as count_nps_responses,
        coalesce(b.count_customers, 0) as count_customers,
        coalesce(k.count_complaints, 0) as count_complaints,
        coalesce(k.count_sla_complaints, 0) as count_sla_complaints,
        coalesce(k.count_sla_met, 0) as count_sla_met,
        coalesce(l.count_leads_closed, 0) as count_leads_closed,
        coalesce(l.count_leads_won, 0) as count_leads_won
    from scoped_dealers($reach) d
    left join all_sales s using (dealer_id)
    left join retention r using (dealer_id)
    left join satisfaction f using (dealer_id)
    left join customer_base b using (dealer_id)
    left join complaint_counts k using (dealer_id)
    left join lead_counts l using (dealer_id)
),
rolled_up as (
    select
        case when grouping(dealer_id) = 0 then 'dealer' when grouping(region) = 0 then 'region' else 'national' end as level,
        dealer_id,
        -- a region or national row is named by its level and region, never by one of its dealers
        case when grouping(dealer_id) = 0 then any_value(dealer_name) end as dealer_name,
        region,
        case when grouping(dealer_id) = 0 then any_value(province) end as province,
        count(*) as count_dealers,
        sum(units)::bigint as units,
        sum(sales_revenue)::double as sales_revenue,
        sum(count_retention_cohort)::bigint as count_retention_cohort,
        rate(sum(count_retained), sum(count_retention_cohort)) as service_retention,
        nps_from_counts(sum(count_promoters), sum(count_detractors), sum(count_nps_responses)) as nps,
        sum(count_nps_responses)::bigint as count_nps_responses,
        sum(count_customers)::bigint as count_customers,
        sum(count_complaints)::bigint as count_complaints,
        100 * rate(sum(count_complaints), sum(count_customers)) as complaints_per_100_customers,
        sum(count_sla_complaints)::bigint as count_sla_complaints,
        rate(sum(count_sla_met), sum(count_sla_complaints)) as sla_compliance,
        sum(count_leads_closed)::bigint as count_leads_closed,
        rate(sum(count_leads_won), sum(count_leads_closed)) as lead_conversion
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
order by level = 'national', level = 'region', sales_revenue desc, region, dealer_id  -- ties in a fixed order
