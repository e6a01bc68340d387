"""End to end in headless Chromium: segments under a region filter, a segment's list downloaded and checked,
a customer opened from it in Customer 360 with the filters kept, personal fields revealed, tabs and customers
reached from links."""
from __future__ import annotations

from urllib.parse import unquote

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest

from dashboard.columns import column
from queries.filters import Filters
from tests.browser import chromium_page, choose, dashboard_server, reveal_personal_fields, wait_for_app
from tests.independent import frame, segments as independent

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def metric_value(page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    tile.wait_for()
    return tile.get_by_test_id("stMetricValue").inner_text().strip()


def test_segments_to_a_customers_360_and_back_by_link(server, s_mart, tmp_path):
    t = frame.read_tables(s_mart)
    as_of = max(t["sales"]["sold_on"].max(), t["service_visits"]["visited_on"].max())
    year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    region = t["dealers"].sort("dealer_id")["region"][0]
    in_region = replace(year, region=region)
    with chromium_page() as page:
        page.goto(f"{server}/segments")
        wait_for_app(page)
        page.get_by_text("Customers scored").first.wait_for()
        assert metric_value(page, "Customers scored") == f"{independent.rfm(t, year).height:,}"

        choose(page, "Region", region)
        wait_for_app(page)
        assert f"region={region}" in unquote(page.url)
        scored = independent.rfm(t, in_region)
        page.get_by_test_id("stMetricValue").filter(has_text=f"{scored.height:,}").first.wait_for()

        choose(page, "RFM segment", "loyal")
        wait_for_app(page)
        assert "list_segment=loyal" in unquote(page.url)
        loyal = scored.filter(pl.col("segment") == "loyal")
        page.get_by_text(f"Customer list: loyal: {loyal.height:,} customers", exact=True).wait_for()
        page.get_by_text("Show the list, its downloads and Customer 360 links").click()
        page.get_by_text(f"{loyal.height:,} customers, largest revenue first").wait_for()
        with page.expect_download() as info:
            page.get_by_role("button", name="Download the list (CSV)").click()
        path = tmp_path / "loyal.csv"
        info.value.save_as(path)
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")   # a byte-order mark: Excel on Chinese Windows reads UTF-8
        text = raw.decode("utf-8-sig")
        assert text.startswith("# Customer list: loyal") and f"region: {region}" in text
        # The file's headers are the columns' human names (dashboard/export.py).
        rows = pl.read_csv(path, comment_prefix="#").rename(
            {column(c).label: c for c in ("customer_id", "monetary", "r_score", "f_score", "m_score", "rfm_code", "tier")})
        assert sorted(rows["customer_id"].to_list()) == sorted(loyal["customer_id"].to_list())
        assert {"r_score", "f_score", "m_score", "rfm_code", "tier"} <= set(rows.columns)

        first = rows.sort(["monetary", "customer_id"], descending=[True, False])["customer_id"][0]
        choose(page, "Open a customer in Customer 360", str(first))
        page.get_by_text(f"Customer {first}", exact=True).wait_for()
        wait_for_app(page)
        assert "/customer?" in unquote(page.url) and f"customer_id={first}" in unquote(page.url) and f"region={region}" in unquote(page.url)
        assert metric_value(page, "RFM segment") == "loyal"

        # Personal fields: masked in the profile table (its cells are in the grid's accessible table) until revealed.
        page.get_by_text("hidden", exact=True).first.wait_for(state="attached")
        city = t["customers"].filter(pl.col("customer_id") == first)["city"][0]
        assert page.get_by_text(city, exact=True).count() == 0
        reveal_personal_fields(page, "checking the segment list")
        page.get_by_text("Personal fields are shown").wait_for()
        page.get_by_text(city, exact=True).first.wait_for(state="attached")
        assert "reveal" not in unquote(page.url)  # revealing is never part of a shareable link
        page.screenshot(path=str(tmp_path / "customer_360.png"), full_page=True)

        page.goto(f"{server}/segments?segments_tab=Lifetime+value&region={region}")
        wait_for_app(page)
        # The answer leads; the model's workings are in the analysts' expander.
        page.get_by_text("We expect these").wait_for(timeout=60_000)
        page.get_by_text("How this is worked out").click()
        page.get_by_text("Fitted parameters").wait_for()
        page.get_by_text("Holdout check").first.wait_for()
        assert metric_value(page, "Customers valued") == f"{independent.clv_inputs(t, in_region, year.start_on).height:,}"

        other = t["complaints"].sort("complaint_id")["customer_id"][0]
        page.goto(f"{server}/customer?customer_id={other}")
        wait_for_app(page)
        page.get_by_text(f"Customer {other}", exact=True).wait_for()
        page.get_by_text("complaint received", exact=True).first.wait_for(state="attached")
