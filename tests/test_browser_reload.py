"""A mart rebuilt under a running server is what the next page view shows: no restart, no error."""
from __future__ import annotations

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
