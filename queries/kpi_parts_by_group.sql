-- One row per KPI x group of one dimension ($dimension: region, dealer, product, channel or customer_type) with
-- facts in [$start_on, $end_on] and the scope: the KPI's numerator and denominator over the group's facts (for a
-- total such as units, its value as numerator and no denominator). The groups of a KPI add up to the overview's
-- figures (kpi_summary) for the same filters; dashboard/movers.py splits a KPI's change across them.
-- A fact is placed by the dealer that served it (group_key NULL: no dealer, e.g. an HQ direct sale), its product,
-- its customer's segment and acquisition channel (a lead: its source channel; a lead has no product or segment,
-- a survey response no product or channel (scoped_surveys does not carry it): those pairs are not offered).
with
facts as (
    select region, dealer_id, dealer_name, product_id, acquisition_channel::varchar as channel,
           customer_type::varchar as customer_type,
           quantity::double as units, revenue::double as revenue,
           (revenue - cost)::double as margin,
           case when cost is not null then revenue end::double as revenue_with_cost
    from scoped_sales($start_on, $end_on, $scope)
    union all by name
    select region, dealer_id, dealer_name, source_channel::varchar as channel,
           (outcome = 'won')::int as leads_won, (outcome in ('won', 'lost'))::int as leads_closed
    from scoped_leads($start_on, $end_on, $scope)
    union all by name
    -- The SLA outcome as kpi_summary counts it: known at the period's end once resolved or past the deadline.
    select region, dealer_id, dealer_name, product_id, acquisition_channel::varchar as channel,
           customer_type::varchar as customer_type, 1 as complaints,
           (is_met or is_due)::int as sla_known, is_met::int as sla_met
    from complaint_sla_outcomes($start_on, $end_on, $scope)
    union all by name
    select region, dealer_id, dealer_name, customer_type::varchar as customer_type,
           (score is not null)::int as responses,
           case when is_promoter(score) then 1 when is_detractor(score) then -1 else 0 end as net_promoters
    from scoped_surveys($start_on, $end_on, $scope)
    where survey_type in ('sales', 'service')
),
by_group as (
    select
        case $dimension
            when 'region' then region
            when 'dealer' then dealer_id
            when 'product' then product_id
            when 'channel' then channel
            when 'customer_type' then customer_type
        end as group_key,
        case $dimension
            when 'region' then any_value(region)
            when 'dealer' then any_value(dealer_name)
        end as group_name,
        coalesce(sum(units), 0) as units,
        coalesce(sum(revenue), 0) as revenue,
        coalesce(sum(margin), 0) as margin,
        coalesce(sum(revenue_with_cost), 0) as revenue_with_cost,
        coalesce(sum(leads_won), 0) as leads_won,
        coalesce(sum(leads_closed), 0) as leads_closed,
        coalesce(sum(complaints), 0) as complaints,
        coalesce(sum(sla_known), 0) as sla_known,
        coalesce(sum(sla_met), 0) as sla_met,
        coalesce(sum(responses), 0) as responses,
        coalesce(sum(net_promoters), 0) as net_promoters
    from facts
    group by 1
),
parts as (
    select group_key, group_name, kpi, numerator::double as numerator, denominator::double as denominator
    from by_group,
    lateral (values
        ('lead_conversion', leads_won, leads_closed),
        ('average_price', revenue, units),
        ('complaints_per_100_units', 100 * complaints, units),
        ('sla_compliance', sla_met, sla_known),
        ('nps', 100 * net_promoters, responses),
        ('gross_margin_pct', margin, revenue_with_cost),
        ('units', units, null),
        ('sales_revenue', revenue, null),
        ('complaints_received', complaints, null)
    ) as p(kpi, numerator, denominator)
)
select p.kpi, p.group_key, coalesce(p.group_name, pr.product_name) as group_name, p.numerator, p.denominator
from parts p
left join products pr on $dimension = 'product' and pr.product_id = p.group_key
where p.numerator <> 0 or coalesce(p.denominator, 0) <> 0
order by p.kpi, p.group_key nulls last
