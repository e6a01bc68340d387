"""The forecast datasets against independent Polars computations on the s mart: the slice's whole monthly
history up to the last whole month, and the same per region, dealer and product."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from queries import runner
from queries.filters import Filters
from tests.independent import forecast as independent


def newest_dealer(tables) -> int:
    first = tables["sales"].drop_nulls("dealer_id").group_by("dealer_id").agg(pl.col("sold_on").min())
    return str(first.sort(["sold_on", "dealer_id"], descending=[True, False])["dealer_id"][0])


def slices(tables, as_of) -> dict[str, Filters]:
    year = Filters(start_on=date(as_of.year - 1, as_of.month, 1), end_on=as_of)
    region = tables["dealers"].sort("dealer_id")["region"][0]
    newest_product = tables["products"].drop_nulls("launched_on").sort("launched_on")["product_id"][-1]
    return {
        "all": year,
        "region": replace(year, region=region),
        "new dealer": replace(year, dealer_id=newest_dealer(tables)),
        "new product": replace(year, product_ids=(newest_product,)),
        "fleet": replace(year, customer_types=("fleet",)),
        "wechat": replace(year, channels=("wechat",)),
        # A period that ends mid-month: that month is still in progress and is left out of the history.
        "mid-month end": replace(year, end_on=date(as_of.year, 6, 15)),
    }


def same(got: pl.DataFrame, want: pl.DataFrame, keys: list[str]) -> None:
    got, want = got.sort(keys), want.sort(keys)
    assert got.select(keys).to_dicts() == want.select(keys).to_dicts()
    assert got["units"].to_list() == want["units"].to_list()
    assert got["revenue"].to_numpy() == pytest.approx(want["revenue"].to_numpy(), rel=1e-9)


@pytest.mark.parametrize("name", ["all", "region", "new dealer", "new product", "fleet", "wechat", "mid-month end"])
def test_forecast_monthly_matches_polars(name, tables, mart, as_of):
    f = slices(tables, as_of)[name]
    got = runner.run(mart, "forecast_monthly", f)
    want = independent.monthly_history(tables, f)
    assert got.height > 0
    same(got, want, ["month"])
    assert got["month"].max() == independent.last_whole_month(f.end_on)


def test_forecast_monthly_ignores_the_period_start_and_stops_at_the_last_whole_month(tables, mart, as_of):
    """The period picks the origin, not the history: a one-month period still gets every month before it."""
    f = slices(tables, as_of)["all"]
    short = replace(f, start_on=date(as_of.year, 6, 1), end_on=date(as_of.year, 6, 30))
    got = runner.run(mart, "forecast_monthly", short)
    first_sale = tables["sales"]["sold_on"].min()
    assert got["month"].min() == first_sale.replace(day=1)
    assert got["month"].max() == date(as_of.year, 6, 1)
    mid = runner.run(mart, "forecast_monthly", slices(tables, as_of)["mid-month end"])
    assert mid["month"].max() == date(as_of.year, 5, 1)


def test_new_dealer_history_starts_at_its_first_sale(tables, mart, as_of):
    f = slices(tables, as_of)["new dealer"]
    got = runner.run(mart, "forecast_monthly", f)
    first = tables["sales"].filter(pl.col("dealer_id") == f.dealer_id)["sold_on"].min()
    assert got["month"].min() == first.replace(day=1)
    assert got.height < 36, "the newest dealer should have a short history on the s mart"


@pytest.mark.parametrize("group_by", ["region", "dealer", "product"])
def test_forecast_by_group_matches_polars(group_by, tables, mart, as_of):
    f = slices(tables, as_of)["all"]
    if group_by == "dealer":
        f = slices(tables, as_of)["region"]
    got = runner.run(mart, "forecast_by_group", f, group_by=group_by, max_groups=1000)
    want = independent.group_history(tables, f, group_by)
    same(got, want, ["group_key", "month"])
    assert got["count_groups"].unique().to_list() == [want["group_key"].n_unique()]
    # The groups add up to the slice.
    total = got.group_by("month").agg(pl.col("units").sum()).sort("month")
    whole = independent.monthly_history(tables, f)
    assert total["units"].to_list() == whole["units"].to_list()


def test_forecast_by_group_keeps_the_largest_groups(tables, mart, as_of):
    f = slices(tables, as_of)["all"]
    got = runner.run(mart, "forecast_by_group", f, group_by="dealer", max_groups=5)
    assert got["group_key"].n_unique() == 5
    want = independent.group_history(tables, f, "dealer")
    last = independent.last_whole_month(f.end_on)
    recent = (
        want.filter(pl.col("month") > date(last.year - 1, last.month, 1))
        .group_by("group_key").agg(pl.col("revenue").sum())
        .sort(["revenue", "group_key"], descending=[True, False])
    )
    ranked = got.unique("group_key").sort("group_rank")
    assert ranked["group_key"].to_list() == recent["group_key"].head(5).to_list()
    assert ranked["count_groups"][0] == want["group_key"].n_unique()
    labels = dict(zip(ranked["group_key"], ranked["group_label"]))
    key = next(k for k in labels if k != "HQ direct")
    dealer = tables["dealers"].filter(pl.col("dealer_id") == key).row(0, named=True)
    assert labels[key] == f"{dealer['dealer_name']} (#{dealer['dealer_id']})"


def test_a_slice_without_sales_gives_no_rows(mart):
    nothing = Filters(start_on=date(1990, 1, 1), end_on=date(1990, 12, 31))
    assert runner.run(mart, "forecast_monthly", nothing).is_empty()
    assert runner.run(mart, "forecast_by_group", nothing, group_by="region", max_groups=30).is_empty()
