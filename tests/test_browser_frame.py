"""End to end in headless Chromium: pick a region, drill to a dealer, reload, see the same view, export."""
from __future__ import annotations

from urllib.parse import unquote

import re

import polars as pl
import pytest

from tests.browser import chromium_page, choose, dashboard_server, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def test_drill_to_a_dealer_survives_a_reload_and_exports(server, s_con, tmp_path):
    dealers = s_con.sql("select * from dealers order by dealer_id").pl()
    region = dealers["region"][0]
    with chromium_page() as page:
        page.goto(server)
        wait_for_app(page)
        page.get_by_text("Executive overview").first.wait_for()

        choose(page, "Region", region)
        wait_for_app(page)
        assert f"region={region}" in unquote(page.url)

        page.get_by_text("Drill into a province").wait_for()
        provinces = dealers.filter(pl.col("region") == region)["province"].unique().sort().to_list()
        choose(page, "Drill into a province")
        wait_for_app(page)
        assert "province=" in unquote(page.url)
        province = next(p for p in provinces if f"province={p}" in unquote(page.url).replace("+", " "))

        choose(page, "Drill into a dealer")
        wait_for_app(page)
        assert "dealer=" in unquote(page.url)
        page.get_by_text(re.compile(r"^Customers of .+ in the period")).first.wait_for()
        url = page.url

        page.reload()
        wait_for_app(page)
        assert page.url == url
        page.get_by_text(re.compile(r"^Customers of .+ in the period")).first.wait_for()
        crumbs = page.get_by_test_id("stButton")
        crumbs.filter(has_text=region).first.wait_for()
        crumbs.filter(has_text=province).first.wait_for()

        page.get_by_text("Rows and SQL: Dealer customers").click()
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV").last.click()
        path = tmp_path / "export.csv"
        info.value.save_as(path)
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")   # a byte-order mark: Excel on Chinese Windows reads UTF-8
        text = raw.decode("utf-8-sig")
        assert text.startswith("# Dealer customers")
        assert f"region: {region}" in text and "data as of:" in text
        rows = pl.read_csv(path, comment_prefix="#")
        assert rows.height > 0 and "Customer no." in rows.columns   # the export's headers are the page's
        page.screenshot(path=str(tmp_path / "dealer.png"), full_page=True)


def test_a_shared_deep_link_opens_inside_the_frame(s_mart):
    """A deep link as a fresh server's first request used to get Streamlit's 'Page not found' dialog or the
    page without its filter bar, while the page files sat in a folder named pages/."""
    with dashboard_server(s_mart) as url, chromium_page() as page:
        page.goto(f"{url}/dealers?segment=fleet")
        wait_for_app(page)
        page.get_by_role("heading", name="Dealer scorecard").wait_for()
        page.get_by_role("combobox", name="Region", exact=True).wait_for()
        assert not page.get_by_role("dialog").filter(has_text="Page not found").count()
        assert "segment=fleet" in unquote(page.url)
