-- One row per attribute x value of the customer portrait: for the group (the customers of RFM segment $segment and/or
-- value tier $tier in the period; NULL = any) and for the base (every customer RFM scores in the period and scope,
-- of which the group is a part), how many have that age band, gender, income band, city or customer type, and each
-- one's share of its population. Age is the years from the birth year to the period's end's year; the city is one
-- of the group's 10 largest, or "other cities"; an empty value is "not recorded".
-- Personal fields leave only as counts of 5 or more: a value with fewer than 5 customers in the group or the base
-- is suppressed (counts and shares NULL, is_suppressed); where that hides a single value of an attribute, the next
-- smallest is hidden too, so that no hidden count follows from the total minus the others.
with
rfm as (
    select customer_id, segment, tier
    from customer_rfm($start_on, $end_on, $scope)
),
-- Each scored customer's descriptive fields, read through customer_in_reach: the one door to a customer's personal
-- fields, which checks that the customer is in scope.
people as materialized (
    select
        ($segment is null or r.segment = $segment) and ($tier is null or r.tier = $tier) as is_in_group,
        year($end_on::date) - c.birth_year as age,
        c.gender::varchar as gender,
        c.income_band,
        c.city,
        c.customer_type::varchar as customer_type
    from rfm r, customer_in_reach($scope, r.customer_id) c
),
top_cities as (
    select city, row_number() over (order by count(*) desc, city) as city_rank
    from people
    where is_in_group and city is not null
    group by city
    qualify city_rank <= 10
),
tagged as (
    select p.is_in_group, unnest([
        {attribute: 'age_band', value: case
            when p.age is null then 'not recorded'
            when p.age < 25 then 'under 25'
            when p.age < 35 then '25-34'
            when p.age < 45 then '35-44'
            when p.age < 55 then '45-54'
            when p.age < 65 then '55-64'
            else '65 and over' end},
        {attribute: 'gender', value: coalesce(p.gender, 'not recorded')},
        {attribute: 'income_band', value: coalesce(p.income_band, 'not recorded')},
        {attribute: 'city', value: case when p.city is null then 'not recorded' when t.city is null then 'other cities'
                                        else p.city end},
        {attribute: 'customer_type', value: p.customer_type}
    ], recursive := true)
    from people p
    left join top_cities t on t.city = p.city
),
totals as (
    select count(*) filter (where is_in_group) as count_group_total, count(*) as count_base_total
    from people
),
cells as (
    select attribute, value, count(*) filter (where is_in_group) as count_group, count(*) as count_base
    from tagged
    group by attribute, value
),
ordered as (
    select
        c.*,
        case c.attribute
            when 'age_band' then list_position(['under 25', '25-34', '35-44', '45-54', '55-64', '65 and over'], c.value)
            when 'gender' then list_position(['female', 'male'], c.value)
            when 'customer_type' then list_position(['individual', 'fleet', 'unknown'], c.value)
            when 'income_band' then list_position(['10万以下', '10-20万', '20-50万', '50万以上'], c.value)
            when 'city' then (select city_rank from top_cities t where t.city = c.value)
        end as known_order
    from cells c
),
primary_suppressed as (
    select *, count_group < 5 or count_base < 5 as is_small
    from ordered
),
marked as (
    select
        *,
        sum(is_small::integer) over (partition by attribute) as count_small,
        row_number() over (partition by attribute, is_small order by count_group, value) as rank_smallest
    from primary_suppressed
),
final as (
    select
        m.attribute,
        m.value,
        -- Known values in their natural order, any other spelling after them, "other cities" and "not recorded" last.
        case m.value when 'other cities' then 1000 when 'not recorded' then 1001 else coalesce(m.known_order, 100) end
            as value_order,
        m.is_small or (m.count_small = 1 and m.rank_smallest = 1) as is_suppressed,
        t.count_group_total,
        t.count_base_total,
        m.count_group,
        m.count_base
    from marked m, totals t
)
select
    attribute,
    value,
    value_order,
    case when not is_suppressed then count_group end as count_group,
    case when not is_suppressed then count_base end as count_base,
    case when not is_suppressed then rate(count_group, count_group_total) end as group_share,
    case when not is_suppressed then rate(count_base, count_base_total) end as base_share,
    case when not is_suppressed then rate(count_group, count_group_total) - rate(count_base, count_base_total) end
        as share_difference,
    case when not is_suppressed then rate(rate(count_group, count_group_total), rate(count_base, count_base_total)) end
        as share_ratio,
    is_suppressed,
    count_group_total,
    count_base_total
from final
order by list_position(['age_band', 'gender', 'income_band', 'city', 'customer_type'], attribute), value_order, value
