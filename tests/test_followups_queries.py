"""The follow-up calls datasets against independent Polars computations on the s mart (tests/independent/followups.py)
for several slices; the funnel limits against scipy's binomial quantiles; the demo's planted structure found (the
slowest-calling dealers reach the fewest customers, and the dealers the page flags are those scipy flags); scope."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import polars as pl
import pytest
from scipy.stats import binom

from analytics import funnel_limits as fl
from dashboard import followups as fu
from queries import runner
from queries.access import Access
from queries.filters import Filters
from tests.independent import followups as independent

MEASURES = ["count_attempts", "count_answered", "response_rate", "nps", "count_nps_responses", "call_csat", "count_csat",
            "days_to_first_call", "count_first_calls"]


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def views(tables, as_of) -> dict[str, Filters]:
    year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    dealers = tables["dealers"].sort("dealer_id")
    busiest = tables["followup_calls"].drop_nulls("dealer_id").group_by("dealer_id").len().sort(
        ["len", "dealer_id"], descending=[True, False])["dealer_id"][0]
    product = tables["products"].sort("product_id")["product_id"][0]
    return {
        "year": year,
        "region": replace(year, region=dealers["region"][0]),
        "dealer": replace(year, dealer_id=busiest),
        "product_fleet": replace(year, product_ids=(product,), customer_types=("fleet",)),
        "channel": replace(year, channels=("walk_in", "wechat")),
        "quarter_last_year": Filters(date(as_of.year - 1, 4, 1), date(as_of.year - 1, 6, 30)),
    }


def assert_measures(got: dict, want: dict, where: str) -> None:
    for key in MEASURES:
        assert close(got[key], want[key]), f"{where}: {key} = {got[key]}, Polars says {want[key]}"


@pytest.mark.parametrize("view", ["year", "region", "dealer", "product_fleet", "channel", "quarter_last_year"])
def test_by_call_type_matches_polars(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "followup_by_type", f)
    assert got["call_type"].to_list() == ["sales", "service", "complaint_callback", None]
    want = independent.by_type(tables, f)
    assert want[None]["count_attempts"] > 0, view
    for row in got.iter_rows(named=True):
        assert_measures(row, want[row["call_type"]], f"{view} {row['call_type']}")
        if row["call_type"] is not None:
            assert row["count_refused"] == want[row["call_type"]]["count_refused"]
            assert row["count_not_reached"] == want[row["call_type"]]["count_not_reached"]


@pytest.mark.parametrize("view", ["year", "region", "product_fleet"])
def test_monthly_trend_matches_polars(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "followup_monthly", f)
    want = independent.monthly(tables, f)
    assert {(r["month"], r["call_type"]) for r in got.iter_rows(named=True)} == set(want), view
    for row in got.iter_rows(named=True):
        assert_measures(row, want[(row["month"], row["call_type"])], f"{view} {row['month']} {row['call_type']}")


@pytest.mark.parametrize(("view", "call_type"), [("year", "all"), ("region", "all"), ("region", "sales"),
                                                 ("channel", "complaint_callback"), ("dealer", "service")])
def test_dealers_regions_and_the_nation_match_polars(view, call_type, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "followup_areas", f, call_type=call_type)
    want = independent.areas(tables, f, call_type)
    assert {(r["level"], r["region"], r["dealer_id"]) for r in got.iter_rows(named=True)} == set(want), view
    for row in got.iter_rows(named=True):
        assert_measures(row, want[(row["level"], row["region"], row["dealer_id"])],
                        f"{view} {call_type} {row['level']} {row['region']} {row['dealer_id']}")


def test_the_calls_of_a_dealer_are_exactly_its_calls(tables, mart, as_of):
    f = views(tables, as_of)["region"]
    dealer = tables["dealers"].filter(pl.col("region") == f.region).sort("dealer_id")["dealer_id"][0]
    got = runner.run(mart, "followup_call_list", f, list_dealer_id=dealer)
    want = independent.call_list(tables, f, dealer)
    assert got["count_matching"][0] == want.height > 0
    want = want.head(500)
    assert got["call_id"].to_list() == want["call_id"].to_list()
    assert got["customer_id"].to_list() == want["customer_id"].to_list()
    assert got["days_after_event"].to_list() == want["days_after_event"].to_list()
    assert got["call_outcome"].to_list() == want["outcome"].to_list()
    assert got["survey_score"].to_list() == want["score"].to_list()
    # Another region's dealer has no calls in this region's view.
    other = tables["dealers"].filter(pl.col("region") != f.region)["dealer_id"][0]
    assert runner.run(mart, "followup_call_list", f, list_dealer_id=other).is_empty()


# ---- the funnel limits ----

@pytest.mark.parametrize("p", [0.03, 0.2, 0.37, 0.5, 0.71, 0.97])
def test_funnel_limits_are_scipys_binomial_quantiles(p):
    sizes = list(range(1, 150)) + [200, 333, 500, 1000, 2500, 10_000, 40_000]
    for coverage in fl.COVERAGES:
        lim = fl.limits(sizes, p, coverage)
        q = (1 - coverage) / 2
        assert lim.lower_count.tolist() == binom.ppf(q, lim.n, p).astype(int).tolist(), (p, coverage)
        assert lim.upper_count.tolist() == binom.ppf(1 - q, lim.n, p).astype(int).tolist(), (p, coverage)
    # and they are what they claim: at most (1 - coverage) / 2 of the mass outside each side
    for n in (20, 500):
        low, high = fl.quantile_counts(n, p, fl.ALARM)
        assert binom.cdf(low - 1, n, p) <= 0.001 + 1e-12 and binom.sf(high, n, p) <= 0.001 + 1e-12


def test_a_small_dealer_as_far_below_as_a_big_one_is_not_flagged():
    p = 0.4
    assert fl.verdict(6, 25, p, fl.ALARM) == fl.WITHIN            # 24% of 25: noise
    assert fl.verdict(240, 1000, p, fl.ALARM) == fl.BELOW         # 24% of 1,000: not noise
    assert fl.verdict(520, 1000, p, fl.ALARM) == fl.ABOVE


def test_the_page_flags_the_dealers_scipy_flags(tables, mart, as_of):
    f = views(tables, as_of)["year"]
    areas = runner.run(mart, "followup_areas", f, call_type="all")
    p = areas.filter(pl.col("level") == "national")["response_rate"][0]
    judged = fu.funnel_verdicts(areas, p)
    for row in judged.iter_rows(named=True):
        alarm = independent.scipy_verdict(row["count_answered"], row["count_attempts"], p, 0.998)
        warning = independent.scipy_verdict(row["count_answered"], row["count_attempts"], p, 0.95)
        want = ("clearly fewer" if alarm == "below" else "clearly more" if alarm == "above"
                else "possibly fewer" if warning == "below" else "possibly more" if warning == "above" else "within")
        assert row["funnel_verdict"] == want, row["dealer_id"]
    fewer = judged.filter(pl.col("funnel_verdict") == fu.CLEARLY_FEWER)
    assert 0 < fewer.height < judged.height / 3
    # worst first: the clearly-fewer dealers lead the list, lowest rate first
    assert judged["funnel_verdict"].head(fewer.height).to_list() == [fu.CLEARLY_FEWER] * fewer.height
    assert fewer["response_rate"].to_list() == sorted(fewer["response_rate"].to_list())


# ---- the planted structure ----

def test_the_slowest_calling_dealers_have_the_lowest_response_rates(tables, mart, as_of):
    f = views(tables, as_of)["year"]
    areas = runner.run(mart, "followup_areas", f, call_type="all")
    dealers = areas.filter((pl.col("level") == "dealer") & (pl.col("count_first_calls") >= 30))
    assert dealers.height >= 40
    rho = dealers.select(pl.corr("days_to_first_call", "response_rate", method="spearman")).item()
    assert rho < -0.4
    slowest = dealers.sort("days_to_first_call", descending=True).head(10)["response_rate"].mean()
    fastest = dealers.sort("days_to_first_call").head(10)["response_rate"].mean()
    assert slowest < fastest - 0.05
    # the dealers flagged for reaching clearly fewer call later than the network
    p = areas.filter(pl.col("level") == "national").row(0, named=True)
    fewer = fu.funnel_verdicts(areas, p["response_rate"]).filter(pl.col("funnel_verdict") == fu.CLEARLY_FEWER)
    assert fewer.height >= 2
    assert fu.weighted_days(fewer) > p["days_to_first_call"] + 0.5
    assert (fewer["days_to_first_call"] > p["days_to_first_call"]).all()


# ---- scope ----

def test_a_regional_managers_yardstick_is_all_their_dealers(tables, mart, as_of):
    f = views(tables, as_of)["year"]
    region = f.region or tables["dealers"].sort("dealer_id")["region"][0]
    manager = Access("rm@example.com", "regional_manager", regions=(region,))
    mine = runner.run(mart, "followup_areas", f, access=manager, call_type="all")
    assert set(mine["region"].drop_nulls()) == {region}
    national = mine.filter(pl.col("level") == "national").row(0, named=True)
    region_row = runner.run(mart, "followup_areas", replace(f, region=region), call_type="all").filter(
        pl.col("level") == "region").row(0, named=True)
    for key in MEASURES:
        assert close(national[key], region_row[key]), key
    theirs = set(tables["dealers"].filter(pl.col("region") == region)["dealer_id"])
    other = tables["dealers"].filter(pl.col("region") != region)["dealer_id"][0]
    assert runner.run(mart, "followup_call_list", f, access=manager, list_dealer_id=other).is_empty()
    by_type = runner.run(mart, "followup_by_type", f, access=manager)
    assert close(by_type.filter(pl.col("is_total"))["count_attempts"][0], national["count_attempts"])
    assert theirs >= set(mine["dealer_id"].drop_nulls())
