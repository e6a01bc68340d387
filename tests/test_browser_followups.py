"""The follow-up calls page in headless Chromium: a shared link opens it with its headline (the numbers from an
independent computation), the dealers' tab draws the funnel, and a dealer chosen in the list tab lists its calls with
a link on to the customer's 360 view."""
from __future__ import annotations

from datetime import timedelta

import pytest

from queries.filters import Filters
from tests.browser import chromium_page, choose, dashboard_server, wait_for_app
from tests.independent import followups as independent

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def test_the_page_opens_from_a_link_with_its_headline_and_drills_to_a_customer(server, tables, s_con):
    as_of = s_con.sql("select as_of_on from mart_info").fetchall()[0][0]
    year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    total = independent.by_type(tables, year)[None]
    headline = (f"Of {total['count_attempts']:,} follow-up calls in the period, "
                f"{round(100 * total['response_rate'])}% reached a customer who answered.")
    with chromium_page() as page:
        page.goto(f"{server}/followups?followup_tab=Regions+and+dealers")
        wait_for_app(page)
        page.get_by_text(headline).first.wait_for()
        assert not page.get_by_role("dialog").filter(has_text="Page not found").count()
        page.get_by_text("Response rate against call attempts, with funnel limits").first.wait_for()

        page.get_by_role("tab", name="Calls of a dealer").click()
        wait_for_app(page)
        choose(page, "Dealer (worst first)")
        wait_for_app(page)
        page.get_by_text(" call attempts").first.wait_for()
        choose(page, "Open a customer")
        wait_for_app(page)
        link = page.get_by_role("link", name="open the 360 view")
        link.first.wait_for()
        assert "customer_id=C" in (link.first.get_attribute("href") or "")
