"""bench/concurrency.py's ws driver, for real: Streamlit's websocket protocol against a real dashboard server on the
s mart. A smoke test of the driver and its protocol client (bench/ws_client.py): nothing here asserts a timing."""
from __future__ import annotations

import asyncio

import pytest

from bench.concurrency import dealers_by_region, drive_ws, markdown, summarise
from bench.ws_client import RerunFailed, StreamlitSession
from tests.browser import dashboard_server


@pytest.fixture(scope="module")
def server(s_mart):
    with dashboard_server(s_mart) as url:
        yield url


def test_the_ws_driver_changes_filters_without_error(server, s_mart):
    """2 sessions x 2 rounds: a region and one of its dealers each round, every rerun finished and applied."""
    results, errors, seconds = asyncio.run(drive_ws(server, 2, 2, dealers_by_region(s_mart)))
    assert errors == []
    assert sorted(kind for kind, _ in results) == ["dealer"] * 4 + ["region"] * 4
    assert all(0 < t <= seconds for _, t in results)


def test_a_chosen_dealer_reaches_the_server_and_stays_across_a_page_change(server, s_mart):
    """The selectbox's value goes as its label; the server's answer names the dealer (the filter line), and the
    next page, asked for by its script hash, still filters on it."""
    dealers = dealers_by_region(s_mart)
    region = sorted(dealers)[1]
    dealer_id, name = dealers[region][-1]

    async def visit():
        async with StreamlitSession(server, timeout_s=60) as tab:
            opened = await tab.open("/overview?lang=en")
            chosen_region = await tab.choose("Region", region)
            chosen = await tab.choose("Dealer", f"{name} (#{dealer_id})")
            moved = await tab.switch_page("Dealer scorecard")
            with pytest.raises(RerunFailed):
                await tab.choose("Dealer", "nobody (#D9999)")
            return tab, opened, chosen_region, chosen, moved

    tab, opened, chosen_region, chosen, moved = asyncio.run(visit())
    assert opened.says("Executive overview") and not opened.says(dealer_id)
    assert chosen_region.says(f"region: {region}")
    assert chosen.says(f"dealer: {dealer_id}")
    assert moved.page_script_hash == tab.pages["Dealer scorecard"][0] != opened.page_script_hash
    assert moved.says("Dealer scorecard") and moved.says(f"dealer: {dealer_id}")
    assert "dealer=" in tab.query_string and "lang=en" in tab.query_string


def test_the_summary_names_its_driver_and_think_time():
    s = summarise([("region", 0.5), ("dealer", 0.7)], [], 3.0, [(0.0, 100.0), (0.5, 120.0)], sessions=1, changes=1,
                  driver="ws", think_s=2.0)
    assert (s["driver"], s["think_s"]) == ("ws", 2.0)
    first = markdown(s).splitlines()[0]
    assert first.startswith("1 sessions x 1 rounds (ws driver, think time 2 s on average), 2 changes in 3 s, 0 errors")
    assert "(chromium driver, no think time)" in markdown(summarise([("page", 1.0)], [], 1.0, [(0.0, 1.0)], 1, 1,
                                                                     driver="chromium"))
