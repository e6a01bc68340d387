"""The Sales forecast page in headless Chromium: the forecast and its verdict in plain words, revenue kept in the
link, one click for every region's forecast (small charts one per row on a phone), and a new dealer's short
history, as a person sees them."""
from __future__ import annotations

from urllib.parse import unquote

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser import chromium_page, dashboard_server, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def test_forecast_a_group_and_a_sparse_slice(server, s_con, tmp_path):
    regions = s_con.sql("select distinct region from dealers").pl()["region"].to_list()
    newest = s_con.sql(
        "select d.dealer_id, d.dealer_name, d.region, d.province, min(s.sold_on) as first_sale_on "
        "from sales s join dealers d using (dealer_id) group by all order by first_sale_on desc, dealer_id limit 1"
    ).pl().row(0, named=True)
    with chromium_page() as page:
        # In from the front page, as a person does.
        page.goto(server)
        wait_for_app(page)
        page.get_by_role("link", name="Sales forecast").click()
        wait_for_app(page)
        page.get_by_role("heading", name="Sales forecast").wait_for()
        page.get_by_text("more accurate than repeating").or_(page.get_by_text("no forecasting method did better")).first.wait_for()
        charts = page.get_by_test_id("stPlotlyChart")
        expect(charts).to_have_count(1, timeout=60_000)  # Plotly's bundle loads after the text: wait for the chart itself

        page.get_by_text("Sales revenue", exact=True).click()
        wait_for_app(page)
        assert "forecast_measure=Sales+revenue" in unquote(page.url)
        page.get_by_text("Sales revenue by month and the next").first.wait_for()

        page.get_by_role("button", name="Forecast each region").click()
        page.get_by_text(f"{len(regions) + 1} of {len(regions) + 1} groups").wait_for(timeout=180_000)
        page.get_by_text("Rows and SQL: Forecast each region").wait_for(timeout=180_000)  # the last part the click draws
        # The slice's chart and six small charts in view (the other groups' behind an expander).
        expect(charts.nth(6)).to_be_visible(timeout=60_000)
        page.screenshot(path=str(tmp_path / "forecast_regions.png"), full_page=True)

        # On a phone the small charts stack one per row, each the width of the page.
        page.set_viewport_size({"width": 390, "height": 900})
        page.wait_for_timeout(1500)
        first, second = charts.nth(1).bounding_box(), charts.nth(2).bounding_box()
        assert abs(first["x"] - second["x"]) < 2 and second["y"] >= first["y"] + first["height"] - 2
        assert first["width"] > 300
        assert page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                             " return m.scrollWidth - m.clientWidth; }") == 0   # no sideways scrolling
        page.set_viewport_size({"width": 1400, "height": 1000})

        # The newest dealer: a short history gets non-seasonal models, said in words under the verdict.
        label = f"{newest['dealer_name']} (#{newest['dealer_id']})"
        query = {"region": newest["region"], "province": newest["province"], "dealer": label}
        page.goto(f"{server}/forecast?{urlencode(query)}")
        wait_for_app(page)
        page.get_by_text("seasonal models need 36").wait_for()

        # Eight months after its first sale there is too little history: a message instead of a forecast.
        opened = newest["first_sale_on"].replace(day=1)
        end = date(opened.year + (opened.month + 7) // 12, (opened.month + 7) % 12 + 1, 1) - timedelta(days=1)
        period = [("period", f"{end - timedelta(days=90):%Y-%m-%d}"), ("period", f"{end:%Y-%m-%d}")]
        page.goto(f"{server}/forecast?{urlencode(list(query.items()) + period)}")
        wait_for_app(page)
        page.get_by_text("Not enough history to forecast: 8 months").wait_for()
        expect(charts).to_have_count(1, timeout=60_000)  # the history is still drawn
        page.screenshot(path=str(tmp_path / "forecast_sparse.png"), full_page=True)
