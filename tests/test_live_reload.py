"""A running dashboard sees a rebuilt mart on its next run; a query in flight finishes on the file it started on."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.mart_holder import MartHolder
from mart.generate import generate
from queries import runner

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def shown_build(at: AppTest) -> str:
    """The data-quality page's line on what the mart was built from, e.g. '... (scale s, seed 7) ...'."""
    lines = [md.value for md in at.markdown if md.value.startswith("Built ")]
    assert len(lines) == 1, [md.value for md in at.markdown]
    return lines[0]


def overview_figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_running_app_shows_the_rebuilt_mart(tmp_path, monkeypatch):
    # Used to break: the cached connection to the replaced file stayed open, so DuckDB handed the old file back
    # for the new version too, and every session (new ones included) showed the old mart until a restart.
    db = str(tmp_path / "mart.duckdb")
    generate(db, scale="s", seed=7, progress=False)
    monkeypatch.setenv("CRM_MART", db)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    old_figures = overview_figures(at)
    at.switch_page("views/data_quality.py").run()
    assert not at.exception
    assert "seed 7" in shown_build(at)

    generate(db, scale="s", seed=8, progress=False)  # rebuilt in place (os.replace) while the session lives
    at.run()
    assert not at.exception
    assert "seed 8" in shown_build(at)
    # A new session too, with the overview's figures of the new file.
    fresh = AppTest.from_file(APP, default_timeout=60).run()
    assert not fresh.exception
    assert overview_figures(fresh) != old_figures
    fresh.switch_page("views/data_quality.py").run()
    assert not fresh.exception
    assert "seed 8" in shown_build(fresh)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("two_builds")
    for seed in (7, 8):
        generate(str(folder / f"seed{seed}.duckdb"), scale="s", seed=seed, progress=False)
    return folder / "seed7.duckdb", folder / "seed8.duckdb"


def seed(mart: runner.Mart) -> int:
    return runner.run(mart, "mart_info")["seed"][0]


def test_a_query_in_flight_finishes_on_the_old_file_and_the_next_reads_the_new(two_builds, tmp_path):
    # Used to break: nothing closed the replaced file's connection, so every later connect got the old file.
    seed7, seed8 = two_builds
    db = str(tmp_path / "mart.duckdb")
    shutil.copy(seed7, db)
    holder = MartHolder(wait_s=10)
    in_flight, replaced = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def old_reader():
        with holder.use(db) as mart:
            seen["old_mart"] = mart
            seen["before"] = seed(mart)
            in_flight.set()
            replaced.wait(10)
            seen["after_replace"] = seed(mart)  # still on the file it started on, with no error

    def new_reader():
        with holder.use(db) as mart:
            seen["new"] = seed(mart)

    first = threading.Thread(target=old_reader)
    first.start()
    assert in_flight.wait(30)
    staged = str(tmp_path / "mart.duckdb.building")
    shutil.copy(seed8, staged)
    os.replace(staged, db)  # as mart/build.py swaps a rebuilt mart in

    second = threading.Thread(target=new_reader)
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the new version must wait for the query in flight on the old one"
    replaced.set()
    first.join(30)
    second.join(30)
    assert not first.is_alive() and not second.is_alive()

    assert (seen["before"], seen["after_replace"], seen["new"]) == (7, 7, 8)
    with pytest.raises(duckdb.ConnectionException):  # the old file's connection was closed
        seed(seen["old_mart"])
    with holder.use(db) as mart:
        assert seed(mart) == 8
    holder.close()
