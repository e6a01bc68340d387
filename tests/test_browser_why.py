"""The "why did it move" page in headless Chromium: a link naming the KPI and dimension by key (as the weekly digest
writes it) opens that split, with the headline's numbers from an independent computation; clicking a region's bar
in the waterfall narrows the filters to that region and splits by dealer."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from queries.filters import Filters
from tests.browser import chromium_page, dashboard_server, wait_for_app
from tests.independent import frame

pytestmark = pytest.mark.browser


def test_a_link_opens_the_split_it_names_with_its_headline(s_mart, tables, s_con):
    as_of = s_con.sql("select as_of_on from mart_info").fetchall()[0][0]
    year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    before, after = (frame.kpis(tables, f)["units"] for f in (year.comparison(), year))
    moved = "rose" if after > before else "fell"
    headline = f"Units sold {moved} {abs(after - before):,}, from {before:,} to {after:,}."
    with dashboard_server(s_mart) as server, chromium_page() as page:
        page.goto(f"{server}/why?why_kpi=units&why_dimension=region")
        wait_for_app(page)
        page.get_by_text(headline).first.wait_for()
        assert not page.get_by_role("dialog").filter(has_text="Page not found").count()
        page.get_by_text("Units sold: from the comparison period to this one").first.wait_for()
        page.locator(".js-plotly-plot").get_by_text("Comparison period").first.wait_for()   # the waterfall drawn

        page.locator(".js-plotly-plot .point").nth(1).click(force=True)   # the first region's bar
        # The click narrows the region and then moves the split to dealers: wait for the link to name both (CI once
        # read it between the two).
        page.wait_for_function("() => location.search.includes('region=') && location.search.includes('why_dimension=')"
                               " && !location.search.includes('why_dimension=region')")
        wait_for_app(page)
        linked = parse_qs(urlparse(page.url).query)
        assert linked["region"][0] in set(tables["dealers"]["region"].to_list()) and linked["why_dimension"] == ["Dealer"]
        page.get_by_text("Look inside a Dealer (split by Product)").first.wait_for()
