"""Targets in headless Chromium: the overview's attainment tiles and sentence, the scorecard ranked by attainment with
its region x month heat map and sentence, and the note that replaces attainment under a segment filter."""
from __future__ import annotations

from datetime import timedelta

import pytest

from queries.filters import Filters
from tests.browser import chromium_page, choose, dashboard_server, wait_for_app
from tests.independent import frame
from tests.independent import targets as independent

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def metric_value(page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    tile.wait_for()
    return tile.get_by_test_id("stMetricValue").inner_text().strip()


def test_attainment_on_the_overview_and_the_scorecard_and_the_note_under_a_segment(server, s_mart):
    t = frame.read_tables(s_mart)
    as_of = t["sales"]["sold_on"].max()
    year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    want = independent.attainment(t, year, as_of)
    with chromium_page() as page:
        page.goto(f"{server}/overview")
        wait_for_app(page)
        assert metric_value(page, "Target attainment (units)") == f"{round(100 * want['units_attainment'])}%"
        assert metric_value(page, "Target attainment (revenue)") == f"{round(100 * want['revenue_attainment'])}%"
        page.get_by_text(f"Units sold reached {round(100 * want['units_attainment'])}% of target").wait_for()

        page.goto(f"{server}/dealers")
        wait_for_app(page)
        regions = independent.roll_up(independent.dealers(t, year), ["region"])
        ahead = int((regions["revenue_attainment"] >= 1).sum())
        page.get_by_text(f"{ahead} of {regions.height} regions are at or above their revenue target").wait_for()
        page.get_by_text("Target attainment (revenue) by region and month").first.wait_for()
        choose(page, "Rank by", "Target attainment (revenue)")
        wait_for_app(page)
        national = want["revenue_attainment"]
        page.get_by_text(f"National target attainment (revenue): {100 * national:.1f}%").wait_for()

        page.goto(f"{server}/overview?segment=fleet")
        wait_for_app(page)
        page.get_by_text("Targets are set for a dealer's whole business").first.wait_for()
        assert page.get_by_test_id("stMetric").filter(has_text="Target attainment").count() == 0
