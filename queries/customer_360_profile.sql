-- One row for customer $customer_id (no row if there is none): who they are and their lifetime figures up to the
-- data's as-of date. Fields that identify a person are masked unless $reveal is true: birth year shows as its
-- decade, gender, city and income band as NULL. Ids, province, home dealer and acquisition channel stay.
-- Only a customer the person may open (home dealer in their scope: customer_in_reach) has a row.
with
customer as (
    select * from customer_in_reach($reach, $customer_id)
),
sales_totals as (
    select count(*) as count_sales, sum(quantity)::bigint as units, sum(revenue)::double as sales_revenue
    from sales where customer_id = (select customer_id from customer)
),
service_totals as (
    select count(*) as count_service_visits, sum(revenue)::double as service_revenue
    from service_visits where customer_id = (select customer_id from customer)
),
complaint_totals as (
    select count(*) as count_complaints, count(*) filter (where closed_at is null) as count_open_complaints
    from complaints where customer_id = (select customer_id from customer)
),
survey_totals as (
    select count(*) as count_surveys, csat(score) as csat, arg_max(score, surveyed_on) as last_survey_score
    from surveys where customer_id = (select customer_id from customer)
),
contact_totals as (
    select count(*) as count_campaign_contacts, count(responded_on) as count_campaign_responses
    from campaign_contacts where customer_id = (select customer_id from customer)
),
lead_totals as (
    select count(*) as count_leads from leads where customer_id = (select customer_id from customer)
),
final as (
    select
        c.customer_id,
        c.customer_type,
        case when $reveal then c.gender::varchar end as gender,
        case when $reveal then c.birth_year::varchar else (c.birth_year // 10 * 10)::varchar || 's' end as birth_year,
        c.province,
        case when $reveal then c.city end as city,
        case when $reveal then c.income_band end as income_band,
        c.acquisition_channel,
        c.home_dealer_id,
        d.dealer_name as home_dealer_name,
        d.region as home_region,
        c.created_on,
        p.first_transacted_on,
        p.last_transacted_on,
        s.count_sales,
        coalesce(s.units, 0) as units,
        coalesce(s.sales_revenue, 0) as sales_revenue,
        v.count_service_visits,
        coalesce(v.service_revenue, 0) as service_revenue,
        coalesce(s.sales_revenue, 0) + coalesce(v.service_revenue, 0) as customer_revenue,
        k.count_complaints,
        k.count_open_complaints,
        r.count_surveys,
        r.csat,
        r.last_survey_score,
        l.count_leads,
        t.count_campaign_contacts,
        t.count_campaign_responses
    from customer c
    left join dealers d on d.dealer_id = c.home_dealer_id
    left join customer_profiles p using (customer_id)
    cross join sales_totals s
    cross join service_totals v
    cross join complaint_totals k
    cross join survey_totals r
    cross join contact_totals t
    cross join lead_totals l
)
select * from final
