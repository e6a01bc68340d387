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
