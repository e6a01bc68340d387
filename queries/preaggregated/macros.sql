-- Macros over the pre-aggregations (mart/preaggregates.sql), created with scope.sql's and metrics.sql's on every
-- DuckDB cursor; the routed files of this folder use them.

-- One row per dealer x months of a complaint received in the period and geography (the pre-aggregations are read
-- only for filters of geography alone: queries/routes.py), with its SLA outcome at the period's end, for a period
-- of whole months: is_met = resolved by its deadline in a month up to the period's last; is_due = its deadline
-- falls in a month up to the period's last (complaint_sla_outcomes in scope.sql says it by the hour; for a period
-- ending on a month's last day the two agree). Each row stands for count_complaints complaints.
create or replace temp macro complaint_month_outcomes(p_start_on, p_end_on, s) as table
select *,
       coalesce(is_on_time and resolved_month <= p_end_on, false) as is_met,
       due_month <= p_end_on as is_due
from complaint_months
where received_month between p_start_on and p_end_on and in_geo(region, province, dealer_id, s);

-- scope.sql's campaign_results_in_scope, from the campaigns' counts by place: the same columns and rows.
create or replace temp macro campaign_results_in_geo(p_start_on, p_end_on, s) as table
with
ended as (select campaign_id from campaigns where end_on between p_start_on and p_end_on),
in_geo as (
    select campaign_id, sum(count_contacts) as count_contacts, sum(count_leads) as count_leads,
           sum(count_sales) as count_sales, sum(units) as units, sum(revenue) as revenue, sum(margin) as margin
    from campaign_places
    where campaign_id in (select campaign_id from ended) and in_geo(region, province, dealer_id, s)
    group by campaign_id
),
shares as (
    select
        c.*,
        case
            when s['is_everything'] then 1.0
            when a.count_contacts > 0 then coalesce(g.count_contacts, 0) / a.count_contacts
            when a.count_leads > 0 then coalesce(g.count_leads, 0) / a.count_leads
            else 0.0
        end as cost_share,
        coalesce(g.count_sales, 0)::bigint as count_sales,
        coalesce(g.units, 0)::bigint as units,
        coalesce(g.revenue::double, 0) as attributed_revenue,
        coalesce(g.margin::double, 0) as attributed_margin
    from campaigns c
    join campaign_counts a using (campaign_id)
    left join in_geo g using (campaign_id)
    where c.campaign_id in (select campaign_id from ended)
)
select *, actual_cost::double * cost_share as cost_in_scope from shares;
