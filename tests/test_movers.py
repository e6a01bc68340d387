"""Why did it move (issue 15, item 2): the Kitagawa midpoint decomposition's properties over many random cases and a
hand-worked example; the dataset's groups against plain Polars over the raw tables (tests/independent/movers.py)
and its totals against the overview's; the split adding up to the change on the s mart; scope; the page in both
languages and its drill from a region to its dealers."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl
import pytest

from analytics.decompose import EmptyDenominator, decompose_parts, kitagawa, total_changes
from dashboard import movers as mv
from queries import runner
from queries.access import SYSTEM, Access
from queries.filters import Filters
from tests.apptest import open_app
from tests.independent import movers as independent

RATIO_KPIS = [k for k, m in mv.KPIS.items() if not m.is_total]


def exact(got: float, want: float, scale: float) -> bool:
    """Equal to 1e-12 of the KPI's size (a change near zero is compared with the KPI, not with itself)."""
    return abs(got - want) <= 1e-12 * max(abs(scale), abs(want), 1e-300)


# ---------------------------------------------------------------------------------------------- properties
def random_cases(count: int, seed: int = 15):
    """Random groups (1-40), numerators up to their denominators, about a fifth absent in one period or the other
    and a few numerators without a denominator (complaints at a dealer that sold nothing)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        g = int(rng.integers(1, 41))
        d0, d1 = rng.integers(0, 500, g).astype(float), rng.integers(0, 500, g).astype(float)
        n0, n1 = np.floor(d0 * rng.random(g)), np.floor(d1 * rng.random(g))
        gone, new = rng.random(g) < 0.1, rng.random(g) < 0.1
        d1[gone], n1[gone], d0[new], n0[new] = 0, 0, 0, 0
        orphans = rng.random(g) < 0.05
        n0[orphans & (d0 == 0)] = rng.integers(1, 9)
        if d0.sum() == 0 or d1.sum() == 0:
            continue
        yield n0, d0, n1, d1


def test_the_parts_add_up_to_the_change_exactly():
    checked = 0
    for n0, d0, n1, d1 in random_cases(3000):
        want = n1.sum() / d1.sum() - n0.sum() / d0.sum()
        size = max(n0.sum() / d0.sum(), n1.sum() / d1.sum())
        for centre in (True, False):
            split = kitagawa(n0, d0, n1, d1, centre=centre)
            assert exact(float(split.total.sum()), want, size), (n0, d0, n1, d1, centre)
            assert exact(split.after - split.before, want, size)
        # the centred mix moves parts between groups, never the mix total
        assert exact(float(kitagawa(n0, d0, n1, d1).mix.sum()), float(kitagawa(n0, d0, n1, d1, centre=False).mix.sum()), size)
        checked += 1
    assert checked > 2500


def test_no_mix_when_the_shares_do_not_change_and_no_rate_part_when_the_rates_do_not():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        g = int(rng.integers(1, 30))
        d0 = rng.integers(1, 500, g).astype(float)
        r0, r1 = rng.random(g), rng.random(g)
        d1 = d0 * float(rng.integers(1, 5))                      # the same shares, a larger denominator
        split = kitagawa(r0 * d0, d0, r1 * d1, d1)
        assert np.allclose(split.mix, 0.0, rtol=0, atol=1e-12), split.mix
        assert exact(float(split.rate.sum()), split.after - split.before, 1.0)
        d1 = rng.integers(1, 500, g).astype(float)               # other shares, the same rates
        split = kitagawa(r0 * d0, d0, r0 * d1, d1)
        assert np.allclose(split.rate, 0.0, rtol=0, atol=1e-12), split.rate
        assert exact(float(split.mix.sum()), split.after - split.before, 1.0)


def test_groups_appearing_or_disappearing_are_all_mix_and_still_add_up():
    rng = np.random.default_rng(11)
    for _ in range(1000):
        g = int(rng.integers(3, 20))
        d0, d1 = rng.integers(1, 300, g).astype(float), rng.integers(1, 300, g).astype(float)
        n0, n1 = np.floor(d0 * rng.random(g)), np.floor(d1 * rng.random(g))
        d0[0] = n0[0] = 0        # new this period
        d1[1] = n1[1] = 0        # gone this period
        split = kitagawa(n0, d0, n1, d1, centre=False)
        assert split.rate[0] == 0 and split.rate[1] == 0
        assert math.isnan(split.rate_before[0]) and math.isnan(split.rate_after[1])   # undefined, shown as such
        assert math.isclose(split.mix[0], n1[0] / d1.sum()) and math.isclose(split.mix[1], -n0[1] / d0.sum())
        assert exact(float(split.total.sum()), split.after - split.before, 1.0)


def test_an_empty_denominator_has_no_change_to_split():
    with pytest.raises(EmptyDenominator):
        kitagawa([0, 0], [0, 0], [1, 2], [3, 4])
    empty = pl.DataFrame({"group": ["a"], "numerator": [0.0], "denominator": [0.0]})
    after = pl.DataFrame({"group": ["a"], "numerator": [1.0], "denominator": [2.0]})
    assert decompose_parts(empty, after).is_empty()


def test_a_hand_worked_example():
    """East 20 of 100 leads won, West 10 of 100 (15%); then East 75 of 300, West 10 of 100, North 30 of 100
    (115 of 500 = 23%). Change +8 points. Shares East .5 -> .6, West .5 -> .2, North 0 -> .2; rates East .20 -> .25,
    West .10 -> .10, North (.30) -> .30.
    Plain mix: East .1 x .225 = .0225, West -.3 x .10 = -.03, North .2 x .30 = .06 (sum .0525);
    rate: East .05 x .55 = .0275, others 0 (sum .0275); .0525 + .0275 = .08.
    Centred on (R + R')/2 = .19: East .1 x .035 = .0035, West -.3 x -.09 = .027, North .2 x .11 = .022 (sum .0525)."""
    before = pl.DataFrame({"group": ["East", "West"], "numerator": [20.0, 10.0], "denominator": [100.0, 100.0]})
    after = pl.DataFrame({"group": ["East", "West", "North"], "numerator": [75.0, 10.0, 30.0],
                          "denominator": [300.0, 100.0, 100.0]})
    got = {r["group"]: r for r in decompose_parts(before, after).iter_rows(named=True)}
    plain = {r["group"]: r for r in decompose_parts(before, after, centre=False).iter_rows(named=True)}
    for group, mix, rate in (("East", 0.0225, 0.0275), ("West", -0.03, 0.0), ("North", 0.06, 0.0)):
        assert plain[group]["mix"] == pytest.approx(mix, abs=1e-14) and plain[group]["rate"] == pytest.approx(rate, abs=1e-14)
    for group, mix in (("East", 0.0035), ("West", 0.027), ("North", 0.022)):
        assert got[group]["mix"] == pytest.approx(mix, abs=1e-14)
        assert got[group]["rate"] == plain[group]["rate"]
    assert got["North"]["rate_before"] is None and got["North"]["share_before"] == 0.0
    assert sum(r["total"] for r in got.values()) == pytest.approx(0.08, abs=1e-14)
    # the largest contributor first: East (+3.1 points), then West, whose lost share at a rate below the average
    # raised conversion by 2.7 points
    assert list(got) == ["East", "West", "North"]


def test_a_total_is_split_by_each_groups_own_change():
    split = total_changes([10, 0, 5], [12, 4, 0])
    assert split.total.tolist() == [2, 4, -5] and split.mix.tolist() == [0, 0, 0]
    assert split.after - split.before == split.total.sum() == 1


# ---------------------------------------------------------------------------------------------- the dataset
@pytest.fixture(scope="module")
def year(as_of) -> Filters:
    return Filters(start_on=date(as_of.year - 1, as_of.month, 1), end_on=as_of)


def first_region(tables) -> str:
    return sorted(tables["dealers"]["region"].unique().to_list())[0]


@pytest.mark.parametrize("dimension", list(mv.DIMENSIONS))
@pytest.mark.parametrize("view", ["all", "region"])
def test_the_groups_match_polars(mart, tables, year, view, dimension):
    f = year if view == "all" else replace(year, region=first_region(tables))
    got = runner.run(mart, "kpi_parts_by_group", f, dimension=dimension)
    want = independent.parts(tables, f, dimension)
    offered = {k for k, m in mv.KPIS.items() if dimension in m.dimensions}
    got_rows = {(r["kpi"], r["group_key"]): (r["numerator"], r["denominator"]) for r in got.iter_rows(named=True)
                if r["kpi"] in offered}
    want_rows = {key: value for key, value in want.items() if key[0] in offered}
    assert len(want_rows) > 5 and got_rows.keys() == want_rows.keys(), sorted(map(str, set(got_rows) ^ set(want_rows)))
    for key, (n, d) in want_rows.items():
        assert math.isclose(got_rows[key][0], n, rel_tol=1e-9, abs_tol=1e-6), (key, got_rows[key], (n, d))
        assert (got_rows[key][1] is None) == (d is None) and math.isclose(got_rows[key][1] or 0, d or 0, rel_tol=1e-9), key


@pytest.mark.parametrize("view", ["all", "region"])
def test_the_groups_add_up_to_the_overviews_tiles(mart, tables, year, view):
    f = year if view == "all" else replace(year, region=first_region(tables))
    summary = runner.run(mart, "kpi_summary", f).row(0, named=True)
    complaints = runner.run(mart, "kpi_monthly", f)["complaints_received"].sum()
    for dimension in mv.DIMENSIONS:
        rows = runner.run(mart, "kpi_parts_by_group", f, dimension=dimension)

        def sums(kpi):
            part = rows.filter(pl.col("kpi") == kpi)
            return part["numerator"].sum(), part["denominator"].sum()

        assert mv.value(rows, "units") == summary["units"]
        assert mv.value(rows, "sales_revenue") == pytest.approx(summary["sales_revenue"], rel=1e-12)
        assert mv.value(rows, "complaints_received") == complaints
        assert sums("gross_margin_pct")[0] == pytest.approx(summary["gross_margin"], rel=1e-12)
        assert sums("average_price") == pytest.approx((summary["sales_revenue"], summary["units"]), rel=1e-12)
        if dimension in mv.KPIS["nps"].dimensions:
            assert sums("nps")[1] == summary["count_nps_responses"]
            assert mv.value(rows, "nps") == pytest.approx(summary["nps"], rel=1e-12)
        assert sums("sla_compliance")[1] == summary["count_sla_complaints"]
        assert mv.value(rows, "sla_compliance") == pytest.approx(summary["sla_compliance"], rel=1e-12)


@pytest.fixture
def app_mart(app_env):
    """The app's own path to the s mart (dashboard.data), for the functions the digest calls."""
    return app_env


@pytest.mark.parametrize("kpi", list(mv.KPIS))
def test_the_split_adds_up_to_the_kpis_change_on_the_mart(app_mart, tables, year, kpi):
    f = year
    for dimension in mv.KPIS[kpi].dimensions:
        got = mv.decompose(SYSTEM, f, kpi, dimension)
        before = mv.value(mv.parts(SYSTEM, f.comparison(), dimension), kpi)
        after = mv.value(mv.parts(SYSTEM, f, dimension), kpi)
        assert got.columns == mv.FRAME_COLUMNS and got.height > 1
        assert exact(float(got["total"].sum()), after - before, max(abs(before), abs(after))), (kpi, dimension)
        movers = mv.top_movers(SYSTEM, f, kpi, dimension, n=3)
        assert movers.height == min(3, got.height) and movers["total"].abs().to_list() == got["total"].abs().head(3).to_list()


def test_a_regional_manager_splits_only_their_region(app_mart, tables, year):
    region = first_region(tables)
    theirs = set(tables["dealers"].filter(pl.col("region") == region)["dealer_id"].to_list())
    manager = Access("rm@example.com", "regional_manager", regions=(region,))
    by_dealer = mv.decompose(manager, year, "lead_conversion", "dealer")
    assert by_dealer.height > 1 and set(by_dealer["group"].to_list()) <= theirs
    filtered = mv.decompose(SYSTEM, replace(year, region=region), "lead_conversion", "dealer")
    assert by_dealer.to_dicts() == filtered.to_dicts()
    assert mv.decompose(manager, year, "units", "region")["group"].to_list() == [region]


def test_a_kpi_is_split_only_by_what_its_facts_carry():
    with pytest.raises(ValueError, match="cannot be split"):
        mv.check("lead_conversion", "product")
    assert all(pair in mv.NOT_SPLIT for pair in
               [(k, d) for k, m in mv.KPIS.items() for d in mv.DIMENSIONS if d not in m.dimensions])


# ---------------------------------------------------------------------------------------------- the page
def test_the_page_reads_in_chinese_with_the_numbers_of_the_split(app_env, tables, as_of):
    from dashboard.i18n import speaking
    from dashboard.metrics import fmt

    at = open_app("views/why.py", lang="zh")
    assert at.title[0].value == "变化归因"
    assert at.selectbox(key="why_kpi").label == "指标" and at.selectbox(key="why_dimension").label == "按维度拆分"
    f = at.session_state["filters"]
    before = independent.parts(tables, f.comparison(), "region")
    after = independent.parts(tables, f, "region")

    def conversion(found):
        won = sum(n for (k, _), (n, _d) in found.items() if k == "lead_conversion")
        return won / sum(d for (k, _), (_n, d) in found.items() if k == "lead_conversion")

    with speaking("zh"):
        b, a = fmt(conversion(before), "share"), fmt(conversion(after), "share")
    headline = at.markdown[0].value
    assert headline.startswith("#### 线索转化率") and f"从 {b} " in headline and f" {a}。" in headline, headline
    assert "仅为描述，不是因果分析" in " ".join(c.value for c in at.caption)


def test_the_page_in_english_drills_from_a_region_to_its_dealers(app_env, tables):
    at = open_app("views/why.py", lang="en")
    at.selectbox(key="why_kpi").set_value("units").run()
    assert not at.exception
    assert at.markdown[0].value.startswith("#### Units sold ")
    region = first_region(tables)
    at.selectbox(key="why_drill").set_value(region).run()
    assert not at.exception
    assert at.session_state["filters"].region == region
    assert at.selectbox(key="why_dimension").value == "dealer"
    shown = at.dataframe[0].value
    names = set(tables["dealers"].filter(pl.col("region") == region)["dealer_name"].to_list())
    from dashboard.complaints import short_dealer
    assert set(shown.iloc[:, 0]) <= {short_dealer(n) for n in names} | {"HQ direct (no dealer)"}


def test_a_kpi_without_a_value_in_a_period_says_so_and_splits_nothing():
    empty = pl.DataFrame(schema={"kpi": pl.String, "group_key": pl.String, "group_name": pl.String,
                                 "numerator": pl.Float64, "denominator": pl.Float64})
    after = pl.DataFrame({"kpi": ["lead_conversion"], "group_key": ["D1"], "group_name": ["A"], "numerator": [1.0],
                          "denominator": [4.0]})
    frame = mv.from_parts("lead_conversion", "dealer", empty, after)
    assert frame.is_empty() and frame.columns == mv.FRAME_COLUMNS
    assert mv.headline("lead_conversion", "dealer", frame, mv.value(empty, "lead_conversion"), mv.value(after, "lead_conversion")) == [
        "Lead conversion has no value in the comparison period in this scope (nothing to divide by), so there is no "
        "change to split."]
