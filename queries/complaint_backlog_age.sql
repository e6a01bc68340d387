-- One row per age bucket: the open complaints at the end of the day least($end_on, $as_of) by hours since
-- receipt, split into those past their deadline (unresolved after it) and those still within it.
with
open_complaints as (
    select hours_between(received_at, as_of_at) as age_hours, is_past_due
    from complaint_status_at($as_of, date '1900-01-01', $end_on, $scope)
    where is_open
),
final as (
    select
        b.bucket_order,
        b.age_bucket,
        count(o.age_hours) filter (where o.is_past_due) as complaints_past_due,
        count(o.age_hours) filter (where not o.is_past_due) as complaints_within_deadline,
        count(o.age_hours) as complaint_backlog
    from complaint_age_buckets() b
    left join open_complaints o
      on o.age_hours >= b.from_hours and (b.to_hours is null or o.age_hours < b.to_hours)
    group by b.bucket_order, b.age_bucket
)
select * from final order by bucket_order
