"""Fixtures: marts built by the real generator from the real schema, with a fixed seed, in a temp folder."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

SEED = 7


@pytest.fixture(scope="session")
def s_mart(tmp_path_factory) -> Path:
    """The small demo mart (scale s, seed 7): built once per test worker, never written by a test."""
    from mart.generate import generate

    db = tmp_path_factory.mktemp("s_mart") / "mart.duckdb"
    generate(db, scale="s", seed=SEED, progress=False)
    return db


@pytest.fixture
def s_con(s_mart):
    """A read-only connection to the s mart, for independent computations in tests."""
    con = duckdb.connect(str(s_mart), read_only=True)
    yield con
    con.close()


@pytest.fixture
def app_env(s_mart, monkeypatch):
    """Point the app at the s mart, as a user would with CRM_MART."""
    monkeypatch.setenv("CRM_MART", str(s_mart))
    yield s_mart



@pytest.fixture(scope="session")
def tables(s_mart):
    """Every table of the s mart as plain Polars frames, for the independent computations."""
    from tests.independent.frame import read_tables

    return read_tables(s_mart)


@pytest.fixture(scope="session")
def mart(s_mart):
    """The s mart through the query layer's runner, as the app reads it."""
    from queries import runner

    m = runner.connect(s_mart)
    yield m
    m.close()


@pytest.fixture(scope="session")
def as_of(mart):
    """The s mart's as-of date (its latest business date)."""
    from queries import runner

    return runner.run(mart, "mart_info")["as_of_on"][0]


@pytest.fixture(autouse=True)
def full_error_details_in_app_tests():
    """AppTest runs the app in this process, under .streamlit/config.toml, which hides error details from users;
    a failing test should show the exception, so in-process runs get the full details (browser tests, against a
    real server, keep the user's setting)."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)
