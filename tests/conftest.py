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


@pytest.fixture(scope="session")
def spark_session():
    """Local Spark for the tests marked spark, one per test worker, as a Future: it starts (seconds: a JVM) in a
    thread while the s mart is built. The s mart's tables are tiny: what costs is the work per query, not per row.
    Measured on a loaded 2-core machine: adaptive re-planning and code generation (whole-stage or per expression:
    each query compiles its own classes) cost more than they save; one shuffle partition and no broadcast joins
    make each query one Spark job (a broadcast is a job of its own) with half the tasks."""
    from concurrent.futures import ThreadPoolExecutor

    from queries.spark_engine import session_builder

    builder = (session_builder("spark")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .config("spark.sql.autoBroadcastJoinThreshold", "-1")
               .config("spark.sql.shuffle.partitions", "1"))
    with ThreadPoolExecutor(max_workers=1) as starter:
        starting = starter.submit(builder.getOrCreate)
        yield starting
        starting.result().stop()


@pytest.fixture(scope="session")
def spark_export(spark_session, s_mart, tmp_path_factory):
    """The s mart in production's shape: its base tables exported as Parquet (`python -m mart export --base-only`),
    the views and rollups built from them by Spark (`python -m mart spark-rollups`). A namespace: path, spark (the
    session), failed ({table: error} of those Spark could not build), seconds (the Spark build's)."""
    import logging
    import time
    from types import SimpleNamespace

    from mart.export import export_parquet
    from mart.spark_rollups import build_rollups_on_spark

    path = tmp_path_factory.mktemp("s_export") / "parquet"
    export_parquet(s_mart, path, base_only=True)
    spark = spark_session.result()
    # A query that fails is reported by its dataset's or table's name, not by a page of logged plan.
    spark.sparkContext.setLogLevel("FATAL")
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    started = time.perf_counter()
    failed = build_rollups_on_spark(path, spark, keep_going=True)
    return SimpleNamespace(path=path, spark=spark, failed=failed, seconds=time.perf_counter() - started)


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
