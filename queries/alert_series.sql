-- One row per dealer x month, from the month of $start_on to the month of $end_on, for every dealer in the chosen
-- geography, plus one row per month for the facts no dealer served (dealer_id NULL: HQ direct sales, which only
-- count towards the scope's total): the monthly series the alerts check, as numerators and denominators that add
-- up over dealers: units and sales revenue; complaints received; the complaint backlog at the month's end (received
-- by then and not closed by then); promoters, detractors and responses of the sales and service surveys (NPS); and
-- leads won and leads closed (won or lost) in the month, by the month they closed (by the month they were created,
-- the latest month would count only the quick decisions, and quick decisions are more often wins).
with
months as (
    select unnest(generate_series(date_trunc('month', $start_on::date), date_trunc('month', $end_on::date), interval 1 month))::date as month
),
month_ends as (
    select month, (month + interval 1 month) as end_at from months
),
sales_by_month as (
    select dealer_id, date_trunc('month', sold_on)::date as month, sum(quantity)::bigint as units,
           sum(revenue) as sales_revenue
    from scoped_sales($start_on, $end_on, $scope)
    group by all
),
complaints_by_month as (
    select dealer_id, date_trunc('month', received_at)::date as month, count(*) as complaints_received
    from scoped_complaints($start_on, $end_on, $scope)
    group by all
),
-- Every complaint received by the last month's end, over all history: the backlog counts old ones still open.
complaints_to_date as (
    select dealer_id, received_at, closed_at
    from scoped_complaints(date '1900-01-01', $end_on, $scope)
),
backlog_by_month as (
    select c.dealer_id, m.month, count(*) as complaint_backlog
    from complaints_to_date c
    join month_ends m on c.received_at < m.end_at and (c.closed_at is null or c.closed_at >= m.end_at)
    group by all
),
surveys_by_month as (
    select dealer_id, date_trunc('month', surveyed_on)::date as month,
           count(score) filter (where is_promoter(score)) as count_promoters,
           count(score) filter (where is_detractor(score)) as count_detractors,
           count(score) as count_nps_responses
    from scoped_surveys($start_on, $end_on, $scope)
    where survey_type in ('sales', 'service')
    group by all
),
-- Leads created at any time up to the last month's end; counted in the month they closed.
leads_by_month as (
    select dealer_id, date_trunc('month', closed_at)::date as month,
           count(*) filter (where outcome = 'won') as count_leads_won,
           count(*) as count_leads_closed
    from scoped_leads(date '1900-01-01', $end_on, $scope)
    where outcome in ('won', 'lost') and closed_at::date between $start_on and $end_on
    group by all
),
-- The parts in one long table, summed once per dealer and month (one join to the grid, not one per part).
parts as (
    select * from sales_by_month
    union all by name select * from complaints_by_month
    union all by name select * from backlog_by_month
    union all by name select * from surveys_by_month
    union all by name select * from leads_by_month
),
summed as (
    select coalesce(dealer_id, '') as dealer_key, month,
           coalesce(sum(units), 0)::bigint as units,
           coalesce(sum(sales_revenue), 0)::double as sales_revenue,
           coalesce(sum(complaints_received), 0)::bigint as complaints_received,
           coalesce(sum(complaint_backlog), 0)::bigint as complaint_backlog,
           coalesce(sum(count_promoters), 0)::bigint as count_promoters,
           coalesce(sum(count_detractors), 0)::bigint as count_detractors,
           coalesce(sum(count_nps_responses), 0)::bigint as count_nps_responses,
           coalesce(sum(count_leads_won), 0)::bigint as count_leads_won,
           coalesce(sum(count_leads_closed), 0)::bigint as count_leads_closed
    from parts
    group by all
),
units as (
    select dealer_id from scoped_dealers($scope)
    union select distinct dealer_id from parts
),
final as (
    select
        u.dealer_id, d.dealer_name, d.region, d.province, d.opened_on, m.month,
        coalesce(p.units, 0) as units,
        coalesce(p.sales_revenue, 0) as sales_revenue,
        coalesce(p.complaints_received, 0) as complaints_received,
        coalesce(p.complaint_backlog, 0) as complaint_backlog,
        coalesce(p.count_promoters, 0) as count_promoters,
        coalesce(p.count_detractors, 0) as count_detractors,
        coalesce(p.count_nps_responses, 0) as count_nps_responses,
        coalesce(p.count_leads_won, 0) as count_leads_won,
        coalesce(p.count_leads_closed, 0) as count_leads_closed
    from units u
    cross join months m
    left join dealers d on d.dealer_id = u.dealer_id
    left join summed p on p.dealer_key = coalesce(u.dealer_id, '') and p.month = m.month
)
select * from final
order by dealer_id nulls last, month
