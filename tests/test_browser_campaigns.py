"""The campaign page end to end in headless Chromium: filter, drill into a campaign (from the list and from the
chart), reload into the same view, move budget between channels and export the projection."""
from __future__ import annotations

from urllib.parse import unquote

import re
from datetime import timedelta

import polars as pl
import pytest
from playwright.sync_api import expect

from dashboard.metrics import format_metric
from queries.filters import Filters
from tests.browser import chromium_page, choose, dashboard_server, download, wait_for_app
from tests.independent import campaigns as independent
from tests.independent import frame

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def metric_value(page, label: str):
    """The value of a KPI tile, as a locator to wait on: reruns land a moment after the widget changes."""
    return page.get_by_test_id("stMetric").filter(has_text=label).first.get_by_test_id("stMetricValue")


def contacts_of(results: dict, cid: int) -> int:
    return results[cid]["count_contacts"] + results[cid]["count_control"]


def test_filter_drill_reload_and_move_budget(server, s_mart, tmp_path):
    tables = frame.read_tables(s_mart)
    as_of = tables["sales"]["sold_on"].max()
    region = tables["dealers"].sort("dealer_id")["region"][0]
    f = Filters(start_on=as_of - timedelta(days=364), end_on=as_of, region=region)
    results = independent.campaign_results(tables, f)
    rules = independent.attribution(tables, f, 30)

    with chromium_page() as page:
        page.goto(server)
        wait_for_app(page)
        page.get_by_role("link", name="Campaign ROI and leads").click()
        wait_for_app(page)
        page.get_by_role("heading", name="Campaign ROI and leads").wait_for()

        choose(page, "Region", region)
        wait_for_app(page)
        assert f"region={region}" in unquote(page.url)
        expect(metric_value(page, "ROI, recorded")).to_have_text(format_metric("campaign_roi", rules[(None, "recorded")]["roi"]))
        expect(metric_value(page, "ROI, last touch")).to_have_text(format_metric("campaign_roi", rules[(None, "last_touch")]["roi"]))

        # Drill from the chart: click a campaign's point in the cost against incremental margin chart.
        chart = page.locator(".stPlotlyChart").filter(has_text="Cost against incremental margin").first
        point = chart.locator(".scatterlayer .trace .points path").first
        # Plotly redraws the chart when a late rerun lands, detaching the point it had drawn: look it up again.
        for attempt in range(4):
            try:
                point.wait_for()
                point.scroll_into_view_if_needed(timeout=5_000)
                box = point.bounding_box()
                break
            except Exception:
                if attempt == 3:
                    raise
                page.wait_for_timeout(500)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_for_app(page)
        campaign_box = page.get_by_role("combobox", name="Campaign", exact=True)
        expect(campaign_box).to_have_value(re.compile(r"\(#[\w-]+\)$"))
        clicked = campaign_box.input_value()
        clicked_id = re.search(r"\(#([\w-]+)\)$", clicked).group(1)
        page.get_by_text(f"Contacts (treatment and control): {contacts_of(results, clicked_id):,} in all").wait_for()

        # Drill from the list: the campaign with the most contacts in the region.
        cid = max((c for c in results if c != clicked_id), key=lambda c: contacts_of(results, c))
        # The box holds the clicked campaign, which filters its list: type the new one, as a person would.
        box = page.get_by_role("combobox", name="Campaign", exact=True)
        box.click()
        box.fill(f"(#{cid})")
        page.get_by_role("option", name=f"{results[cid]['campaign_name']} (#{cid})", exact=True).click()
        wait_for_app(page)
        assert f"#{cid})" in unquote(page.url)
        page.get_by_text(f"Contacts (treatment and control): {contacts_of(results, cid):,} in all").wait_for()
        page.get_by_role("tab", name="Leads", exact=True).click()
        page.get_by_text(f"Leads: {results[cid]['count_leads']:,} in all").wait_for()

        # A reload opens the same view: region, campaign and all.
        url = page.url
        page.reload()
        wait_for_app(page)
        assert page.url == url
        page.get_by_text(f"Contacts (treatment and control): {contacts_of(results, cid):,} in all").wait_for()

        # Move the whole budget of the biggest channel to the cheapest one and read the projection's export.
        page.get_by_role("tab", name="Budget what-if").click()
        wait_for_app(page)
        assert "campaign_tab=Budget" in unquote(page.url)
        page.get_by_text("Projection, not a forecast.").wait_for()
        rates = independent.budget_rates(tables, f)
        big = max(rates, key=lambda c: rates[c]["cost"])
        cheap = min(rates, key=lambda c: rates[c]["cost_per_lead"])
        moved = round(rates[big]["cost"] / 1000) + round(rates[cheap]["cost"] / 1000)
        for channel, value in ((big, 0), (cheap, moved)):
            box = page.get_by_role("spinbutton", name=f"{channel.replace('_', ' ')} (¥k)")
            box.fill(str(value))
            box.press("Enter")
            wait_for_app(page)
        page.get_by_text("Rows and SQL: Budget what-if").click()
        wait_for_app(page)
        path = download(page, page.get_by_role("button", name="Download CSV").last, tmp_path / "what_if.csv")
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")   # a byte-order mark: Excel on Chinese Windows reads UTF-8
        text = raw.decode("utf-8-sig")
        assert text.startswith("# Budget what-if") and f"region: {region}" in text
        # The export's headers are the human ones, in the page's language.
        projection = pl.read_csv(path, comment_prefix="#")
        row = projection.filter(pl.col("Channel") == cheap).row(0, named=True)
        assert row["Budget"] == pytest.approx(moved * 1000)
        assert row["Expected leads"] == pytest.approx(moved * 1000 / rates[cheap]["cost_per_lead"])
        assert projection.filter(pl.col("Channel") == big)["Expected leads"][0] == 0
        page.screenshot(path=str(tmp_path / "campaigns.png"), full_page=True)


def test_the_page_in_chinese_keeps_its_tab_in_the_link(server):
    """The tabs are bound to the URL by their label: in Chinese the link carries the Chinese label, and a link
    with the English label opens the same tab in Chinese."""
    with chromium_page() as page:
        page.goto(f"{server}/campaigns?lang=zh&campaign_tab=Budget%20what-if")
        wait_for_app(page)
        page.get_by_role("heading", name="营销活动回报与线索").wait_for()
        expect(page.get_by_role("tab", name="预算模拟", exact=True)).to_have_attribute("aria-selected", "true")
        page.get_by_text("这是推算，不是预测。").wait_for()
        page.get_by_role("tab", name="线索漏斗", exact=True).click()
        wait_for_app(page)
        page.get_by_text("线索为什么战败").wait_for()
        assert "campaign_tab=线索漏斗" in unquote(page.url)
