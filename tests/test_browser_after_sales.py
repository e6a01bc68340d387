"""End to end in headless Chromium: the after-sales page opens at its address, leads with its answer (the vehicles due
for maintenance and the warranty-problem model, as the independent computation has them), and its maintenance list
downloads as CSV with customer numbers."""
from __future__ import annotations

import csv
from datetime import timedelta

import pytest

from mart.generate import WARRANTY_PROBLEM_PRODUCT
from queries.filters import Filters
from tests.browser import chromium_page, dashboard_server, download, wait_for_app
from tests.independent import after_sales as independent
from tests.independent import frame

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def test_the_after_sales_page_leads_with_its_answer_and_exports_the_list(server, s_mart, tmp_path):
    t = frame.read_tables(s_mart)
    as_of = max(t["sales"]["sold_on"].max(), t["service_visits"]["visited_on"].max())
    year = Filters(start_on=as_of - timedelta(days=364), end_on=as_of)
    due = independent.maintenance_due(t, year)
    with chromium_page() as page:
        page.goto(f"{server}/after-sales?lang=en")
        wait_for_app(page)
        page.get_by_role("heading", name="After-sales service").wait_for()
        sentence = page.get_by_text(f"{due.height:,} vehicles are due or overdue for maintenance").first
        sentence.wait_for()
        assert f"{WARRANTY_PROBLEM_PRODUCT} has" in sentence.inner_text()
        page.get_by_text("Rows and SQL: Vehicles due for maintenance").first.click()
        path = download(page, page.get_by_role("button", name="CSV, rows only").first, tmp_path / "due.csv")
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["Customer no."] for r in rows] == due["customer_id"].head(100).to_list()   # human headers
