-- Rollups: derived tables built once with the mart (after every fact is in) so that the pages' questions
-- that would otherwise scan whole fact tables on every filter change read a small table instead.
-- They hold no new facts: each is a plain function of the tables above, checked in tests/test_rollups.py.

-- One row per customer: the attributes the global filters narrow by, the products they own (as a list, so the
-- product filter is a scalar test rather than a subquery over sales), and first and last transaction dates
-- (new customers read these instead of grouping every transaction).
create table customer_profiles as
with
activity as (
    select customer_id,
           min(transacted_on) as first_transacted_on,
           max(transacted_on) as last_transacted_on,
           count(*) as count_transactions
    from customer_transactions
    group by customer_id
),
owned as (
    select customer_id, list(distinct product_id order by product_id) as product_ids
    from sales
    group by customer_id
)
select c.customer_id, c.customer_type, c.acquisition_channel, c.home_dealer_id, c.created_on,
       o.product_ids, a.first_transacted_on, a.last_transacted_on, coalesce(a.count_transactions, 0) as count_transactions
from customers c
left join activity a using (customer_id)
left join owned o using (customer_id)
order by c.customer_id;

-- One row per sale: the customer's first service visit after the sale date (NULL if none).
-- Service retention asks whether a buyer came back for service within 12 months of buying.
create table sale_followups as
select s.sale_id, v.visited_on as first_service_after_on
from sales s
asof left join service_visits v on v.customer_id = s.customer_id and s.sold_on < v.visited_on;
