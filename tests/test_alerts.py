"""Anomaly flags (issue 15): the statistics on their own (an injected spike is flagged, pure noise is flagged no more
often than stated, Benjamini-Hochberg by hand and against statsmodels), the datasets against independent Polars, one
spike injected into a copy of the mart found end to end (and marked on the overview's tile), a regional manager's
alerts, and the page under AppTest."""
from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests

from analytics import alerts as stats
from analytics import forecast
from dashboard import alerts
from mart.build import build_preaggregates
from queries import runner
from queries.access import SYSTEM, Access
from queries.filters import Filters
from tests.apptest import open_app
from tests.independent import alerts as independent

PAGE = "views/alerts.py"
SPIKE = 40  # open complaints added to one dealer in the checked month


@pytest.fixture(scope="module")
def year(as_of) -> Filters:
    return Filters(start_on=as_of - timedelta(days=364), end_on=as_of)


def loader(mart, access=SYSTEM):
    return lambda name, f, **extra: runner.run(mart, name, f, access=access, **extra)


def monthly_complaints(tables, dealer_id: str, last: date) -> list[float]:
    """A dealer's complaints received per month up to `last`, from its opening month, in plain Polars."""
    k = tables["complaints"].filter(pl.col("dealer_id") == dealer_id)
    counts = dict(k.group_by(pl.col("received_at").dt.truncate("1mo").cast(pl.Date).alias("m")).len().iter_rows())
    opened = tables["dealers"].filter(pl.col("dealer_id") == dealer_id)["opened_on"][0]
    month, out = max(forecast.add_months(last, -alerts.HISTORY_MONTHS), opened.replace(day=1)), []
    while month <= last:
        out.append(float(counts.get(month, 0)))
        month = forecast.add_months(month, 1)
    return out


# ---- the statistics ----
def test_a_spike_in_a_dealers_complaints_is_outside_its_forecast_interval_and_its_neighbour_is_not(tables, as_of):
    month = alerts.checked_month(as_of)
    dealers = tables["dealers"].filter(pl.col("region") == "华东").sort("dealer_id")["dealer_id"].to_list()
    spiked, neighbour = dealers[0], dealers[1]
    series = monthly_complaints(tables, spiked, month)
    check = stats.interval_check(series[:-1], series[-1] + 10)
    assert check.p_value < 1e-4 and check.actual > check.upper and check.direction == "up"
    # the neighbour's own month, as it happened
    plain = monthly_complaints(tables, neighbour, month)
    assert stats.interval_check(plain[:-1], plain[-1]).p_value > 0.05
    # the interval is forecast.py's seasonal-naive forecast with Student-t bounds of the same spread
    fit = forecast.fit(forecast.SEASONAL_NAIVE, series[:-1])
    df = len(series) - 1 - forecast.SEASON
    assert check.expected == pytest.approx(series[-1 - forecast.SEASON])
    assert check.upper - check.expected == pytest.approx(scipy_stats.t.ppf(0.975, df) * fit.sigma)


def test_pure_noise_is_flagged_no_more_often_than_stated():
    """1,000 series of noise (normal, and Poisson counts) of four years and a month: the checked month is outside the
    95% interval (p < 0.05) of at most 5% of them, within a binomial tolerance (the 99.9% quantile of Binomial(1000,
    0.05)); after Benjamini-Hochberg over the 1,000 none is flagged (under the null, a flag at all has probability
    at most 5%)."""
    rng = np.random.default_rng(15)
    tolerance = scipy_stats.binom.ppf(0.999, 1000, 0.05) / 1000
    for noise in (rng.normal(100, 10, size=(1000, 49)), rng.poisson(20, size=(1000, 49)).astype(float)):
        p = np.array([stats.interval_check(y[:-1], y[-1]).p_value for y in noise])
        assert (p < 0.05).mean() <= tolerance
        assert (p < 0.05).mean() >= 0.02   # not a check that never fires
        assert (stats.bh_q_values(p) <= stats.Q).sum() == 0


def test_benjamini_hochberg_by_hand_and_against_statsmodels():
    # p sorted: 0.005, 0.01, 0.03, 0.04 -> x m / rank: 0.02, 0.02, 0.04, 0.04 -> running minimum from the top
    assert stats.bh_q_values([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # a larger p-value can lift a smaller one's q: 0.02 x 3 / 2 = 0.03 > 0.021 x 3 / 3 = 0.021
    assert stats.bh_q_values([0.02, 0.021, 0.9]) == pytest.approx([0.0315, 0.0315, 0.9])
    p = np.random.default_rng(3).beta(0.3, 1.0, size=400)
    reject, q, *_ = multipletests(p, alpha=stats.Q, method="fdr_bh")
    assert stats.bh_q_values(p) == pytest.approx(q)
    assert ((stats.bh_q_values(p) <= stats.Q) == reject).all()


def test_funnel_p_values_agree_with_the_funnel_limits():
    """A dealer is outside the exact binomial 95% limits of analytics/funnel_limits exactly when p < 0.05."""
    for n, p0 in ((40, 0.35), (400, 0.35), (1500, 0.12)):
        for x in range(0, n + 1, max(1, n // 200)):
            check = stats.binomial_check(x, n, p0)
            outside = not (check.lower <= check.actual <= check.upper)
            assert outside == (check.p_value < 0.05), (n, p0, x, check)
    # Poisson: the limits are the 2.5% and 97.5% quantiles of the expected count
    check = stats.poisson_check(12, 200, 2.0)   # 4 complaints expected from 200 customers at 2 per 100
    assert check.expected == 2.0 and check.actual == 6.0
    assert check.p_value == pytest.approx(2 * scipy_stats.poisson.sf(11, 4.0))
    assert check.upper == pytest.approx(scipy_stats.poisson.isf(0.025, 4.0) / 2)


def test_checked_month_is_the_last_complete_one():
    assert alerts.checked_month(date(2026, 11, 30)) == date(2026, 11, 1)
    assert alerts.checked_month(date(2026, 11, 29)) == date(2026, 10, 1)
    assert alerts.checked_month(date(2024, 2, 29)) == date(2024, 2, 1)
    assert alerts.checked_month(date(2026, 1, 15)) == date(2025, 12, 1)


# ---- the datasets against independent Polars ----
@pytest.mark.parametrize("region", [None, "华南"])
def test_the_datasets_equal_an_independent_computation(mart, tables, year, region):
    f = replace(year, region=region)
    rates = runner.run(mart, "alert_dealer_rates", f)
    want = independent.dealer_rates(tables, f)
    assert sorted(rates["dealer_id"].to_list()) == sorted(want)
    for r in rates.iter_rows(named=True):
        assert {k: r[k] for k in want[r["dealer_id"]]} == want[r["dealer_id"]], r["dealer_id"]

    sf = alerts.series_filters(f)
    got = runner.run(mart, "alert_series", sf)
    expected = independent.series(tables, sf)
    columns = ["units", "sales_revenue", "complaints_received", "complaint_backlog", "count_promoters",
               "count_detractors", "count_nps_responses", "count_leads_won", "count_leads_closed"]
    seen = set()
    for r in got.iter_rows(named=True):
        w = expected.get((r["dealer_id"], r["month"]), {})
        for c in columns:
            assert r[c] == pytest.approx(w.get(c, 0)), (r["dealer_id"], r["month"], c)
        seen.add((r["dealer_id"], r["month"]))
    assert set(expected) <= seen
    assert got.select(pl.col("month").n_unique()).item() == alerts.HISTORY_MONTHS + 1


# ---- end to end: a spike planted in a copy of the mart ----
@pytest.fixture(scope="module")
def spiked(s_mart, tmp_path_factory, as_of):
    """A copy of the s mart with SPIKE more complaints, all still open, at the first 华东 dealer in the checked month."""
    path = tmp_path_factory.mktemp("spiked") / "mart.duckdb"
    shutil.copy(s_mart, path)
    con = duckdb.connect(str(path))
    dealer = con.execute("select min(dealer_id) from dealers where region = '华东'").fetchone()[0]
    month = alerts.checked_month(as_of)
    received = "$month::timestamp + to_hours(24 * (r.i % 25) + 10)"
    for table in ("complaints", "complaints_in_context"):
        due = f", {received} + to_hours(c.resolve_within_hours) as due_at" if table == "complaints_in_context" else ""
        con.execute(f"""
            insert into {table}
            select c.* replace ('SPIKE' || lpad(r.i::varchar, 4, '0') as complaint_id, {received} as received_at,
                                null as dispatched_at, null as acknowledged_at, null as resolved_at, null as closed_at,
                                0 as reopen_count, null as callback_score{due})
            from (select * from {table} where dealer_id = $dealer order by complaint_id limit 1) c,
                 range({SPIKE}) as r(i)
        """, {"month": month, "dealer": dealer})
    build_preaggregates(con)   # the pre-aggregations sum the facts: they must see the planted ones too
    con.close()
    return path, dealer


def test_a_planted_spike_is_flagged_end_to_end_and_the_neighbour_is_not(spiked, year):
    path, dealer = spiked
    m = runner.connect(path)
    try:
        found = alerts.current_alerts(SYSTEM, year, load=loader(m))
        flagged = set(alerts.flagged_kpis(SYSTEM, year, load=loader(m)))
        rates = runner.run(m, "alert_dealer_rates", year)
    finally:
        m.close()
    mine = found.filter(pl.col("dealer_id") == dealer)
    per_100 = mine.filter(pl.col("kpi") == "complaints_per_100_customers").row(0, named=True)
    assert per_100["direction"] == "up" and per_100["bad"] and per_100["q_value"] <= alerts.Q
    assert per_100["link"].startswith("complaints?") and f"%28%23{dealer}%29" in per_100["link"]  # "name (#id)"
    # the dealers next door (same province) are not flagged on complaints, though their region's rate rose
    province = rates.filter(pl.col("dealer_id") == dealer)["province"][0]
    neighbours = rates.filter((pl.col("province") == province) & (pl.col("dealer_id") != dealer))["dealer_id"]
    assert neighbours.len() >= 2
    assert found.filter(pl.col("dealer_id").is_in(neighbours.implode())
                        & pl.col("kpi").is_in(["complaints_per_100_customers", "complaints_received"])).is_empty()
    # 40 open complaints more at the month's end: the scope's backlog series is flagged, so its tile is marked
    assert "complaint_backlog" in flagged
    assert found.filter((pl.col("level") == "network") & (pl.col("kpi") == "complaint_backlog"))["bad"].to_list() == [True]
    # worst first: bad moves first, then by q-value
    assert found["bad"].to_list() == sorted(found["bad"].to_list(), reverse=True)
    bad_q = found.filter(pl.col("bad"))["q_value"].to_list()
    assert bad_q == sorted(bad_q)


def test_the_overview_marks_the_flagged_tile(spiked, monkeypatch):
    monkeypatch.setenv("CRM_MART", str(spiked[0]))
    at = open_app("views/overview.py")
    labels = [m.label for m in at.metric]
    assert "⚠ Complaint backlog" in labels
    assert "Units sold" in labels  # an unflagged tile carries no marker


# ---- scope ----
def test_a_regional_manager_sees_only_their_regions_alerts(mart, year):
    manager = Access("south@example.com", "regional_manager", regions=("华南",))
    tests = alerts.all_tests(manager, year, load=loader(mart, manager))
    assert set(tests["region"].drop_nulls().to_list()) == {"华南"}
    south = set(runner.run(mart, "filter_dealers").filter(pl.col("region") == "华南")["dealer_id"].to_list())
    assert set(tests["dealer_id"].drop_nulls().to_list()) <= south
    assert tests.filter(pl.col("level") == "network")["name"].unique().to_list() == ["华南"]
    # a filter outside the region selects nothing
    assert alerts.all_tests(manager, replace(year, region="华东"), load=loader(mart, manager)).is_empty()


# ---- the page ----
def test_the_page_answers_first_in_english_and_chinese(app_env, mart, year):
    want = alerts.current_alerts(SYSTEM, year, load=loader(mart))
    assert want.height > 0
    at = open_app(PAGE)
    assert [t.value for t in at.title] == ["Alerts"]
    head = at.markdown[0].value
    assert head.startswith(f"#### {want.height} flags in your scope ({int(want['bad'].sum())} the bad way); the worst: ")
    assert "Nov 2026" in at.caption[1].value and "Benjamini-Hochberg" in at.caption[1].value
    links = [m.value for m in at.markdown if "[Open " in m.value]
    assert len(links) == want.height   # the worst five in full, the rest inside an expander
    assert links[0].endswith("(" + want["link"][0] + ")")
    zh = open_app(PAGE, lang="zh")
    assert [t.value for t in zh.title] == ["异常提醒"]
    assert zh.markdown[0].value.startswith(f"#### 您的范围内有 {want.height} 条异常提醒")


def test_the_flags_after_the_worst_five_come_a_page_at_a_time_and_every_one_is_reachable(app_env, mart, year,
                                                                                        monkeypatch):
    """A region of 800 dealers had 700 flags, every card sent with each filter change: past the worst five, the
    flags come FLAGS_PER_PAGE at a time, in order, with how many there are; another view starts again at page 1."""
    monkeypatch.setattr(alerts, "FLAGS_PER_PAGE", 4)
    want = alerts.current_alerts(SYSTEM, year, load=loader(mart))
    rest = want.height - 5
    pages = -(-rest // 4)
    assert pages >= 3   # the s mart's 20 flags: 5 in full, then 4 pages

    def links(at) -> list[str]:
        return [m.value for m in at.markdown if "[Open " in m.value]

    at = open_app(PAGE)
    assert len(links(at)) == 5 + 4
    assert f"Flags 6 to 9 of {want.height}, worst first; 4 to a page." in [c.value for c in at.caption]
    seen = links(at)[5:]
    for number in range(2, pages + 1):
        at.pagination[0].set_value(number).run()
        assert not at.exception
        assert len(links(at)) == 5 + min(4, rest - 4 * (number - 1))
        seen += links(at)[5:]
    assert len(seen) == rest
    assert [s.split("](")[1] for s in seen] == [link + ")" for link in want["link"].to_list()[5:]]

    # a filter change: the new view's flags from their worst, on page 1
    region = want.filter(pl.col("region").is_not_null())["region"].value_counts(sort=True)["region"][0]
    at.selectbox(key="region").select(region).run()
    assert not at.exception
    flags = alerts.current_alerts(SYSTEM, replace(year, region=region), load=loader(mart))
    assert flags.height > 5 + 4
    assert [s.split("](")[1] for s in links(at)] == [link + ")" for link in flags["link"].to_list()[:9]]
    assert at.pagination[0].value == 1


def test_the_tables_send_at_most_the_cap_and_the_downloads_hold_every_check(app_env, mart, year, monkeypatch):
    """Every check of the page's view goes into its downloads; the browser gets the first components.ROW_LIMIT rows
    of each table (flags first) and a line saying how many there are."""
    from dashboard import components
    from tests.apptest import downloaded, expander, recording_downloads

    monkeypatch.setattr(components, "ROW_LIMIT", 50)
    files = recording_downloads(monkeypatch)
    tests = alerts.all_tests(SYSTEM, year, load=loader(mart))
    series, rates = tests.filter(pl.col("month").is_not_null()), tests.filter(pl.col("month").is_null())
    assert series.height > 50 and rates.height > 50
    at = open_app(PAGE)
    assert all(len(d.value) <= 50 for d in at.dataframe)

    for title, want in (("Monthly series checked", series), ("Dealer rates checked", rates)):
        part = expander(at, f"Rows and SQL: {title}")
        assert part.caption[0].value == (f"The first 50 of {want.height:,} rows are shown; the CSV and Excel "
                                         f"downloads hold all {want.height:,}.")
        shown = part.dataframe[0].value
        assert len(shown) == 50
        assert shown["p_value"].tolist() == pytest.approx(want["p_value"].head(50).to_list())   # the flags lead
        name = title.lower().replace(" ", "_")
        for file_name in (f"{name}.csv", f"{name}_rows.csv", f"{name}.xlsx"):
            rows = downloaded(files, file_name)
            assert rows.height == want.height, file_name
            q_values = rows["q-value (Benjamini-Hochberg)"].cast(pl.Float64).to_list()
            assert q_values == pytest.approx(want["q_value"].to_list()), file_name

    # the analysts' table of every check in words: the first 50, the flags among them, and where the rest are
    table = expander(at, "How this is worked out").dataframe[0].value
    assert len(table) == 50
    assert (table["alert_verdict"] != "within chance").sum() == int(tests["flagged"].head(50).sum())
    assert (f"The first 50 of {tests.height:,} checks are shown, flags first; the downloads under “Rows and SQL” "
            "below hold every check.") in [c.value for c in at.caption]


def test_a_dealer_that_opened_after_the_months_asked_for_has_no_series_and_breaks_nothing():
    """A past period can end before a dealer opened: its rows (all zero) are dropped, not read as an empty series
    (the overview crashed on it when a period a year back was chosen)."""
    from datetime import date

    import polars as pl

    from dashboard import alerts

    months = [date(2025, m, 1) for m in range(1, 13)]
    rows = pl.DataFrame({
        "dealer_id": ["D1"] * 12 + ["D2"] * 12, "dealer_name": ["One"] * 12 + ["Two"] * 12,
        "region": ["East"] * 24, "opened_on": [date(2010, 1, 1)] * 12 + [date(2026, 3, 1)] * 12,
        "month": months * 2, **{c: [1] * 24 for c in alerts.SUMMED},
    })
    units = alerts.series_units(rows)
    assert [(u["level"], u["dealer_id"]) for u, _ in units] == [("network", None), ("dealer", "D1")]
