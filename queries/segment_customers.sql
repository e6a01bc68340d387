-- One row per customer of an RFM segment and/or value tier ($segment, $tier; NULL = any) in the period, with
-- their RFM figures and scores: the list a campaign is sent to. Largest revenue first.
select
    customer_id,
    customer_type,
    segment,
    tier,
    r_score::varchar || f_score::varchar || m_score::varchar as rfm_code,
    r_score,
    f_score,
    m_score,
    recency_days,
    frequency,
    monetary,
    last_transacted_on
from customer_rfm($start_on, $end_on, $scope)
where ($segment is null or segment = $segment)
  and ($tier is null or tier = $tier)
order by monetary desc, customer_id
