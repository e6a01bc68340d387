"""The overview and scorecard datasets against independent Polars computations on the s mart."""
from __future__ import annotations

import ast
import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from queries import runner
from queries.filters import COMPARE_LAST_YEAR, FILTER_PARAMS, Filters
from tests.independent import frame as independent

ROOT = Path(__file__).resolve().parent.parent


def slices(tables, as_of):
    """Filter combinations a person would use: everything, a region, a dealer, a product, a segment, a channel."""
    year = Filters(start_on=date(as_of.year - 1, as_of.month, 1), end_on=as_of)
    dealers = tables["dealers"].sort("dealer_id")
    region = dealers["region"][0]
    province = dealers.filter(pl.col("region") == region)["province"][0]
    busiest = tables["sales"].group_by("dealer_id").len().drop_nulls().sort(["len", "dealer_id"], descending=True)["dealer_id"][0]
    product = tables["products"].sort("product_id")["product_id"][0]
    return {
        "all": year,
        "region": replace(year, region=region),
        "province": replace(year, region=region, province=province),
        "dealer": replace(year, dealer_id=str(busiest)),
        "product": replace(year, product_ids=(product,)),
        "fleet": replace(year, customer_types=("fleet",)),
        "channel": replace(year, channels=("walk_in", "wechat")),
        "quarter_last_year": replace(year, start_on=date(as_of.year - 1, 1, 1), end_on=date(as_of.year - 1, 3, 31),
                                     compare=COMPARE_LAST_YEAR),
    }


def close(a, b, rel=1e-9, abs_=1e-6):
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (b is None or (isinstance(b, float) and math.isnan(b)))
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


@pytest.mark.parametrize("slice_name", ["all", "region", "province", "dealer", "product", "fleet", "channel", "quarter_last_year"])
def test_kpi_summary_matches_polars(slice_name, tables, mart, as_of):
    f = slices(tables, as_of)[slice_name]
    for filters in (f, f.comparison()):
        got = runner.run(mart, "kpi_summary", filters).row(0, named=True)
        want = independent.kpis(tables, filters)
        for key, value in want.items():
            assert close(got[key], value), f"{slice_name} {filters.start_on}..{filters.end_on}: {key} = {got[key]}, Polars says {value}"


def test_kpi_summary_is_not_trivially_empty(tables, mart, as_of):
    """Guards the comparison above: on the s mart the main slice has real numbers for every KPI."""
    got = runner.run(mart, "kpi_summary", slices(tables, as_of)["all"]).row(0, named=True)
    for key in ("units", "sales_revenue", "gross_margin", "service_revenue", "new_customers", "active_customers",
                "service_retention", "nps", "complaint_backlog", "sla_compliance", "campaign_roi"):
        assert got[key] not in (None, 0), key


def test_kpi_monthly_sums_to_the_period(tables, mart, as_of):
    f = slices(tables, as_of)["region"]
    monthly = runner.run(mart, "kpi_monthly", f)
    want = independent.kpis(tables, f)
    assert monthly["month"].n_unique() == monthly.height == 13
    assert monthly["units"].sum() == want["units"]
    assert close(monthly["sales_revenue"].sum(), want["sales_revenue"])
    assert close(monthly["service_revenue"].sum(), want["service_revenue"])
    received = independent.complaints_in(tables, f, f.start_on, f.end_on).height
    assert monthly["complaints_received"].sum() == received


@pytest.mark.parametrize("slice_name", ["all", "region", "product", "fleet"])
def test_kpi_monthly_matches_polars_month_by_month(tables, mart, as_of, slice_name):
    """Every column of every month against the independent KPIs of that month alone: a monthly margin, NPS or
    count can no longer be wrong while the period's totals hold."""
    f = slices(tables, as_of)[slice_name]
    monthly = runner.run(mart, "kpi_monthly", f)
    for row in monthly.iter_rows(named=True):
        month = row["month"]
        last = min(f.end_on, independent.months_after(month, 1) - timedelta(days=1))
        want = independent.kpis(tables, replace(f, start_on=max(f.start_on, month), end_on=last))
        for key in ("units", "count_nps_responses", "complaints_received"):
            expected = want[key] if key != "complaints_received" else independent.complaints_in(
                tables, f, max(f.start_on, month), last).height
            assert row[key] == expected, (month, key)
        for key in ("sales_revenue", "gross_margin", "service_revenue"):
            assert close(row[key], want[key]), (month, key)
        assert (row["nps"] is None and want["nps"] is None) or close(row["nps"], want["nps"]), (month, "nps")


def test_sales_by_area_drills_one_level_down(tables, mart, as_of):
    f = slices(tables, as_of)
    by_region = runner.run(mart, "sales_by_area", f["all"])
    assert set(by_region["level"]) <= {"region", "hq"}
    s = independent.sales_in(tables, f["all"], f["all"].start_on, f["all"].end_on).join(
        tables["dealers"], on="dealer_id", how="left"
    )
    want = s.group_by("region").agg(pl.col("revenue").sum())
    for region, revenue in want.iter_rows():
        area = "HQ direct" if region is None else region
        assert close(by_region.filter(pl.col("area") == area)["sales_revenue"][0], revenue)
    by_province = runner.run(mart, "sales_by_area", f["region"])
    assert set(by_province["level"]) == {"province"}
    assert close(by_province["sales_revenue"].sum(), s.filter(pl.col("region") == f["region"].region)["revenue"].sum())
    by_dealer = runner.run(mart, "sales_by_area", f["province"])
    assert set(by_dealer["level"]) == {"dealer"} and by_dealer["dealer_id"].null_count() == 0


def test_dealer_scorecard_matches_polars(tables, mart, as_of):
    f = slices(tables, as_of)["region"]
    card = runner.run(mart, "dealer_scorecard", f)
    want = independent.scorecard(tables, f)
    dealers = card.filter(pl.col("level") == "dealer")
    assert sorted(dealers["dealer_id"].to_list()) == sorted(want["dealer_id"].to_list())
    for row in want.iter_rows(named=True):
        got = dealers.filter(pl.col("dealer_id") == row["dealer_id"]).row(0, named=True)
        for key in ("units", "sales_revenue", "nps", "count_nps_responses", "complaints_per_100_customers",
                    "sla_compliance", "lead_conversion", "count_leads_closed"):
            want_value = row[key] if row[key] is not None else (0 if key.startswith("count_") or key == "units" else None)
            if key == "sales_revenue" and want_value is None:
                want_value = 0
            assert close(got[key], want_value), f"dealer {row['dealer_id']} {key}: {got[key]} vs {want_value}"
    # The yardsticks: the region row pools its dealers, the national row pools every dealer.
    region_row = card.filter(pl.col("level") == "region").row(0, named=True)
    assert region_row["units"] == want["units"].fill_null(0).sum()
    national = card.filter(pl.col("level") == "national").row(0, named=True)
    everywhere = independent.scorecard(tables, replace(f, region=None))
    assert national["units"] == everywhere["units"].fill_null(0).sum()
    assert national["count_dealers"] == tables["dealers"].height


def test_a_filter_that_selects_nothing_gives_empty_results_not_errors(mart, as_of):
    nothing = Filters(start_on=date(1990, 1, 1), end_on=date(1990, 12, 31))
    got = runner.run(mart, "kpi_summary", nothing).row(0, named=True)
    assert got["units"] is None and got["new_customers"] == 0
    assert runner.run(mart, "sales_by_area", nothing).is_empty()


def test_every_filter_only_dataset_runs_under_a_filter(mart, as_of):
    """Datasets that bind only filters run here; those with other parameters are run by their page's tests."""
    f = Filters(start_on=date(as_of.year, 1, 1), end_on=as_of, region="华东")
    for name in runner.dataset_names():
        if runner.sql_params(name) <= FILTER_PARAMS:
            assert isinstance(runner.run(mart, name, f), pl.DataFrame)


def _callers() -> dict[str, set[frozenset[str]]]:
    """Every data.load / data.run_uncached / runner.run call in the code, by dataset name, with the keyword names it passes."""
    calls: dict[str, set[frozenset[str]]] = {}
    for path in [ROOT / "app.py", *ROOT.glob("views/*.py"), *ROOT.glob("dashboard/*.py"), *ROOT.glob("queries/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in ("load", "run", "run_uncached", "run_as", "_run_cached"):
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if names:
                    kwargs = frozenset(k.arg for k in node.keywords if k.arg and k.arg not in ("time_limit_s",))
                    calls.setdefault(names[0], set()).add(kwargs)
    return calls


def test_sql_parameters_match_what_callers_pass():
    calls = _callers()
    for name in runner.dataset_names():
        extra = runner.sql_params(name) - FILTER_PARAMS
        assert name in calls, f"{name}.sql is never used by the app"
        for passed in calls[name]:
            assert passed == extra, f"{name}.sql binds {sorted(extra)} besides the filters; a caller passes {sorted(passed)}"


def test_runner_rejects_a_parameter_mismatch(mart):
    with pytest.raises(runner.QueryError, match="binds"):
        runner.run(mart, "mart_info", unexpected=1)


def test_scorecard_ranking_and_yardsticks(tables, mart, as_of):
    from dashboard import scorecard

    f = slices(tables, as_of)["region"]
    card = runner.run(mart, "dealer_scorecard", f)
    ranked = scorecard.rank_dealers(card, "nps")
    small = ranked.filter(pl.col("count_nps_responses") < 30)
    assert small["rank"].null_count() == small.height
    big = ranked.filter(pl.col("count_nps_responses") >= 30).sort("nps", descending=True)
    assert big["rank"].to_list()[0] == 1 and big["nps"][0] == big["nps"].max()
    # Lower is better for complaints: rank 1 has the fewest per 100 customers.
    by_complaints = scorecard.rank_dealers(card, "complaints_per_100_customers").filter(pl.col("rank") == 1)
    eligible = ranked.filter(pl.col("count_customers") >= 50)
    assert by_complaints["complaints_per_100_customers"][0] == eligible["complaints_per_100_customers"].min()
    marks = scorecard.yardsticks(card, "sales_revenue")
    dealers = card.filter(pl.col("level") == "dealer")
    assert close(marks[f.region], dealers["sales_revenue"].sum() / dealers.height)
    assert close(marks["national"], independent.scorecard(tables, replace(f, region=None))["sales_revenue"].fill_null(0).sum() / tables["dealers"].height)


@pytest.mark.parametrize("slice_name", ["dealer", "quarter_last_year"])
def test_dealer_customers_match_polars(tables, mart, as_of, slice_name):
    """The bottom of the drill-down, value by value: each customer's sales and service visits at the dealer in the
    period, their revenue and last day there (none without a dealer chosen)."""
    f = slices(tables, as_of)[slice_name]
    if f.dealer_id is None:
        f = replace(f, dealer_id=slices(tables, as_of)["dealer"].dealer_id)
    got = runner.run(mart, "dealer_customers", f)
    s = independent.sales_in(tables, f, f.start_on, f.end_on).select(
        "customer_id", pl.lit("sale").alias("kind"), pl.col("revenue").cast(pl.Float64), pl.col("sold_on").alias("on"))
    v = independent.visits_in(tables, f, f.start_on, f.end_on).select(
        "customer_id", pl.lit("service").alias("kind"), pl.col("revenue").cast(pl.Float64), pl.col("visited_on").alias("on"))
    want = pl.concat([s, v]).group_by("customer_id").agg(
        count_sales=(pl.col("kind") == "sale").sum(), count_service_visits=(pl.col("kind") == "service").sum(),
        customer_revenue=pl.col("revenue").sum(), last_transacted_on=pl.col("on").max())
    assert want.height and got.height == min(want.height, 500)
    joined = got.join(want, on="customer_id", suffix="_want")
    assert joined.height == got.height
    # at most 500, the largest: none left out spent more than the last one listed
    left_out = want.join(got.select("customer_id"), on="customer_id", how="anti")
    assert left_out.is_empty() or left_out["customer_revenue"].max() <= got["customer_revenue"].min() + 1e-6
    for column in ("count_sales", "count_service_visits", "last_transacted_on"):
        assert (joined[column] == joined[f"{column}_want"]).all(), column
    assert all(close(a, b) for a, b in zip(joined["customer_revenue"], joined["customer_revenue_want"]))
    assert got["customer_revenue"].is_sorted(descending=True)
    assert runner.run(mart, "dealer_customers", replace(f, dealer_id=None)).is_empty()
