"""The after-sales datasets against independent Polars computations on the s mart (tests/independent/after_sales.py),
under the default year, a region, a dealer and a product + segment filter; the warranty-problem model found by the
page's own rule on the SQL's figures and on the independent ones; the maintenance list's pages and its scope for a
limited person."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest

from dashboard import after_sales as aft
from mart.generate import WARRANTY_PROBLEM_PRODUCT
from queries import runner
from queries.access import Access
from queries.filters import Filters
from tests.independent import after_sales as independent


def close(a, b, rel=1e-9, abs_=1e-6) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def views(tables, as_of) -> dict[str, Filters]:
    year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    region = sorted(tables["dealers"]["region"].unique().to_list())[0]
    busiest = tables["service_visits"].group_by("dealer_id").len().sort(["len", "dealer_id"], descending=True)["dealer_id"][0]
    return {
        "year": year,
        "region": replace(year, region=region),
        "dealer": replace(year, dealer_id=busiest),
        "product_segment": replace(year, product_ids=(WARRANTY_PROBLEM_PRODUCT, "EV-10"), customer_types=("individual",)),
        "two_years_ago": Filters(start_on=as_of - timedelta(days=365 * 2 + 180), end_on=as_of - timedelta(days=365)),
    }


VIEWS = ["year", "region", "dealer", "product_segment", "two_years_ago"]


@pytest.mark.parametrize("view", VIEWS)
def test_service_mix_matches_polars(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "service_mix", f)
    want = independent.service_mix(tables, f)
    assert got.height == len(want) and got["count_visits"].sum() > 0
    for r in got.iter_rows(named=True):
        n, revenue = want[(r["month"], r["service_type"])]
        assert r["count_visits"] == n, (view, r)
        assert close(r["service_revenue"], revenue), (view, r)


@pytest.mark.parametrize("view", VIEWS)
def test_revenue_per_vehicle_matches_polars(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "service_revenue_per_vehicle", f).row(0, named=True)
    for key, value in independent.per_vehicle(tables, f).items():
        assert close(got[key], value), (view, key, got[key], value)
    assert got["count_vehicles_in_service"] > got["count_vehicles_serviced"] > 0


def test_the_product_filter_narrows_visits_by_their_vehicle_not_by_what_the_customer_owns(tables, mart, as_of):
    f = views(tables, as_of)["product_segment"]
    mine = runner.run(mart, "service_revenue_per_vehicle", f).row(0, named=True)
    # the overview's service revenue keeps scoped_service_visits' rule (the customer's owned products): more visits
    overview = runner.run(mart, "kpi_summary", f).row(0, named=True)
    assert mine["service_revenue"] < overview["service_revenue"]


@pytest.mark.parametrize("view", ["year", "region", "product_segment"])
def test_service_retention_by_dealer_matches_polars_and_the_scorecard(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "service_retention_by_dealer", f)
    dealers = got.filter(pl.col("level") == "dealer")
    want = {r["dealer_id"]: r for r in independent.retention_by_dealer(tables, f).iter_rows(named=True)}
    assert dealers.height > 0
    for r in dealers.iter_rows(named=True):
        w = want[r["dealer_id"]]
        assert (r["count_retention_cohort"], r["count_retained"]) == (w["count_retention_cohort"], w["count_retained"]), (view, r)
        assert close(r["service_retention"], w["service_retention"])
    # the same figures as the dealer scorecard's, dealer by dealer and for the yardsticks
    card = runner.run(mart, "dealer_scorecard", f)
    mine = got.select("level", "dealer_id", "region", "service_retention", "count_retention_cohort").sort("level", "region", "dealer_id", nulls_last=True)
    theirs = card.select("level", "dealer_id", "region", "service_retention", "count_retention_cohort").sort("level", "region", "dealer_id", nulls_last=True)
    assert mine.equals(theirs)


@pytest.mark.parametrize("view", VIEWS)
def test_warranty_claims_by_age_match_polars(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "warranty_claims_by_age", f)
    want = {(r["product_id"], r["band_order"]): r for r in independent.claims_by_age(tables, f).iter_rows(named=True)}
    assert got.height == len(want) > 0
    for r in got.iter_rows(named=True):
        w = want[(r["product_id"], r["band_order"])]
        assert r["age_band"] == w["age_band"]
        assert r["count_claims"] == w["count_claims"], (view, r)
        assert close(r["vehicle_years"], w["vehicle_years"]), (view, r)
        assert close(r["claims_per_100_vehicle_years"], w["claims_per_100_vehicle_years"]), (view, r)
        assert close(r["warranty_cost"], w["warranty_cost"], abs_=1e-4), (view, r)


@pytest.mark.parametrize("view", VIEWS)
def test_warranty_cost_by_model_matches_polars(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    got = runner.run(mart, "warranty_cost_by_model", f)
    want = {r["product_id"]: r for r in independent.cost_by_model(tables, f).iter_rows(named=True)}
    assert set(got["product_id"]) == set(want)
    for r in got.iter_rows(named=True):
        w = want[r["product_id"]]
        assert (r["count_claims"], r["count_vehicles_in_service"]) == (w["count_claims"], w["count_vehicles_in_service"]), (view, r)
        assert close(r["warranty_cost"], w["warranty_cost"], abs_=1e-4)
        if w["count_vehicles_in_service"]:
            assert close(r["claims_per_100_vehicles"], 100 * w["count_claims"] / w["count_vehicles_in_service"])
    assert got["warranty_cost"].to_list() == sorted(got["warranty_cost"].to_list(), reverse=True)


@pytest.mark.parametrize("view", ["year", "product_segment", "two_years_ago"])
def test_the_warranty_problem_model_stands_out_on_the_pages_figures_and_the_independent_ones(view, tables, mart, as_of):
    """The demo plants a warranty problem in SUV-06 (claims rising with months in service): the page's rule finds
    it on the SQL's figures, and the same rule on the independent figures finds the same cell and rate."""
    f = views(tables, as_of)[view]
    claims = runner.run(mart, "warranty_claims_by_age", f)
    top = aft.standout(claims)
    assert top is not None and top["product_id"] == WARRANTY_PROBLEM_PRODUCT, top
    assert top["ratio"] > 3
    mirror = aft.standout(independent.claims_by_age(tables, f).with_columns(
        product_name=pl.col("product_id"), claims_per_100_vehicle_years=pl.col("claims_per_100_vehicle_years")))
    assert (mirror["product_id"], mirror["age_band"]) == (top["product_id"], top["age_band"])
    assert close(mirror["claims_per_100_vehicle_years"], top["claims_per_100_vehicle_years"])
    assert close(mirror["ratio"], top["ratio"])
    # and its rate rises with months in service from the first half-year on, where the other models' falls
    rates = claims.filter((pl.col("product_id") == WARRANTY_PROBLEM_PRODUCT) & (pl.col("vehicle_years") >= aft.MIN_VEHICLE_YEARS)) \
        .sort("band_order")["claims_per_100_vehicle_years"].to_list()
    assert len(rates) >= 3 and rates == sorted(rates), rates


def test_a_region_too_small_to_judge_says_so_rather_than_naming_a_model(tables, mart, as_of):
    f = views(tables, as_of)["region"]
    claims = runner.run(mart, "warranty_claims_by_age", f)
    assert claims["vehicle_years"].max() < aft.MIN_VEHICLE_YEARS and aft.standout(claims) is None
    assert "too few vehicles" in aft.headline({c: 0 for c in aft.DUE_COUNTS}, None)


@pytest.mark.parametrize("view", ["year", "region", "product_segment"])
def test_the_maintenance_list_matches_polars_most_overdue_first(view, tables, mart, as_of):
    f = views(tables, as_of)[view]
    everything = runner.run(mart, "maintenance_due", f, page=0)
    want = independent.maintenance_due(tables, f)
    assert everything.height == want.height > 0
    assert everything.select("customer_id", "product_id", "due_on", "days_overdue").equals(
        want.select("customer_id", "product_id", "due_on", "days_overdue")), view
    assert everything["dealer_id"].to_list() == want["dealer_id"].to_list()
    counts = aft.due_counts(everything)
    assert counts["count_rows"] == want.height
    assert counts["count_overdue"] == want.filter(pl.col("days_overdue") > 0).height
    assert counts["count_overdue_over_month"] == want.filter(pl.col("days_overdue") > 30).height
    assert counts["count_due_soon"] == want.filter(pl.col("days_overdue") <= 0).height
    assert want["days_overdue"].min() >= -30 and want["days_overdue"].max() < 366
    # customer numbers, never personal fields
    assert not {"gender", "birth_year", "city", "income_band", "phone", "name"} & set(everything.columns)


def test_the_maintenance_list_comes_a_page_at_a_time(tables, mart, as_of):
    f = views(tables, as_of)["year"]
    everything = runner.run(mart, "maintenance_due", f, page=0)
    first, second = (runner.run(mart, "maintenance_due", f, page=p) for p in (1, 2))
    assert first.height == second.height == 100
    assert first.equals(everything.head(100)) and second.equals(everything.slice(100, 100))


def test_a_limited_person_gets_only_the_vehicles_of_their_dealers(tables, mart, as_of):
    year = views(tables, as_of)["year"]
    region = sorted(tables["dealers"]["region"].unique().to_list())[0]
    manager = Access("rm@example.com", "regional_manager", regions=(region,))
    mine = runner.run(mart, "maintenance_due", year, page=0, access=manager)
    assert mine.height > 0 and set(mine["region"]) == {region}
    # A vehicle's last maintenance visit and its sale (for its km per day) are found among what the person may see.
    want = independent.maintenance_due(tables, replace(year, region=region), reach=replace(year, region=region))
    assert mine.select("customer_id", "product_id", "due_on", "days_overdue").equals(
        want.select("customer_id", "product_id", "due_on", "days_overdue"))
    dealer = mine["dealer_id"][0]
    store = Access("store@example.com", "dealer", dealer_ids=(dealer,))
    theirs = runner.run(mart, "maintenance_due", year, page=0, access=store)
    assert set(theirs["dealer_id"]) == {dealer}
    assert set(theirs.select("customer_id", "product_id").iter_rows()) >= set(
        mine.filter(pl.col("dealer_id") == dealer).select("customer_id", "product_id").iter_rows())
