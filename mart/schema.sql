-- The customer mart: one DDL file for every table, type and shared view.
-- Built by `python -m mart generate` (demo data) and `python -m mart load` (a user's exports);
-- both run this file on an empty database and insert parents before children.
-- Money is DECIMAL(12,2) / DECIMAL(14,2): exact cents, stored as 64-bit integers by DuckDB.
-- Dates of business events are DATE (*_on); moments inside a lifecycle are TIMESTAMP (*_at).
-- Keys are text, as the source systems write them (dealer codes such as GX-LZ-001, customer numbers such as
-- C000123 with their leading zeros): the key a person sees, types and finds in their own exports.
-- Primary and foreign keys are declared here, for the input contract and the reader; mart/build.py creates the
-- tables without enforcing them (the loader and the generator check every key, and mart/integrity.py checks the
-- finished mart), because DuckDB's enforcement doubled load time and forbids replacing a referenced row.

create type customer_type as enum ('individual', 'fleet', 'unknown');
create type gender as enum ('female', 'male');
create type channel as enum ('website', 'call_center', 'vertical_media', 'wechat', 'auto_show', 'walk_in', 'phone');
create type service_type as enum ('maintenance', 'repair', 'warranty', 'accident');
create type lead_outcome as enum ('open', 'won', 'lost');
create type campaign_type as enum ('acquisition', 'promotion', 'care', 'retention');
create type contact_arm as enum ('treatment', 'control');
create type severity as enum ('low', 'medium', 'high', 'critical');
create type survey_type as enum ('sales', 'service', 'complaint_callback');
create type call_outcome as enum ('not_reached', 'refused', 'answered');

-- One row per dealer (4S store). Organisation: region -> province -> city -> dealer.
create table dealers (
    dealer_id     varchar primary key,
    dealer_name   varchar not null,
    region        varchar not null,
    province      varchar not null,
    city          varchar,
    tier          varchar,
    opened_on     date
);

-- One row per product (vehicle model).
create table products (
    product_id    varchar primary key,
    product_name  varchar,
    category      varchar,
    launched_on   date,
    list_price    decimal(12, 2)
);

-- One row per marketing campaign. target_region empty = national.
create table campaigns (
    campaign_id    varchar primary key,
    campaign_name  varchar,
    campaign_type  campaign_type not null,
    channel        channel not null,
    start_on       date not null,
    end_on         date not null,
    budget         decimal(14, 2) not null,
    actual_cost    decimal(14, 2) not null,
    target_region  varchar
);

-- One row per customer: the unified customer view across HQ, dealers and service.
create table customers (
    customer_id          varchar primary key,
    customer_type        customer_type not null default 'unknown',
    gender               gender,
    birth_year           smallint,
    province             varchar,
    city                 varchar,
    income_band          varchar,
    acquisition_channel  channel,
    home_dealer_id       varchar references dealers (dealer_id),
    created_on           date
);

-- One row per lead (prospect). Timestamps follow the funnel: created <= contacted <= test drive <= quoted <= closed.
create table leads (
    lead_id         varchar primary key,
    dealer_id       varchar not null references dealers (dealer_id),
    source_channel  channel not null,
    campaign_id     varchar references campaigns (campaign_id),
    created_at      timestamp not null,
    contacted_at    timestamp,
    test_drive_at   timestamp,
    quoted_at       timestamp,
    closed_at       timestamp,
    outcome         lead_outcome not null,
    lost_reason     varchar,
    customer_id     varchar references customers (customer_id)
);

-- One row per vehicle sale. dealer_id is empty for HQ's direct (fleet or online) sales.
create table sales (
    sale_id      varchar primary key,
    customer_id  varchar not null references customers (customer_id),
    dealer_id    varchar references dealers (dealer_id),
    product_id   varchar not null references products (product_id),
    sold_on      date not null,
    quantity     integer not null,
    revenue      decimal(14, 2) not null,
    cost         decimal(14, 2),
    lead_id      varchar references leads (lead_id),
    campaign_id  varchar references campaigns (campaign_id)
);

-- One row per after-sales service visit. product_id is the vehicle serviced (its model), mileage_km its odometer
-- at the visit, warranty_cost what the manufacturer pays for the warranty work of a warranty visit.
create table service_visits (
    visit_id      varchar primary key,
    customer_id   varchar not null references customers (customer_id),
    dealer_id     varchar references dealers (dealer_id),
    visited_on    date not null,
    service_type  service_type not null,
    revenue       decimal(12, 2) not null,
    product_id    varchar references products (product_id),
    mileage_km    integer,
    warranty_cost decimal(12, 2)
);

-- One row per customer x campaign: who was picked, in which arm, and whether they responded.
create table campaign_contacts (
    campaign_id   varchar not null references campaigns (campaign_id),
    customer_id   varchar not null references customers (customer_id),
    contacted_on  date not null,
    arm           contact_arm not null,
    responded_on  date,
    primary key (campaign_id, customer_id)
);

-- One row per complaint. Lifecycle: received -> dispatched (HQ to dealer) -> acknowledged (dealer)
-- -> resolved -> closed (after the callback). Status is derived from the timestamps, never stored.
create table complaints (
    complaint_id     varchar primary key,
    customer_id      varchar not null references customers (customer_id),
    dealer_id        varchar references dealers (dealer_id),
    product_id       varchar references products (product_id),
    channel          varchar,
    category         varchar,
    severity         severity not null,
    received_at      timestamp not null,
    dispatched_at    timestamp,
    acknowledged_at  timestamp,
    resolved_at      timestamp,
    closed_at        timestamp,
    reopen_count     smallint not null default 0,
    callback_score   smallint
);

-- One row per satisfaction survey response (0-10).
create table surveys (
    survey_id    varchar primary key,
    customer_id  varchar not null references customers (customer_id),
    dealer_id    varchar references dealers (dealer_id),
    survey_type  survey_type not null,
    surveyed_on  date not null,
    score        smallint not null
);

-- One row per satisfaction follow-up call attempt (回访), reached or not: after a sale, a service visit or a
-- complaint's resolution (call_type). follows_id is the key of the event it follows (a sale_id, visit_id or
-- complaint_id, by call_type) and follows_on its date (sold_on, visited_on, resolved_at's date); an answered call
-- may have produced a survey (survey_id) and a 1-5 satisfaction score (csat).
create table followup_calls (
    call_id      varchar primary key,
    customer_id  varchar not null references customers (customer_id),
    dealer_id    varchar references dealers (dealer_id),
    call_type    survey_type not null,
    follows_id   varchar,
    follows_on   date,
    called_at    timestamp not null,
    outcome      call_outcome not null,
    survey_id    varchar references surveys (survey_id),
    csat         smallint
);

-- One row per dealer x month (month = its first day): the dealer's sales targets. A region's or the nation's
-- target is the sum of its dealers' (no rows for them).
create table targets (
    dealer_id       varchar not null references dealers (dealer_id),
    month           date not null,
    units_target    integer not null,
    revenue_target  decimal(14, 2) not null,
    primary key (dealer_id, month)
);

-- One row per severity: the deadline from receipt to resolution.
create table complaint_sla (
    severity             severity primary key,
    resolve_within_hours integer not null
);
insert into complaint_sla values ('critical', 24), ('high', 72), ('medium', 168), ('low', 336);

-- One row per mart build: what it was built from and the data's as-of date.
create table mart_info (
    built_at    timestamp not null,
    source      varchar not null,   -- 'demo' or the folder a load read
    scale       varchar,
    seed        integer,
    as_of_on    date not null,      -- the latest business date in the data
    first_sale_on  date,            -- the earliest sale: where the period picker starts
    customer_types varchar[]        -- the customer types present: the segment filter's choices
);

-- One row per load (`python -m mart load`), carried over from the previous mart on every rebuild.
create table load_log (
    load_id        integer not null,
    loaded_at      timestamp not null,
    source         varchar not null,
    table_name     varchar not null,
    source_file    varchar,
    count_read     bigint not null,
    count_loaded   bigint not null,
    count_rejected bigint not null,
    count_warned   bigint not null default 0   -- loaded rows with an optional value emptied (see rejects.severity)
);

-- One row per rejected input row, or per emptied value of a loaded row: where it came from, which column
-- failed and why; raw holds the row as read. severity 'rejected': the row was not loaded; 'warning': the row
-- was loaded with that optional, descriptive value left empty.
create table rejects (
    load_id      integer not null,
    table_name   varchar not null,
    source_file  varchar not null,
    line_number  bigint not null,   -- 1-based line in the CSV counting the header (row number + 1 for Parquet, the sheet's row in Excel)
    column_name  varchar,
    reason       varchar not null,
    raw          varchar,
    severity     varchar not null default 'rejected'
);

-- One row per sale or service visit: every transaction of a customer, for recency, frequency, value and activity.
create view customer_transactions as
select customer_id, dealer_id, sold_on as transacted_on, 'sale' as kind, revenue, cost
from sales
union all
select customer_id, dealer_id, visited_on as transacted_on, 'service' as kind, revenue, null as cost
from service_visits;

-- One row per complaint, with its status derived from the timestamps as of now (pages use complaint_status_at for a past date).
create view complaint_lifecycle as
select
    c.*,
    s.resolve_within_hours,
    c.received_at + s.resolve_within_hours * interval 1 hour as due_at,
    case
        when c.closed_at is not null then 'closed'
        when c.resolved_at is not null then 'resolved'
        when c.acknowledged_at is not null then 'acknowledged'
        when c.dispatched_at is not null then 'dispatched'
        else 'received'
    end as status,
    c.reopen_count > 0 as is_reopened,
    c.resolved_at is not null and c.resolved_at <= c.received_at + s.resolve_within_hours * interval 1 hour as is_resolved_within_sla
from complaints c
join complaint_sla s using (severity);
