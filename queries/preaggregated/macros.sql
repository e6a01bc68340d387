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
