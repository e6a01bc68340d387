-- One row per campaign that ended in the period with contacts in the filtered scope: the size of each arm,
-- its responders, its buyers (a sale in scope within $window_days days from the contact day) and the buyers'
-- gross margin in that window. analytics.lift turns these counts into the lift and its 95% interval.
with
results as (
    select campaign_id, campaign_name, campaign_type::varchar as campaign_type, channel::varchar as channel, end_on, cost_in_scope
    from campaign_results_in_scope($start_on, $end_on, $scope)
),
contacts as (
    select campaign_id, customer_key, arm, contacted_on, responded_on
    from scoped_contacts(date '1900-01-01', date '2999-12-31', $scope)
    where campaign_id in (select campaign_id from results)
),
-- Both arms are measured from the contact day (the control arm's assignment day), never from a response,
-- which only the treatment arm could be prompted to make.
window_sales as (
    -- DECIMAL until by_arm sums the customers: a sum of doubles depends on the order threads add them in
    select c.campaign_id, c.customer_key, sum(s.revenue - s.cost) as margin
    from contacts c
    join scoped_sales(date '1900-01-01', date '2999-12-31', $scope) s
      on s.customer_key = c.customer_key
     and s.sold_on between c.contacted_on and c.contacted_on + $window_days::integer
    group by c.campaign_id, c.customer_key
),
per_contact as (
    select c.campaign_id, c.arm, c.contacted_on,
           c.responded_on is not null as is_responder,
           w.customer_key is not null as is_buyer,
           coalesce(w.margin, 0) as margin
    from contacts c
    left join window_sales w using (campaign_id, customer_key)
),
by_arm as (
    select
        campaign_id,
        count(*) filter (where arm = 'treatment') as count_treatment,
        count(*) filter (where arm = 'treatment' and is_responder) as count_treatment_responders,
        count(*) filter (where arm = 'treatment' and is_buyer) as count_treatment_buyers,
        coalesce(sum(margin) filter (where arm = 'treatment'), 0)::double as treatment_buyer_margin,
        count(*) filter (where arm = 'control') as count_control,
        count(*) filter (where arm = 'control' and is_responder) as count_control_responders,
        count(*) filter (where arm = 'control' and is_buyer) as count_control_buyers,
        coalesce(sum(margin) filter (where arm = 'control'), 0)::double as control_buyer_margin,
        max(contacted_on) as last_contacted_on
    from per_contact
    group by campaign_id
),
final as (
    select r.*, b.* exclude (campaign_id, last_contacted_on),
           -- The last contacts' windows reach past the data: purchases still to come are missing from both arms.
           b.last_contacted_on + $window_days::integer <= (select max(as_of_on) from mart_info) as is_window_complete
    from results r
    join by_arm b using (campaign_id)
)
select * from final
order by end_on desc, campaign_id
