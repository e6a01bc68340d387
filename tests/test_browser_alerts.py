"""The Alerts page in headless Chromium: /alerts opens with its headline (the count of flags from current_alerts on the
same mart), and the worst flag's link opens its drill-down page with the dealer's filters set, in the same language."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard import alerts, i18n
from queries import runner
from queries.access import SYSTEM
from queries.filters import Filters
from tests.browser import chromium_page, dashboard_server, wait_for_app

pytestmark = pytest.mark.browser


def test_the_page_opens_with_its_headline_and_the_worst_flag_links_to_its_dealer(s_mart):
    m = runner.connect(s_mart)
    try:
        as_of = runner.run(m, "mart_info")["as_of_on"][0]
        year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
        with i18n.speaking("en"):
            flags = alerts.current_alerts(SYSTEM, year, load=lambda name, f, **x: runner.run(m, name, f, **x))
    finally:
        m.close()
    worst = flags.row(0, named=True)
    with dashboard_server(s_mart) as url, chromium_page() as page:
        page.goto(f"{url}/alerts?lang=en")
        wait_for_app(page)
        page.get_by_text(f"{flags.height} flags in your scope").first.wait_for()
        assert not page.get_by_role("dialog").filter(has_text="Page not found").count()
        link = page.get_by_role("link", name="Open ").first
        assert link.get_attribute("href") == worst["link"]
        with page.context.expect_page() as opened:   # a link to a drill-down opens beside the list
            link.click()
        drill = opened.value
        drill.wait_for_url(f"**/{alerts.page_of(worst)}?**")
        wait_for_app(drill)
        assert "lang=en" in drill.url
        # the filter bar took the link's region and dealer: the page's filter line names them
        drill.locator('[data-testid="stMain"]').get_by_text(
            f"region: {worst['region']}; dealer: {worst['dealer_id']}").first.wait_for()


def test_a_table_cut_to_its_first_rows_still_downloads_every_row(s_mart, tmp_path):
    """The dealer rates checked (240 at the s mart) are cut to components.ROW_LIMIT rows in the browser; the CSV and
    Excel files, made by the server when the button is clicked, hold every one."""
    import polars as pl

    from dashboard import components

    m = runner.connect(s_mart)
    try:
        as_of = runner.run(m, "mart_info")["as_of_on"][0]
        year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
        with i18n.speaking("en"):
            tests = alerts.all_tests(SYSTEM, year, load=lambda name, f, **x: runner.run(m, name, f, **x))
    finally:
        m.close()
    rates = tests.filter(pl.col("month").is_null())
    assert rates.height > components.ROW_LIMIT
    with dashboard_server(s_mart) as url, chromium_page() as page:
        page.goto(f"{url}/alerts?lang=en")
        wait_for_app(page)
        part = page.get_by_test_id("stExpander").filter(has_text="Rows and SQL: Dealer rates checked")
        part.get_by_text("Rows and SQL: Dealer rates checked").click()
        part.get_by_text(f"The first {components.ROW_LIMIT} of {rates.height:,} rows are shown; the CSV and Excel "
                         f"downloads hold all {rates.height:,}.").wait_for()
        for button, name in (("Download CSV", "rates.csv"), ("Download Excel", "rates.xlsx")):
            with page.expect_download() as info:
                part.get_by_role("button", name=button).click()
            path = tmp_path / name
            info.value.save_as(path)
            rows = (pl.read_excel(path, sheet_name="data") if name.endswith(".xlsx")
                    else pl.read_csv(path, comment_prefix="#"))
            assert rows.height == rates.height, name
            assert rows["Dealer no."].cast(pl.String).to_list() == rates["dealer_id"].to_list(), name
