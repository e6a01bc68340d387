"""The segments and customer 360 datasets against independent Polars computations on the s mart."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from dashboard.segments import from_grid
from queries import runner
from queries.filters import COMPARE_LAST_YEAR, Filters
from tests.independent import segments as independent


@pytest.fixture(scope="module")
def year(mart):
    as_of = runner.run(mart, "mart_info")["as_of_on"][0]
    return Filters(start_on=independent.year_before(as_of), end_on=as_of)


def slices(tables, year: Filters) -> dict[str, Filters]:
    dealers = tables["dealers"].sort("dealer_id")
    product = tables["products"].sort("product_id")["product_id"][0]
    return {
        "all": year,
        "region": replace(year, region=dealers["region"][0]),
        "fleet": replace(year, customer_types=("fleet",)),
        "product_channel": replace(year, product_ids=(product,), channels=("walk_in", "wechat")),
        "quarter_two_years_ago": replace(year, start_on=date(year.end_on.year - 2, 4, 1), end_on=date(year.end_on.year - 2, 6, 30)),
    }


def close(a, b, rel=1e-9, abs_=1e-6) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


@pytest.mark.parametrize("name", ["all", "region", "fleet", "product_channel", "quarter_two_years_ago"])
def test_every_customers_scores_segment_and_tier_match_polars(name, tables, mart, year):
    f = slices(tables, year)[name]
    got = runner.run(mart, "segment_customers", f, segment=None, tier=None).sort("customer_id")
    want = independent.rfm(tables, f).sort("customer_id")
    assert got.height == want.height > 0, name
    assert got["customer_id"].to_list() == want["customer_id"].to_list()
    for column in ("recency_days", "frequency", "r_score", "f_score", "m_score", "segment", "tier"):
        assert got[column].cast(want[column].dtype).to_list() == want[column].to_list(), f"{name}: {column}"
    assert (got["monetary"] - want["monetary"]).abs().max() < 1e-6
    assert got["rfm_code"].to_list() == [f"{r}{f_}{m}" for r, f_, m in zip(want["r_score"], want["f_score"], want["m_score"])]


def test_rfm_scores_are_quintiles_and_every_segment_and_tier_occurs(tables, mart, year):
    """Guards the comparison above against a degenerate slice: on the s mart all eight segments and three tiers
    appear, the recency and monetary scores spread over 1-5, and tier A is the 80/20 head."""
    scored = independent.rfm(tables, year)
    assert set(scored["segment"]) == set(independent.SEGMENT_OF["segment"])
    assert set(scored["tier"]) == {"A", "B", "C"}
    assert set(scored["r_score"]) == set(scored["m_score"]) == {1, 2, 3, 4, 5}
    for score in ("r_score", "m_score"):
        counts = scored[score].value_counts()["count"]
        assert counts.max() < 0.3 * scored.height, f"{score} is far from quintiles"
    a_share = scored.filter(pl.col("tier") == "A").height / scored.height
    assert 0.05 < a_share < 0.4


def test_segment_summary_grid_and_tiers_add_up(tables, mart, year):
    f = slices(tables, year)["region"]
    scored = independent.rfm(tables, f)
    segments = from_grid(runner.run(mart, "rfm_grid", f))   # as the segments page adds the grid's cells up
    want = independent.by_group(scored, "segment")
    assert segments.height == 8
    for row in segments.iter_rows(named=True):
        w = want.filter(pl.col("segment") == row["segment"])
        if w.is_empty():
            assert row["count_customers"] == 0
            continue
        w = w.row(0, named=True)
        assert row["count_customers"] == w["count_customers"]
        assert close(row["revenue"], w["revenue_cents"] / 100)
        assert close(row["customer_share"], w["customer_share"])
        assert close(row["revenue_share"], w["revenue_share"])
        assert close(row["avg_customer_revenue"], w["revenue_cents"] / 100 / w["count_customers"])
        assert close(row["avg_recency_days"], w["avg_recency_days"])
        assert close(row["avg_frequency"], w["avg_frequency"])

    grid = runner.run(mart, "rfm_grid", f)
    assert grid.height == 25
    cells = scored.group_by("r_score", "f_score").agg(n=pl.len(), cents=pl.col("monetary_cents").sum())
    joined = grid.join(cells, on=["r_score", "f_score"], how="left").join(
        independent.SEGMENT_OF.rename({"segment": "want_segment"}), on=["r_score", "f_score"])
    assert (joined["segment"] == joined["want_segment"]).all()
    assert joined["count_customers"].to_list() == joined["n"].fill_null(0).to_list()
    assert (joined["revenue"] - joined["cents"].fill_null(0) / 100).abs().max() < 1e-6

    tiers = runner.run(mart, "value_tiers", f)
    want_tiers = independent.by_group(scored, "tier")
    for row in tiers.iter_rows(named=True):
        w = want_tiers.filter(pl.col("tier") == row["tier"]).row(0, named=True)
        assert row["count_customers"] == w["count_customers"]
        assert close(row["revenue_share"], w["revenue_share"])
        assert close(row["min_customer_revenue"], scored.filter(pl.col("tier") == row["tier"])["monetary"].min())
    # A holds at least 80% of revenue, and A minus its smallest customer holds less.
    a = scored.filter(pl.col("tier") == "A")
    total = scored["monetary_cents"].sum()
    assert a["monetary_cents"].sum() >= 0.8 * total > a["monetary_cents"].sum() - a["monetary_cents"].min()


def test_pareto_curve_matches_the_ranked_customers(tables, mart, year):
    f = year
    scored = independent.rfm(tables, f)
    pareto = runner.run(mart, "value_pareto", f)
    assert pareto["percentile"].to_list() == list(range(0, 101))
    assert pareto.row(0) == (0, 0.0, 0.0) and close(pareto["revenue_share"][-1], 1.0)
    for percentile in (1, 20, 50, 99):
        customer_share, revenue_share = independent.pareto_point(scored, percentile)
        row = pareto.filter(pl.col("percentile") == percentile).row(0, named=True)
        assert close(row["customer_share"], customer_share) and close(row["revenue_share"], revenue_share), percentile
    assert (pareto["revenue_share"].diff().drop_nulls() >= 0).all()


def test_segment_list_filters_by_segment_and_tier(tables, mart, year):
    scored = independent.rfm(tables, year)
    got = runner.run(mart, "segment_customers", year, segment="champions", tier="A")
    want = scored.filter((pl.col("segment") == "champions") & (pl.col("tier") == "A"))
    assert got.height == want.height > 0
    assert set(got["customer_id"]) == set(want["customer_id"])
    assert got["monetary"].to_list() == sorted(got["monetary"].to_list(), reverse=True)


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_cohort_retention_matches_polars(grain, tables, mart, year):
    f = replace(year, region=tables["dealers"].sort("dealer_id")["region"][0])
    got = runner.run(mart, "cohort_retention", f, grain=grain)
    want = independent.cohorts(tables, f, grain)
    assert got.height > 0
    active = got.filter(pl.col("count_active") > 0).join(want, on=["cohort_on", "periods_since"], how="full", coalesce=True)
    assert active["count_active"].to_list() == active["count_active_right"].to_list()
    assert active["count_cohort"].to_list() == active["count_cohort_right"].to_list()
    assert got.filter(pl.col("periods_since") == 0)["share_active"].to_list() == [1.0] * got["cohort_on"].n_unique()
    # Cohort sizes are the period's new customers, as the overview counts them.
    sizes = got.group_by("cohort_on").agg(pl.col("count_cohort").first())["count_cohort"].sum()
    assert sizes == runner.run(mart, "kpi_summary", f)["new_customers"][0]


def test_churn_status_drivers_and_at_risk_list_match_polars(tables, mart, year):
    f = slices(tables, year)["fleet"]
    want = independent.history(tables, f)
    status = runner.run(mart, "churn_status", f)
    assert status["status"].to_list() == ["active", "at risk", "lapsed"]
    for row in status.iter_rows(named=True):
        w = want.filter(pl.col("status") == row["status"])
        assert row["count_customers"] == w.height
        assert close(row["lifetime_revenue"], w["lifetime_cents"].sum() / 100)
    # Active customers are the overview's active customers.
    assert status["count_customers"][0] == runner.run(mart, "kpi_summary", f)["active_customers"][0]

    from statsmodels.stats.proportion import proportion_confint

    f = year
    drivers = runner.run(mart, "churn_drivers", f)
    want = independent.churn_drivers(tables, f)
    assert drivers.height == want.height == 6
    for row in drivers.iter_rows(named=True):
        w = want.filter((pl.col("driver") == row["driver"]) & (pl.col("customer_group") == row["customer_group"])).row(0, named=True)
        assert (row["count_customers"], row["count_lapsed"]) == (w["count_customers"], w["count_lapsed"])
        assert close(row["at_risk_rate"], w["count_at_risk"] / w["count_customers"])
        low, high = proportion_confint(w["count_lapsed"], w["count_customers"], alpha=0.05, method="wilson")
        assert close(row["lapse_rate_low"], low, rel=1e-6) and close(row["lapse_rate_high"], high, rel=1e-6)

    at_risk = runner.run(mart, "churn_at_risk_customers", f)
    everyone = independent.history(tables, f).filter(pl.col("status") == "at risk").sort(
        ["lifetime_cents", "customer_id"], descending=[True, False]).head(500)
    assert at_risk["customer_id"].to_list() == everyone["customer_id"].to_list()
    assert (at_risk["days_since_last"] > 365 - 2).all()


def test_segment_migration_counts_every_customer_of_either_period_once(tables, mart, year):
    f = replace(year, compare=COMPARE_LAST_YEAR)
    c = f.comparison()
    moves = runner.run(mart, "segment_migration", f, compare_start_on=c.start_on, compare_end_on=c.end_on)
    before = independent.rfm(tables, f, c.start_on, c.end_on).select("customer_id", pl.col("segment").alias("from_segment"))
    after = independent.rfm(tables, f).select("customer_id", pl.col("segment").alias("to_segment"))
    want = (
        before.join(after, on="customer_id", how="full", coalesce=True)
        .with_columns(pl.col("from_segment", "to_segment").fill_null("not active"))
        .group_by("from_segment", "to_segment").agg(n=pl.len())
    )
    joined = moves.join(want, on=["from_segment", "to_segment"], how="full", coalesce=True)
    assert joined["count_customers"].to_list() == joined["n"].to_list()
    assert moves["count_customers"].sum() == before.join(after, on="customer_id", how="full").height
    shares = moves.group_by("from_segment").agg(pl.col("share_of_from").sum())
    assert all(close(s, 1.0) for s in shares["share_of_from"])


def test_clv_inputs_match_polars(tables, mart, year):
    f = slices(tables, year)["region"]
    cut = independent.year_before(f.end_on)
    got = runner.run(mart, "clv_customers", f, calibration_end_on=cut).sort("customer_id")
    want = independent.clv_inputs(tables, f, cut).sort("customer_id")
    assert got["customer_id"].to_list() == want["customer_id"].to_list()
    for column in ("count_repeat", "days_to_last", "days_observed", "days_observed_calibration"):
        assert got[column].to_list() == want[column].to_list(), column
    started = want["days_observed_calibration"].is_not_null()
    for column in ("count_repeat_calibration", "days_to_last_calibration", "count_holdout"):
        assert got.filter(started)[column].to_list() == want.filter(started)[column].to_list(), column
    assert got.filter(~started)["count_holdout"].null_count() == (~started).sum()
    diff = (got["avg_repeat_value"] - want["avg_repeat_cents"] / 100).abs().drop_nulls()
    assert diff.len() == want["avg_repeat_cents"].drop_nulls().len() > 0 and diff.max() < 1e-6
    scored = independent.rfm(tables, f).select("customer_id", "segment", "tier")
    labels = want.select("customer_id").join(scored, on="customer_id", how="left").with_columns(pl.col("segment").fill_null("not active"))
    assert got["segment"].to_list() == labels["segment"].to_list()
    assert got["tier"].to_list() == labels["tier"].to_list()


def test_two_service_visits_on_one_day_are_one_repeat_purchase_worth_their_sum(tables, mart, as_of):
    """clv_customers used to count every row as a purchase (and average the rows), so a customer with two visits
    on one day had one repeat purchase too many for BG/NBD and a halved value for Gamma-Gamma. Vehicle purchases
    start a customer's history but are not repeat purchases: their prices are not averaged with service bills."""
    visits = tables["service_visits"].filter(pl.col("visited_on") <= as_of)
    firsts = pl.concat([tables["sales"].select("customer_id", on="sold_on"), visits.select("customer_id", on="visited_on")]) \
        .group_by("customer_id").agg(first_on=pl.col("on").min())
    twice = (visits.join(firsts, on="customer_id").filter(pl.col("visited_on") > pl.col("first_on"))
             .group_by("customer_id", "visited_on").agg(pl.len()).filter(pl.col("len") >= 2))
    cid = twice.sort("customer_id")["customer_id"][0]
    mine = visits.filter(pl.col("customer_id") == cid).join(firsts, on="customer_id").filter(pl.col("visited_on") > pl.col("first_on"))
    day_totals = mine.group_by("visited_on").agg(pl.col("revenue").cast(pl.Float64).sum())
    f = Filters(start_on=independent.year_before(as_of), end_on=as_of)
    got = runner.run(mart, "clv_customers", f, calibration_end_on=None).filter(pl.col("customer_id") == cid).row(0, named=True)
    assert mine.height > day_totals.height  # the planted case: more visit rows than visit days
    assert got["count_repeat"] == day_totals.height
    assert got["avg_repeat_value"] == pytest.approx(day_totals["revenue"].mean(), abs=1e-6)
    assert got["repeat_kind"] == "service"


def test_customer_360_profile_masks_personal_fields_unless_revealed(tables, mart):
    fleet_or_not = tables["customers"].filter(pl.col("birth_year").is_not_null() & pl.col("city").is_not_null()).sort("customer_id")
    c = fleet_or_not.row(0, named=True)
    masked = runner.run(mart, "customer_360_profile", customer_id=c["customer_id"], reveal=False).row(0, named=True)
    assert masked["gender"] is None and masked["city"] is None and masked["income_band"] is None
    assert masked["birth_year"] == f"{c['birth_year'] // 10 * 10}s"
    shown = runner.run(mart, "customer_360_profile", customer_id=c["customer_id"], reveal=True).row(0, named=True)
    assert (shown["gender"], shown["city"], shown["birth_year"]) == (c["gender"], c["city"], str(c["birth_year"]))
    assert runner.run(mart, "customer_360_profile", customer_id="no such customer", reveal=False).is_empty()


def test_customer_360_timeline_and_totals_hold_every_event(tables, mart):
    # The customer with the most complaints: every kind of event shows up.
    busiest = tables["complaints"].group_by("customer_id").len().sort(["len", "customer_id"], descending=[True, False])["customer_id"][0]
    timeline = runner.run(mart, "customer_360_timeline", customer_id=busiest)
    counts = dict(timeline.group_by("category").len().iter_rows())
    want = independent.timeline_counts(tables, busiest)
    assert {k: counts.get(k, 0) for k in want} == want
    assert timeline["event_at"].is_sorted()
    profile = runner.run(mart, "customer_360_profile", customer_id=busiest, reveal=False).row(0, named=True)
    sales = tables["sales"].filter(pl.col("customer_id") == busiest)
    visits = tables["service_visits"].filter(pl.col("customer_id") == busiest)
    complaints = tables["complaints"].filter(pl.col("customer_id") == busiest)
    assert profile["count_sales"] == sales.height and profile["count_complaints"] == complaints.height > 1
    assert profile["count_open_complaints"] == complaints["closed_at"].null_count()
    assert close(profile["customer_revenue"], sales["revenue"].sum() + visits["revenue"].sum())
    assert close(timeline.filter(pl.col("category") == "purchase")["amount"].sum(), sales["revenue"].sum())


def test_customer_360_scores_are_the_customers_row_of_the_segment_list(tables, mart, year):
    f = slices(tables, year)["region"]
    scored = independent.rfm(tables, f)
    someone = scored.sort(["monetary_cents", "customer_id"], descending=[True, False]).row(3, named=True)
    row = runner.run(mart, "customer_360_scores", f, customer_id=someone["customer_id"]).row(0, named=True)
    assert row["is_in_scope"] and row["status"] == "active"
    assert (row["segment"], row["tier"], row["r_score"], row["f_score"], row["m_score"]) == (
        someone["segment"], someone["tier"], someone["r_score"], someone["f_score"], someone["m_score"])
    assert row["count_customers_scored"] == scored.height
    outside = tables["customers"].filter(~pl.col("customer_id").is_in(independent.scope_ids(tables, f).implode()))["customer_id"][0]
    row = runner.run(mart, "customer_360_scores", f, customer_id=outside).row(0, named=True)
    assert not row["is_in_scope"] and row["segment"] is None


def test_a_period_without_transactions_gives_empty_results_not_errors(mart):
    nothing = Filters(start_on=date(1990, 1, 1), end_on=date(1990, 12, 31))
    assert from_grid(runner.run(mart, "rfm_grid", nothing))["count_customers"].sum() == 0
    assert runner.run(mart, "value_tiers", nothing)["count_customers"].sum() == 0
    assert runner.run(mart, "value_pareto", nothing).is_empty()
    assert runner.run(mart, "cohort_retention", nothing, grain="month").is_empty()
    assert runner.run(mart, "churn_status", nothing)["count_customers"].sum() == 0
    assert runner.run(mart, "segment_migration", nothing, compare_start_on=date(1989, 1, 1), compare_end_on=date(1989, 12, 31)).is_empty()


# ---- the customer portrait (issue 14, item 6) ----

@pytest.mark.parametrize(("name", "segment", "tier"), [
    ("all", "champions", None), ("all", None, "A"), ("all", "at risk", "B"), ("region", "champions", None),
    ("fleet", "loyal", None), ("product_channel", "champions", None),
])
def test_the_portrait_matches_polars(name, segment, tier, tables, year, mart):
    f = slices(tables, year)[name]
    got = runner.run(mart, "segment_portrait", f, segment=segment, tier=tier)
    want = independent.portrait(tables, f, segment, tier)
    assert sorted(zip(got["attribute"], got["value"])) == sorted(want)
    for row in got.iter_rows(named=True):
        w = want[(row["attribute"], row["value"])]
        for key, value in w.items():
            assert close(row[key], value) if not isinstance(value, bool) else row[key] == value, (name, row, key)


def test_the_portrait_hides_small_cells_and_cannot_be_undone_by_subtraction(tables, year, mart):
    """A dealer's champions: small enough that values are hidden. No hidden count follows from the group's total
    minus the counts shown, and no count under 5 is shown."""
    busiest = tables["customers"].group_by("home_dealer_id").len().sort(["len", "home_dealer_id"],
                                                                        descending=[True, False])["home_dealer_id"][0]
    f = replace(year, dealer_id=busiest)
    got = runner.run(mart, "segment_portrait", f, segment="champions", tier=None)
    assert got["is_suppressed"].any()
    assert got.filter(~pl.col("is_suppressed"))["count_group"].min() >= 5
    assert got.filter(~pl.col("is_suppressed"))["count_base"].min() >= 5
    assert got.filter(pl.col("is_suppressed"))["count_group"].null_count() == got["is_suppressed"].sum()
    for (attribute,), part in got.group_by("attribute"):
        assert part["is_suppressed"].sum() != 1, attribute


def test_the_portrait_finds_the_demos_fleet_champions(tables, year, mart):
    """Guards the comparisons above: the demo's champions are far more often fleet customers than the base."""
    got = runner.run(mart, "segment_portrait", year, segment="champions", tier=None)
    fleet = got.filter((pl.col("attribute") == "customer_type") & (pl.col("value") == "fleet")).row(0, named=True)
    assert fleet["share_ratio"] > 3 and fleet["count_group"] > 100
    assert got.filter(pl.col("attribute") == "city")["value"].n_unique() == 12   # 10 cities, other, not recorded


@pytest.mark.parametrize("name", ["year", "region", "fleet", "nothing"])
def test_the_segments_added_up_from_the_grid_match_polars(tables, mart, year, name):
    """The segments page's rows (dashboard/segments.py from_grid over rfm_grid): every named segment, its customers,
    revenue, shares and averages as the independent scoring gives them, largest revenue first."""
    f = {"year": year, "region": slices(tables, year)["region"], "fleet": replace(year, customer_types=("fleet",)),
         "nothing": replace(year, start_on=date(2000, 1, 1), end_on=date(2000, 1, 31))}[name]
    got = from_grid(runner.run(mart, "rfm_grid", f))
    want = independent.by_group(independent.rfm(tables, f), "segment") if name != "nothing" else None
    assert sorted(got["segment"]) == sorted(independent.SEGMENT_OF["segment"].unique())
    assert got["revenue"].to_list() == sorted(got["revenue"].to_list(), reverse=True)
    for row in got.iter_rows(named=True):
        w = want.filter(pl.col("segment") == row["segment"]) if want is not None else pl.DataFrame()
        if w.is_empty():
            assert row["count_customers"] == 0 and row["avg_recency_days"] is None
            continue
        w = w.row(0, named=True)
        assert row["count_customers"] == w["count_customers"]
        assert close(row["revenue"], w["revenue_cents"] / 100)
        assert close(row["customer_share"], w["customer_share"]) and close(row["revenue_share"], w["revenue_share"])
        assert close(row["avg_customer_revenue"], w["revenue_cents"] / 100 / w["count_customers"])
        assert close(row["avg_recency_days"], w["avg_recency_days"]) and close(row["avg_frequency"], w["avg_frequency"])
