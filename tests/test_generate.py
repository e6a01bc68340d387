"""The demo generator: deterministic, consistent (keys, foreign keys, money, lifecycles, dates) and
carrying the structure the pages look for (80/20 value, dealer quality, campaign lift, seasonality)."""
from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
import pytest

from mart.generate import DEFAULT_END_ON, dealer_quality, generate

SEED = 7  # the seed of the s_mart fixture (tests/conftest.py)

START_ON = date(2021, 12, 1)
END_ON = DEFAULT_END_ON
END_AT = datetime(2026, 11, 30, 23, 59, 59)

TABLES = ("dealers", "products", "campaigns", "customers", "leads", "sales", "service_visits",
          "campaign_contacts", "complaints", "surveys")
KEYS = {
    "dealers": "dealer_id", "products": "product_id", "campaigns": "campaign_id", "customers": "customer_id",
    "leads": "lead_id", "sales": "sale_id", "service_visits": "visit_id",
    "campaign_contacts": "campaign_id, customer_id", "complaints": "complaint_id", "surveys": "survey_id",
}
FOREIGN_KEYS = (
    ("customers", "home_dealer_id", "dealers", "dealer_id"),
    ("leads", "dealer_id", "dealers", "dealer_id"),
    ("leads", "campaign_id", "campaigns", "campaign_id"),
    ("leads", "customer_id", "customers", "customer_id"),
    ("sales", "customer_id", "customers", "customer_id"),
    ("sales", "dealer_id", "dealers", "dealer_id"),
    ("sales", "product_id", "products", "product_id"),
    ("sales", "lead_id", "leads", "lead_id"),
    ("sales", "campaign_id", "campaigns", "campaign_id"),
    ("service_visits", "customer_id", "customers", "customer_id"),
    ("service_visits", "dealer_id", "dealers", "dealer_id"),
    ("campaign_contacts", "campaign_id", "campaigns", "campaign_id"),
    ("campaign_contacts", "customer_id", "customers", "customer_id"),
    ("complaints", "customer_id", "customers", "customer_id"),
    ("complaints", "dealer_id", "dealers", "dealer_id"),
    ("complaints", "product_id", "products", "product_id"),
    ("surveys", "customer_id", "customers", "customer_id"),
    ("surveys", "dealer_id", "dealers", "dealer_id"),
)


def one(con, sql, params=None):
    """The single value of a query (fetchall: DuckDB 2 keeps a result open after fetchone)."""
    return con.execute(sql, params or {}).fetchall()[0][0]


def fingerprints(db) -> dict[str, tuple]:
    """Per table: row count and a digest of every row, in a fixed order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: tuple(con.execute(f"select count(*), md5(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')) from {t} t").fetchall()[0])
            for t in TABLES
        }
    finally:
        con.close()


# --- determinism --------------------------------------------------------------------------------

def test_same_seed_gives_identical_tables_and_another_seed_does_not(s_mart, tmp_path):
    again = generate(tmp_path / "again.duckdb", scale="s", seed=SEED, progress=False)
    other = generate(tmp_path / "other.duckdb", scale="s", seed=SEED + 1, progress=False)
    first, second, third = fingerprints(s_mart), fingerprints(again), fingerprints(other)
    assert first == second
    for t in ("customers", "leads", "sales", "service_visits", "campaign_contacts", "complaints", "surveys"):
        assert first[t] != third[t], t


def test_progress_lines_name_tables_rows_and_seconds(tmp_path, capsys):
    generate(tmp_path / "p.duckdb", scale="s", seed=SEED, progress=True)
    out = capsys.readouterr().out
    sales_line = next(line for line in out.splitlines() if " sales " in f" {line} " and "inserted" in line)
    assert "rows" in sales_line and " s" in sales_line


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path / "x.duckdb", scale="xl", progress=False)


# --- keys and integrity -------------------------------------------------------------------------

@pytest.mark.parametrize("table", TABLES)
def test_keys_are_unique_and_not_null(s_con, table):
    key = KEYS[table]
    n, distinct, nulls = s_con.execute(
        f"select count(*), count(distinct ({key})), count(*) filter (where ({key}) is null) from {table}"
    ).fetchall()[0]
    assert n > 0
    assert distinct == n
    assert nulls == 0


@pytest.mark.parametrize("table, key", [("dealers", "dealer_id"), ("customers", "customer_id"), ("campaigns", "campaign_id"),
                                        ("leads", "lead_id"), ("sales", "sale_id"), ("service_visits", "visit_id"),
                                        ("complaints", "complaint_id"), ("surveys", "survey_id")])
def test_keys_are_text_codes_numbered_from_one(s_con, table, key):
    from mart.generate import key_code

    lo, hi, n = s_con.execute(f"select min({key}), max({key}), count(*) from {table}").fetchall()[0]
    assert (lo, hi) == (key_code(key, 1), key_code(key, n))
    assert s_con.execute(f"select count(distinct {key}) from {table}").fetchone()[0] == n


@pytest.mark.parametrize("child, column, parent, key", FOREIGN_KEYS)
def test_every_foreign_key_resolves(s_con, child, column, parent, key):
    dangling = one(s_con, f"""
        select count(*) from {child} c
        where c.{column} is not null and not exists (select 1 from {parent} p where p.{key} = c.{column})""")
    assert dangling == 0
    assert one(s_con, f"select count({column}) from {child}") > 0  # the relation is used at all


def test_customers_exist_because_they_bought_or_were_leads(s_con):
    orphans = one(s_con, """
        select count(*) from customers c
        where not exists (select 1 from sales s where s.customer_id = c.customer_id)
          and not exists (select 1 from leads l where l.customer_id = c.customer_id)""")
    assert orphans == 0


def test_customer_created_on_is_the_first_transaction_or_lead(s_con):
    wrong = one(s_con, """
        with firsts as (
            select customer_id, min(d) as first_on from (
                select customer_id, sold_on as d from sales
                union all select customer_id, created_at::date from leads where customer_id is not null
            ) group by 1
        )
        select count(*) from customers join firsts using (customer_id) where created_on <> first_on""")
    assert wrong == 0


def test_dealer_names_unique_and_regions_real(s_con):
    n, names = s_con.execute("select count(*), count(distinct dealer_name) from dealers").fetchall()[0]
    assert names == n
    regions = {r for (r,) in s_con.execute("select distinct region from dealers").fetchall()}
    assert regions == {"华东", "华南", "华北", "华中", "西南", "西北", "东北"}
    wrong = s_con.execute("""
        select province, region from dealers
        where (province, region) not in (('浙江省', '华东'), ('广东省', '华南'), ('北京市', '华北'),
               ('湖北省', '华中'), ('四川省', '西南'), ('陕西省', '西北'), ('辽宁省', '东北'))
          and province in ('浙江省', '广东省', '北京市', '湖北省', '四川省', '陕西省', '辽宁省')""").fetchall()
    # names as a Chinese automaker's mart holds them: a company name per dealer, the city it sits in
    assert all(name.endswith("汽车销售服务有限公司") for (name,) in s_con.execute("select dealer_name from dealers").fetchall())
    assert s_con.execute("select count(*) from dealers where not starts_with(dealer_name, replace(city, '市', ''))").fetchone() == (0,)
    assert wrong == []
    assert one(s_con, "select count(*) from dealers where tier not in ('A', 'B', 'C')") == 0
    assert one(s_con, "select count(*) from dealers where opened_on > $s", {"s": START_ON}) >= 2  # some opened mid-history


# --- money --------------------------------------------------------------------------------------

def test_money_identities(s_con):
    neg, no_cost, margin_ok, n = s_con.execute("""
        select count(*) filter (where revenue < 0 or cost < 0), count(*) filter (where cost is null),
               avg((cost <= revenue)::int), count(*) from sales""").fetchall()[0]
    assert neg == 0 and no_cost == 0
    assert 0.95 <= margin_ok < 1.0  # mostly positive margins, a few clearance sales below cost
    ratio_lo, ratio_hi = s_con.execute("""
        select min(revenue / (list_price * quantity)), max(revenue / (list_price * quantity))
        from sales join products using (product_id)""").fetchall()[0]
    assert 0.849 <= ratio_lo and ratio_hi <= 1.0
    assert one(s_con, "select count(*) from service_visits where revenue <= 0") == 0
    assert one(s_con, "select count(*) from campaigns where budget <= 0 or actual_cost not between 0.8 * budget and 1.1 * budget") == 0
    assert one(s_con, "select count(*) from products where list_price not between 80000 and 350000") == 0


def test_quantities_individuals_one_fleets_several(s_con):
    rows = dict(s_con.execute("""
        select customer_type, [min(quantity), max(quantity)] from sales join customers using (customer_id) group by 1""").fetchall())
    assert rows["individual"] == [1, 1]
    assert 2 <= rows["fleet"][0] and rows["fleet"][1] <= 20 and rows["fleet"][1] >= 10
    fleet_share = one(s_con, "select avg((customer_type = 'fleet')::int) from customers")
    assert 0.02 <= fleet_share <= 0.04
    direct = one(s_con, "select avg((dealer_id is null)::int) from sales")
    assert 0.0 < direct < 0.10
    assert one(s_con, "select count(*) from sales join customers using (customer_id) where dealer_id is null and customer_type <> 'fleet'") == 0


# --- lifecycles ---------------------------------------------------------------------------------

def test_lead_funnel_timestamps_in_order(s_con):
    bad = one(s_con, """
        select count(*) from leads where
            contacted_at < created_at or test_drive_at < contacted_at or quoted_at < test_drive_at
            or closed_at < greatest(created_at, contacted_at, test_drive_at, quoted_at)
            or (test_drive_at is not null and contacted_at is null)
            or (quoted_at is not null and test_drive_at is null)
            or ((outcome = 'open') <> (closed_at is null))
            or ((outcome = 'lost') <> (lost_reason is not null))
            or (outcome = 'won' and (quoted_at is null or customer_id is null))""")
    assert bad == 0
    outcomes = dict(s_con.execute("select outcome, count(*) from leads group by 1").fetchall())
    assert set(outcomes) == {"open", "won", "lost"}
    reasons = {r for (r,) in s_con.execute("select distinct lost_reason from leads where lost_reason is not null").fetchall()}
    assert reasons == {"价格因素", "选择竞品", "贷款未批", "联系不上", "交车周期长"}


def test_each_won_lead_has_exactly_one_matching_sale(s_con):
    won = one(s_con, "select count(*) from leads where outcome = 'won'")
    matched = one(s_con, """
        select count(*) from leads l join sales s on s.lead_id = l.lead_id
        where l.outcome = 'won' and s.customer_id = l.customer_id and s.dealer_id = l.dealer_id
          and s.sold_on >= l.closed_at::date""")
    assert won > 0 and matched == won
    assert one(s_con, "select count(*) - count(distinct lead_id) from sales where lead_id is not null") == 0
    assert one(s_con, "select count(*) from sales s join leads l using (lead_id) where l.outcome <> 'won'") == 0


def test_campaign_sales_come_from_campaign_leads_or_treatment_responses(s_con):
    unexplained = one(s_con, """
        select count(*) from sales s where s.campaign_id is not null
          and not exists (select 1 from leads l where l.lead_id = s.lead_id and l.campaign_id = s.campaign_id)
          and not exists (select 1 from campaign_contacts c where c.campaign_id = s.campaign_id
                          and c.customer_id = s.customer_id and c.arm = 'treatment'
                          and s.sold_on between c.responded_on and c.responded_on + 30)""")
    assert unexplained == 0
    missed = one(s_con, """
        select count(*) from sales s where s.campaign_id is null
          and exists (select 1 from campaign_contacts c where c.customer_id = s.customer_id and c.arm = 'treatment'
                      and s.sold_on between c.responded_on and c.responded_on + 30)""")
    assert missed == 0


def test_complaint_lifecycle_in_order(s_con):
    bad = one(s_con, """
        select count(*) from complaints where
            dispatched_at < received_at or acknowledged_at < dispatched_at or resolved_at < acknowledged_at
            or closed_at < resolved_at
            or (acknowledged_at is not null and dispatched_at is null)
            or (resolved_at is not null and acknowledged_at is null)
            or (closed_at is not null and resolved_at is null)
            or ((closed_at is null) <> (callback_score is null))
            or callback_score not between 1 and 5 or reopen_count < 0""")
    assert bad == 0


def test_complaint_handling_is_realistic(s_con):
    reopened, late, n = s_con.execute("""
        select avg((reopen_count > 0)::int), avg((not is_resolved_within_sla)::int) filter (where resolved_at is not null), count(*)
        from complaint_lifecycle""").fetchall()[0]
    assert 0.03 <= reopened <= 0.12
    assert 0.10 <= late <= 0.30
    backlog, past_due = s_con.execute("""
        select count(*), count(*) filter (where due_at < $end and resolved_at is null)
        from complaint_lifecycle where status <> 'closed'""", {"end": END_AT}).fetchall()[0]
    assert backlog > 0 and past_due > 0
    severities = dict(s_con.execute("select severity, count(*) from complaints group by 1").fetchall())
    assert severities["low"] == max(severities.values()) and severities["critical"] == min(severities.values())
    # callbacks are worse when the deadline was missed
    late_cb, ok_cb = s_con.execute("""
        select avg(callback_score) filter (where not is_resolved_within_sla), avg(callback_score) filter (where is_resolved_within_sla)
        from complaint_lifecycle""").fetchall()[0]
    assert late_cb < ok_cb - 0.5


def test_complaints_per_customer_year(s_con):
    customer_years = one(s_con, "select sum(date_diff('day', created_on, $end) + 1) / 365.25 from customers", {"end": END_ON})
    rate = 100 * one(s_con, "select count(*) from complaints") / customer_years
    assert 3 <= rate <= 8


# --- dates --------------------------------------------------------------------------------------

DATE_COLUMNS = (
    ("customers", "created_on"), ("sales", "sold_on"), ("service_visits", "visited_on"), ("leads", "created_at"),
    ("leads", "closed_at"), ("campaign_contacts", "contacted_on"), ("campaign_contacts", "responded_on"),
    ("complaints", "received_at"), ("complaints", "closed_at"), ("surveys", "surveyed_on"), ("campaigns", "start_on"),
    ("campaigns", "end_on"),
)


@pytest.mark.parametrize("table, column", DATE_COLUMNS)
def test_dates_within_the_history(s_con, table, column):
    lo, hi = s_con.execute(f"select min({column}), max({column}) from {table}").fetchall()[0]
    lo = lo.date() if isinstance(lo, datetime) else lo
    assert lo >= START_ON
    if isinstance(hi, datetime):
        assert hi <= END_AT
    else:
        assert hi <= END_ON


def test_as_of_is_the_end_of_history(s_con):
    assert one(s_con, "select as_of_on from mart_info") == END_ON


@pytest.mark.parametrize("table, column", [
    ("sales", "sold_on"), ("service_visits", "visited_on"), ("campaign_contacts", "contacted_on"),
    ("complaints", "received_at::date"), ("surveys", "surveyed_on"), ("leads", "created_at::date"),
])
def test_no_event_before_the_customer_exists(s_con, table, column):
    early = one(s_con, f"select count(*) from {table} t join customers c using (customer_id) where {column} < c.created_on")
    assert early == 0


def test_no_sale_before_launch_or_dealer_opening(s_con):
    assert one(s_con, "select count(*) from sales join products using (product_id) where sold_on < launched_on") == 0
    assert one(s_con, "select count(*) from sales join dealers using (dealer_id) where sold_on < opened_on") == 0
    assert one(s_con, "select count(*) from leads join dealers using (dealer_id) where created_at::date < opened_on") == 0
    launched_inside = one(s_con, "select count(*) from products where launched_on > $s", {"s": START_ON})
    assert 2 <= launched_inside <= 4


def test_campaign_contacts_inside_the_campaign(s_con):
    bad = one(s_con, """
        select count(*) from campaign_contacts join campaigns using (campaign_id)
        where contacted_on not between start_on and end_on
           or responded_on not between contacted_on and end_on""")
    assert bad == 0
    control = one(s_con, "select avg((arm = 'control')::int) from campaign_contacts")
    assert 0.10 <= control <= 0.20


# --- scale --------------------------------------------------------------------------------------

def test_scale_s_size(s_con):
    counts = {t: one(s_con, f"select count(*) from {t}") for t in TABLES}
    assert 18_000 <= counts["customers"] <= 23_000
    assert counts["dealers"] == 60
    assert 10 <= counts["products"] <= 14
    assert 35 <= counts["campaigns"] <= 45
    facts = sum(counts[t] for t in ("leads", "sales", "service_visits", "campaign_contacts", "complaints", "surveys"))
    assert 120_000 <= facts <= 300_000
    for t in ("sales", "service_visits", "leads", "campaign_contacts", "surveys"):
        assert counts[t] >= 10_000, t
    assert counts["complaints"] >= 1_000


# --- structure the pages look for ---------------------------------------------------------------

def test_top_fifth_of_customers_hold_most_revenue(s_con):
    share = one(s_con, """
        with value as (select customer_id, sum(revenue) as revenue from customer_transactions group by 1),
        ranked as (select revenue, row_number() over (order by revenue desc) as rn, count(*) over () as n from value)
        select sum(revenue) filter (where rn <= 0.2 * n) / sum(revenue) from ranked""")
    assert 0.65 <= share <= 0.90


def test_some_individuals_buy_a_second_vehicle(s_con):
    rate = one(s_con, """
        select avg((n >= 2)::int) from (
            select count(*) as n from sales join customers using (customer_id)
            where customer_type = 'individual' group by customer_id)""")
    assert 0.03 <= rate <= 0.30


def _by_quality_quartile(s_con):
    quality = dealer_quality("s", SEED)
    s_con.execute("create or replace temp table dq (dealer_id varchar, quality double)")
    s_con.executemany("insert into dq values (?, ?)", list(quality.items()))
    return {row[0]: row[1:] for row in s_con.execute("""
        with quartile as (select dealer_id, ntile(4) over (order by quality) as q from dq),
        owners as (select dealer_id, count(distinct customer_id) as n from sales group by 1),
        complaints_ as (select dealer_id, count(*) as k, median(date_diff('minute', dispatched_at, acknowledged_at)) as ack
                        from complaints group by 1),
        scores as (select dealer_id, sum(score) as total, count(*) as m from surveys group by 1),
        leads_ as (select dealer_id, count(*) filter (where outcome = 'won') as won, count(*) as n from leads group by 1)
        select q, sum(k) / sum(o.n), sum(total) / sum(m), sum(won) / sum(l.n), median(ack)
        from quartile join owners o using (dealer_id) join complaints_ using (dealer_id) join scores using (dealer_id)
        join leads_ l using (dealer_id) group by q""").fetchall()}


def test_worse_dealers_have_more_complaints_lower_scores_and_conversion(s_con):
    q = _by_quality_quartile(s_con)
    worst, best = q[1], q[4]
    complaint_rate, score, conversion, ack_minutes = range(4)
    assert worst[complaint_rate] > 1.3 * best[complaint_rate]
    assert worst[score] < best[score] - 0.5
    assert worst[conversion] < best[conversion]
    assert worst[ack_minutes] > best[ack_minutes]


def test_nps_and_service_retention_in_a_believable_range(s_con):
    nps = one(s_con, "select 100 * (avg((score >= 9)::int) - avg((score <= 6)::int)) from surveys")
    assert 20 <= nps <= 50
    retention = one(s_con, """
        with bought as (select customer_id, min(sold_on) as d from sales group by 1)
        select avg((exists (select 1 from service_visits v where v.customer_id = b.customer_id
                            and v.visited_on > b.d and v.visited_on <= b.d + 365))::int)
        from bought b where d <= $end - 365""", {"end": END_ON})
    assert 0.60 <= retention <= 0.85


def test_bad_experiences_drive_churn(s_con):
    # owners whose first service year brought a complaint come back less in the second year
    with_complaint, without = s_con.execute("""
        with bought as (select customer_id, min(sold_on) as d from sales join customers using (customer_id)
                        where customer_type = 'individual' group by 1 having min(sold_on) <= $end - 730),
        flagged as (
            select b.*, exists (select 1 from complaints k where k.customer_id = b.customer_id
                                and k.received_at::date between b.d and b.d + 365) as complained,
                   exists (select 1 from service_visits v where v.customer_id = b.customer_id
                           and v.visited_on between b.d and b.d + 365) as came_year_1,
                   exists (select 1 from service_visits v where v.customer_id = b.customer_id
                           and v.visited_on between b.d + 366 and b.d + 730) as came_year_2
            from bought b)
        select avg(came_year_2::int) filter (where complained), avg(came_year_2::int) filter (where not complained)
        from flagged where came_year_1""", {"end": END_ON}).fetchall()[0]
    assert with_complaint < without - 0.05


def test_lead_channels_convert_differently(s_con):
    conv = dict(s_con.execute("select source_channel, avg((outcome = 'won')::int) from leads group by 1").fetchall())
    assert min(conv["walk_in"], conv["auto_show"]) > max(conv["website"], conv["vertical_media"])
    assert one(s_con, "select count(*) from leads where campaign_id is not null") > 0


def _lifts(s_con):
    rows = s_con.execute("""
        select campaign_id,
               avg((responded_on is not null)::int) filter (where arm = 'treatment') as pt, count(*) filter (where arm = 'treatment') as nt,
               avg((responded_on is not null)::int) filter (where arm = 'control') as pc, count(*) filter (where arm = 'control') as nc
        from campaign_contacts group by 1 having count(*) filter (where arm = 'control') >= 30""").fetchall()
    out = {}
    for cid, pt, nt, pc, nc in rows:
        se = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
        out[cid] = (pt - pc, pt - pc - 1.96 * se, pt - pc + 1.96 * se)
    return out


def test_campaigns_differ_in_true_lift(s_con):
    lifts = _lifts(s_con)
    assert len(lifts) >= 20
    # several clear lifts (z >= 3: with ~40 campaigns and no true effect, even one would be rare) ...
    clear = [lift for lift, lo, hi in lifts.values() if lift >= 0.04 and lift / ((hi - lo) / 3.92) >= 3]
    assert len(clear) >= 3
    # ... and some campaigns whose treatment arm did no better than the control arm
    assert any(abs(lift) < 0.02 and lo < 0 < hi for lift, lo, hi in lifts.values())


def test_some_campaigns_pay_back_and_some_do_not(s_con):
    roi = [r for (r,) in s_con.execute("""
        select (coalesce(sum(s.revenue - s.cost), 0) - c.actual_cost) / c.actual_cost
        from campaigns c left join sales s using (campaign_id) group by c.campaign_id, c.actual_cost""").fetchall()]
    assert any(r > 0 for r in roi) and any(r < 0 for r in roi)


def test_monthly_units_dip_at_new_year_and_peak_at_year_end(s_con):
    units = dict(s_con.execute("""
        select year(sold_on) * 100 + month(sold_on), sum(quantity) from sales group by 1""").fetchall())
    # January-February against the previous November-December: the trend rises in between, so only
    # seasonality can make the new year lower
    for year in (2023, 2024, 2025, 2026):
        jan_feb = units[year * 100 + 1] + units[year * 100 + 2]
        nov_dec = units[(year - 1) * 100 + 11] + units[(year - 1) * 100 + 12]
        assert jan_feb < 0.85 * nov_dec, year
    # the smaller peaks, on individual sales (fleet orders are lumpy): March above April, September
    # above the mean of August and October, pooled over the complete years
    sales = dict(s_con.execute("""
        select month(sold_on), count(*) from sales join customers using (customer_id)
        where customer_type = 'individual' and year(sold_on) between 2022 and 2025 group by 1""").fetchall())
    assert sales[3] > sales[4]
    assert sales[9] > (sales[8] + sales[10]) / 2


def test_units_grow_and_ev_share_rises(s_con):
    rows = dict(s_con.execute("""
        select year(sold_on), [sum(quantity), sum(quantity) filter (where category = '新能源') / sum(quantity)]
        from sales join products using (product_id) where year(sold_on) in (2022, 2025) group by 1""").fetchall())
    assert rows[2025][0] > rows[2022][0]
    assert rows[2025][1] > rows[2022][1] + 0.1


def test_regions_differ_in_size(s_con):
    units = dict(s_con.execute("select region, sum(quantity) from sales join dealers using (dealer_id) group by 1").fetchall())
    assert max(units, key=units.get) == "华东"
    assert units["华东"] > 3 * units["东北"]


def test_a_model_with_a_known_issue_draws_more_quality_complaints(s_con):
    rates = dict(s_con.execute("""
        with sold as (select product_id, count(*) as n from sales group by 1),
        quality as (select product_id, count(*) as k from complaints where category = '产品质量' group by 1)
        select product_id, coalesce(k, 0) / n from sold left join quality using (product_id)""").fetchall())
    others = sorted(v for p, v in rates.items() if p != "SUV-06")
    assert rates["SUV-06"] > 1.5 * others[len(others) // 2]
