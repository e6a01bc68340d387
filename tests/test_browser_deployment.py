"""What a deployment expects of the running server: a rebuilt mart shows on the next page view without a restart;
nothing is fetched from outside the machine; no traceback, developer menu or Deploy button reaches a user."""
from __future__ import annotations

from urllib.parse import unquote

import subprocess
import sys

import pytest

from mart.generate import generate
from tests.browser import ROOT, chromium_page, dashboard_server, wait_for_app

pytestmark = pytest.mark.browser


def test_a_mart_rebuilt_under_a_running_server_shows_on_the_next_view(tmp_path):
    # Used to break: after six rebuilds the server still showed the first mart, in new sessions too.
    db = tmp_path / "mart.duckdb"
    generate(db, scale="s", seed=7, progress=False)
    with dashboard_server(db) as url, chromium_page() as page:
        page.goto(f"{url}/data-quality")
        wait_for_app(page)
        page.get_by_text("seed 7", exact=False).first.wait_for()
        for seed in (8, 9):   # rebuilt by the command a person runs, twice, while the page stays open
            subprocess.run([sys.executable, "-m", "mart", "generate", "--scale", "s", "--seed", str(seed),
                            "--db", str(db), "--quiet"], cwd=ROOT, check=True)
            page.reload()
            wait_for_app(page)
            page.get_by_text(f"seed {seed}", exact=False).first.wait_for()
            assert page.get_by_text("seed 7", exact=False).count() == 0
            assert page.get_by_test_id("stException").count() == 0


def test_the_browser_fetches_nothing_from_outside_and_a_user_never_sees_a_traceback(s_mart):
    with dashboard_server(s_mart) as url, chromium_page() as page:
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{url}/customer?customer_id=%C2%B2")   # '²' used to crash int() and show a traceback with paths
        wait_for_app(page)
        page.get_by_text("There is no customer ² in this mart.").wait_for()   # the key set as code
        page.goto(f"{url}/dealers")
        wait_for_app(page)
        page.get_by_text("Dealer scorecard").first.wait_for()
        body = page.inner_text("body")
        assert "Traceback" not in body and 'File "' not in body
        assert page.get_by_text("Deploy", exact=True).count() == 0
        outside = [u for u in requested if not u.startswith((url, "data:", "blob:", "about:"))]
        assert outside == []
        cookies = {c["name"] for c in page.context.cookies()}
        assert not any(name.startswith(("ajs_", "_ga")) for name in cookies)   # no tracking cookie


def test_the_overview_answers_at_its_own_address_and_at_the_root_keeping_the_link(s_mart):
    from tests.independent import frame

    region = frame.read_tables(s_mart)["dealers"].sort("dealer_id")["region"][0]
    with dashboard_server(s_mart) as url, chromium_page() as page:
        page.goto(f"{url}/overview?region={region}&lang=zh")   # used to open Streamlit's "Page not found"
        wait_for_app(page)
        page.get_by_role("heading", name="管理层总览").wait_for()
        assert page.get_by_text("Page not found").count() == 0
        assert "lang=zh" in unquote(page.url)   # a link copied now opens in Chinese, whatever the reader's browser says
        page.goto(f"{url}/?region={region}&lang=en")
        wait_for_app(page)
        page.get_by_role("heading", name="Executive overview").wait_for()
        page.wait_for_function("() => location.pathname.endsWith('/overview')")
        assert page.get_by_role("combobox", name="Region").input_value() == region
        assert "lang=en" in unquote(page.url)
