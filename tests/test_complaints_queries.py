"""The complaints datasets against independent Polars computations on the s mart, for several slices and as-of
dates, and against the overview's and the scorecard's own figures for the same filters."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import polars as pl
import pytest

from queries import runner
from queries.filters import Filters
from tests.independent import complaints as independent


@pytest.fixture(scope="module")
def data_as_of(mart):
    return runner.run(mart, "mart_info")["as_of_on"][0]


def close(a, b, rel=1e-9, abs_=1e-6) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (b is None or (isinstance(b, float) and math.isnan(b)))
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def views(tables, data_as_of) -> dict[str, tuple[Filters, date]]:
    """Filter and as-of combinations a person would use, each with figures that can differ (checked below)."""
    year = Filters(start_on=data_as_of - timedelta(days=364), end_on=data_as_of)
    dealers = tables["dealers"].sort("dealer_id")
    region = dealers["region"][0]
    busiest = tables["complaints"].group_by("dealer_id").len().sort(["len", "dealer_id"], descending=True)["dealer_id"][0]
    product = tables["products"].sort("product_id")["product_id"][0]
    mid_year = data_as_of - timedelta(days=150)
    return {
        "now": (year, data_as_of),
        "region": (replace(year, region=region), data_as_of),
        "dealer": (replace(year, dealer_id=str(busiest)), data_as_of),
        "product_fleet": (replace(year, product_ids=(product,), customer_types=("fleet",)), data_as_of),
        "channel": (replace(year, channels=("walk_in", "wechat")), data_as_of),
        # A past as-of date inside the period: later timestamps have not happened yet.
        "as_of_mid_period": (year, mid_year),
        # A short period (weekly trend) a year back, read as of a day inside it.
        "quarter_last_year": (Filters(date(data_as_of.year - 1, 4, 1), date(data_as_of.year - 1, 6, 30)), date(data_as_of.year - 1, 6, 15)),
    }


VIEWS = ["now", "region", "dealer", "product_fleet", "channel", "as_of_mid_period", "quarter_last_year"]


@pytest.mark.parametrize("view", VIEWS)
def test_summary_status_severity_and_age_match_polars(view, tables, mart, data_as_of):
    f, as_of = views(tables, data_as_of)[view]
    got = runner.run(mart, "complaint_summary", f, as_of=as_of).row(0, named=True)
    for key, value in independent.summary(tables, f, as_of).items():
        assert close(got[key], value), f"{view}: {key} = {got[key]}, Polars says {value}"

    status = {r["status"]: r for r in runner.run(mart, "complaint_status", f, as_of=as_of).iter_rows(named=True)}
    assert list(status) == independent.OPEN_STATUSES + ["closed"]
    for name, want in independent.status_counts(tables, f, as_of).items():
        for key, value in want.items():
            assert status[name][key] == value, f"{view}: {name} {key}"
    assert sum(r["count_complaints"] for r in status.values() if r["is_open"]) == got["complaint_backlog"]

    sla = {r["severity"]: r for r in runner.run(mart, "complaint_sla_by_severity", f, as_of=as_of).iter_rows(named=True)}
    for severity, want in independent.sla_by_severity(tables, f, as_of).items():
        for key, value in want.items():
            assert close(sla[severity][key], value), f"{view}: {severity} {key} = {sla[severity][key]} vs {value}"

    ages = runner.run(mart, "complaint_backlog_age", f, as_of=as_of)
    want_ages = independent.backlog_age(tables, f, as_of)
    assert ages["age_bucket"].to_list() == list(want_ages)
    for row in ages.iter_rows(named=True):
        for key, value in want_ages[row["age_bucket"]].items():
            assert row[key] == value, f"{view}: {row['age_bucket']} {key}"
    assert ages["complaint_backlog"].sum() == got["complaint_backlog"]


@pytest.mark.parametrize("view", ["now", "region", "as_of_mid_period", "quarter_last_year"])
def test_backlog_over_time_matches_polars(view, tables, mart, data_as_of):
    f, as_of = views(tables, data_as_of)[view]
    got = runner.run(mart, "complaint_status_trend", f, as_of=as_of)
    days = independent.trend_days(f, as_of)
    assert got["on_date"].unique(maintain_order=True).to_list() == days
    want = independent.status_trend(tables, f, as_of)
    for row in got.iter_rows(named=True):
        assert row["count_open"] == want.get((row["on_date"], row["status"]), 0), f"{view}: {row}"
    # The last point is the backlog the tiles show.
    last = got.filter(pl.col("on_date") == days[-1])["count_open"].sum()
    assert last == independent.summary(tables, f, as_of)["complaint_backlog"]


@pytest.mark.parametrize("view", ["now", "region", "dealer", "as_of_mid_period"])
def test_step_times_and_their_trend_match_polars(view, tables, mart, data_as_of):
    f, as_of = views(tables, data_as_of)[view]
    got = runner.run(mart, "complaint_step_times", f, as_of=as_of)
    want = independent.step_times(tables, f, as_of)
    keys = {(r["level"], r["region"], r["dealer_id"], r["step_order"]) for r in got.iter_rows(named=True)}
    assert keys == set(want), f"{view}: areas differ"
    for row in got.iter_rows(named=True):
        w = want[(row["level"], row["region"], row["dealer_id"], row["step_order"])]
        for key, value in w.items():
            assert close(row[key], value), f"{view}: {row['level']} {row['region']} {row['dealer_id']} step {row['step_order']} {key}"

    trend = runner.run(mart, "complaint_step_trend", f, as_of=as_of)
    want_trend = independent.step_trend(tables, f, as_of)
    assert {(r["month"], r["step_order"]) for r in trend.iter_rows(named=True)} == set(want_trend)
    for row in trend.iter_rows(named=True):
        for key, value in want_trend[(row["month"], row["step_order"])].items():
            assert close(row[key], value), f"{view}: {row['month']} step {row['step_order']} {key}"


@pytest.mark.parametrize("view", ["now", "region", "product_fleet", "as_of_mid_period"])
def test_categories_and_dealers_match_polars(view, tables, mart, data_as_of):
    f, as_of = views(tables, data_as_of)[view]
    got = runner.run(mart, "complaint_categories", f, as_of=as_of)
    want = independent.categories(tables, f, as_of)
    assert {(r["level"], None if r["level"] == "month" else r["category"], r["month"]) for r in got.iter_rows(named=True)} == set(want)
    for row in got.iter_rows(named=True):
        w = want[(row["level"], None if row["level"] == "month" else row["category"], row["month"])]
        for key, value in w.items():
            assert close(row[key], value), f"{view}: {row['level']} {row['category']} {row['month']} {key}"

    dealers = runner.run(mart, "complaint_dealers", f, as_of=as_of)
    want_dealers = independent.dealers(tables, f, as_of)
    assert {(r["level"], r["region"], r["dealer_id"]) for r in dealers.iter_rows(named=True)} == set(want_dealers)
    for row in dealers.iter_rows(named=True):
        for key, value in want_dealers[(row["level"], row["region"], row["dealer_id"])].items():
            assert close(row[key], value), f"{view}: {row['level']} {row['region']} {row['dealer_id']} {key}"


@pytest.mark.parametrize("list_by", ["status", "age_bucket", "severity", "category", "region", "dealer"])
def test_the_list_behind_a_bar_is_exactly_its_complaints(list_by, tables, mart, data_as_of):
    f, as_of = views(tables, data_as_of)["as_of_mid_period"]
    k = independent.as_it_stood(tables, f, as_of)
    value = {
        "status": "acknowledged",
        "age_bucket": "over 4 weeks",
        "severity": "critical",
        "category": "费用结算",   # billing
        "region": tables["dealers"].sort("dealer_id")["region"][0],
        "dealer": str(k.filter(pl.col("is_in_period"))["dealer_id"].mode().sort()[0]),
    }[list_by]
    got = runner.run(mart, "complaint_list", f, as_of=as_of, list_by=list_by, list_value=value)
    want = independent.listed(tables, f, as_of, list_by, value)
    assert want.height > 0, f"{list_by}={value} lists nothing on the s mart: pick a value with complaints"
    assert got["count_matching"][0] == want.height
    assert got["complaint_id"].to_list() == want["complaint_id"].to_list()[:500]
    first = got.row(0, named=True)
    expected = want.row(0, named=True)
    for key in ("status", "is_past_due", "dispatched_at", "acknowledged_at", "resolved_at", "closed_at", "callback_score"):
        assert first[key] == expected[key], key


def test_the_status_bars_add_up_to_their_lists(tables, mart, data_as_of):
    f, as_of = views(tables, data_as_of)["now"]
    status = runner.run(mart, "complaint_status", f, as_of=as_of)
    for row in status.filter(pl.col("count_complaints") > 0).iter_rows(named=True):
        listed = runner.run(mart, "complaint_list", f, as_of=as_of, list_by="status", list_value=row["status"])
        want = row["count_complaints"] if row["is_open"] else row["count_in_period"]
        assert listed["count_matching"][0] == want, row["status"]


@pytest.mark.parametrize("view", ["now", "region", "dealer", "product_fleet", "quarter_last_year"])
def test_backlog_and_sla_equal_the_overviews_for_the_same_filters(view, tables, mart, data_as_of):
    """The overview's tiles read the period's end; the page reads the earlier of that and its as-of date, so with
    the default as-of date (the data's) or any later one the two agree."""
    f, _ = views(tables, data_as_of)[view]
    overview = runner.run(mart, "kpi_summary", f).row(0, named=True)
    for as_of in {data_as_of, f.end_on}:
        page = runner.run(mart, "complaint_summary", f, as_of=as_of).row(0, named=True)
        for key in ("complaint_backlog", "sla_compliance", "count_sla_complaints"):
            assert close(page[key], overview[key]), f"{view} as of {as_of}: {key} {page[key]} vs overview {overview[key]}"


def test_complaints_per_100_customers_and_sla_equal_the_scorecards(tables, mart, data_as_of):
    f, as_of = views(tables, data_as_of)["region"]
    card = runner.run(mart, "dealer_scorecard", f)
    page = runner.run(mart, "complaint_dealers", f, as_of=as_of)
    for level in ("dealer", "region", "national"):
        a = card.filter(pl.col("level") == level).sort("dealer_id", "region")
        b = page.filter(pl.col("level") == level).sort("dealer_id", "region")
        assert a["dealer_id"].to_list() == b["dealer_id"].to_list()
        for x, y in zip(a["complaints_per_100_customers"], b["complaints_per_100_customers"]):
            assert close(x, y), level


def test_a_past_as_of_date_does_not_see_later_events(tables, mart, data_as_of):
    """Guards the as-of rule: a complaint resolved and closed after the as-of moment is open then, with no
    callback score yet, and a complaint received after it does not exist yet."""
    k = tables["complaints"].drop_nulls("closed_at").sort("complaint_id")
    c = k.filter(pl.col("received_at").dt.date() < pl.col("closed_at").dt.date() - timedelta(days=3)).row(0, named=True)
    as_of = c["received_at"].date()
    f = Filters(start_on=as_of - timedelta(days=30), end_on=data_as_of)
    rows = runner.run(mart, "complaint_list", f, as_of=as_of, list_by="dealer", list_value=str(c["dealer_id"]))
    row = rows.filter(pl.col("complaint_id") == c["complaint_id"]).row(0, named=True)
    assert row["closed_at"] is None and row["callback_score"] is None and row["status"] != "closed"
    assert rows["received_at"].max() < c["received_at"].replace(hour=0, minute=0, second=0) + timedelta(days=1)
    later = runner.run(mart, "complaint_list", f, as_of=data_as_of, list_by="dealer", list_value=str(c["dealer_id"]))
    assert later.filter(pl.col("complaint_id") == c["complaint_id"])["status"][0] == "closed"


def test_views_are_not_trivially_empty(tables, mart, data_as_of):
    """Guards the comparisons above: the s mart gives every view real, differing numbers."""
    seen = set()
    for name, (f, as_of) in views(tables, data_as_of).items():
        got = runner.run(mart, "complaint_summary", f, as_of=as_of).row(0, named=True)
        assert got["complaints_received"] > 0 and got["complaint_backlog"] > 0, name
        seen.add((got["complaints_received"], got["complaint_backlog"]))
    assert len(seen) == len(VIEWS)
    now = independent.summary(tables, *views(tables, data_as_of)["now"])
    assert now["complaints_past_due"] > 0 and 0 < now["sla_compliance"] < 1 and now["reopen_rate"] > 0


def test_nothing_in_scope_gives_zeros_not_errors(mart, data_as_of):
    nothing = Filters(start_on=date(1990, 1, 1), end_on=date(1990, 12, 31))
    got = runner.run(mart, "complaint_summary", nothing, as_of=data_as_of).row(0, named=True)
    assert got["complaint_backlog"] == 0 and got["complaints_received"] == 0 and got["sla_compliance"] is None
    for name in ("complaint_step_times", "complaint_step_trend", "complaint_categories"):
        assert runner.run(mart, name, nothing, as_of=data_as_of).is_empty(), name
    assert runner.run(mart, "complaint_status_trend", nothing, as_of=data_as_of)["count_open"].sum() == 0
    assert runner.run(mart, "complaint_backlog_age", nothing, as_of=data_as_of)["complaint_backlog"].sum() == 0
    assert runner.run(mart, "complaint_list", nothing, as_of=data_as_of, list_by="status", list_value="received").is_empty()
