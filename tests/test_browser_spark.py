"""CRM_ENGINE=spark serves the dashboard end to end (issue 16): the overview's tiles and the dealer scorecard's
headline in headless Chromium, served by local Spark over the s mart's Parquet export, read the same as the app
served by DuckDB. One Spark-served server and two pages; the DuckDB side is the same app under AppTest (no second
server), which shows the same formatted values."""
from __future__ import annotations

import re

import pytest

from tests.apptest import open_app
from tests.browser import chromium_page, dashboard_server, wait_for_app

pytestmark = [pytest.mark.spark, pytest.mark.browser]

HEADLINE = re.compile(r"^\*\*((?:National .+|.+ per dealer across all your dealers): [^*]+)\*\*")


def duckdb_view(page: str, monkeypatch) -> tuple[dict[str, str], list[str]]:
    """The tiles ({label: value}) and the scorecard's headline (its bold part) as the DuckDB-served app shows them."""
    monkeypatch.delenv("CRM_ENGINE", raising=False)
    at = open_app(page, timeout=120)
    tiles = {m.label: m.value for m in at.metric}
    headlines = [m.group(1) for md in at.markdown if (m := HEADLINE.match(md.value))]
    return tiles, headlines


def page_tiles(page) -> dict[str, str]:
    tiles = {}
    for tile in page.get_by_test_id("stMetric").all():
        label = tile.get_by_test_id("stMetricLabel").inner_text().strip()
        tiles[label] = tile.get_by_test_id("stMetricValue").inner_text().strip()
    return tiles


def wait_for_spark(page) -> None:
    """A page's first run on Spark plans every dataset it reads: seconds each on a loaded 2-core machine."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=300_000)
    wait_for_app(page)


def test_overview_and_scorecard_on_spark_read_as_on_duckdb(app_env, s_mart, monkeypatch, tmp_path):
    want_tiles, _ = duckdb_view("views/overview.py", monkeypatch)
    _, headlines = duckdb_view("views/dealer_scorecard.py", monkeypatch)
    want_headline = headlines[0]  # "National sales revenue per dealer: ¥30.32M"
    assert len(want_tiles) >= 4

    env = {"CRM_ENGINE": "spark", "CRM_PARQUET": str(tmp_path / "parquet"), "CRM_SPARK_SHUFFLE_PARTITIONS": "1"}
    with dashboard_server(s_mart, env=env) as url, chromium_page() as page:
        page.set_default_timeout(120_000)
        page.goto(f"{url}/overview")
        wait_for_spark(page)
        for label in want_tiles:  # a tile drawn late (the targets' section) is waited for
            page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first.wait_for()
        assert not page.get_by_test_id("stException").count(), page.get_by_test_id("stException").first.inner_text()
        assert page_tiles(page) == want_tiles

        page.goto(f"{url}/dealers")
        wait_for_spark(page)
        assert not page.get_by_test_id("stException").count(), page.get_by_test_id("stException").first.inner_text()
        page.get_by_text(want_headline, exact=True).first.wait_for()
    assert (tmp_path / "parquet" / "manifest.json").exists()  # served from the export, not the DuckDB file
