"""The pre-aggregations (mart/preaggregates.sql) and the routing to them (queries/routes.py): every routed dataset
returns exactly the rows its fact-level SQL returns, under many filter sets and people; filters the pre-aggregations
cannot answer (a product, segment or channel; a period of part months) read the facts."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from queries import routes, runner
from queries.access import SYSTEM, Access, bound_params
from queries.filters import COMPARE_LAST_YEAR, Filters
from tests.independent import frame

YEAR = Filters(start_on=date(2025, 12, 1), end_on=date(2026, 11, 30))
# The parameters a routed dataset binds besides the filters, as its page passes them (each set is compared).
EXTRA: dict[str, list[dict]] = {"maintenance_due": [{"page": 1}, {"page": 3}, {"page": 0}],
                                 "campaign_attribution": [{"window_days": 30}, {"window_days": 90}],
                                 "campaign_lift": [{"window_days": 30}],
                                 "followup_areas": [{"call_type": "all"}, {"call_type": "complaint_callback"}]}


@pytest.fixture(scope="module")
def mart(s_mart):
    m = runner.connect(s_mart)
    yield m
    m.close()


@pytest.fixture(scope="module")
def places(s_mart):
    """A busy region, one of its provinces, its busiest dealer, and a dealer elsewhere."""
    t = frame.read_tables(s_mart)
    busy = t["sales"].join(t["dealers"], on="dealer_id").group_by("region", "province", "dealer_id").len()
    region = busy.group_by("region").agg(pl.col("len").sum()).sort("len", descending=True)["region"][0]
    mine = busy.filter(pl.col("region") == region).sort("len", descending=True)
    elsewhere = busy.filter(pl.col("region") != region).sort("dealer_id")["dealer_id"][0]
    return {"region": region, "province": mine["province"][0], "dealer_id": mine["dealer_id"][0], "elsewhere": elsewhere}


def filter_sets(places) -> list[tuple[str, Filters, Access]]:
    region, province, dealer = places["region"], places["province"], places["dealer_id"]
    manager = Access("rm@example.com", "regional_manager", regions=(region,))
    store = Access("store@example.com", "dealer", dealer_ids=(dealer,))
    return [
        ("year", YEAR, SYSTEM),
        ("year, region", replace(YEAR, region=region), SYSTEM),
        ("year, province", replace(YEAR, region=region, province=province), SYSTEM),
        ("year, dealer", replace(YEAR, region=region, dealer_id=dealer), SYSTEM),
        ("comparison year", YEAR.comparison(), SYSTEM),
        ("last year's", replace(YEAR, compare=COMPARE_LAST_YEAR).comparison(), SYSTEM),
        ("one month", Filters(start_on=date(2026, 2, 1), end_on=date(2026, 2, 28)), SYSTEM),
        ("a leap February", Filters(start_on=date(2024, 2, 1), end_on=date(2024, 2, 29)), SYSTEM),
        ("a quarter, region", Filters(start_on=date(2026, 7, 1), end_on=date(2026, 9, 30), region=region), SYSTEM),
        ("everything", Filters(start_on=date(2019, 1, 1), end_on=date(2026, 11, 30)), SYSTEM),
        ("before the data", Filters(start_on=date(2010, 1, 1), end_on=date(2010, 12, 31)), SYSTEM),
        ("a regional manager", YEAR, manager),
        ("a regional manager, one of their dealers", replace(YEAR, dealer_id=dealer), manager),
        ("a regional manager choosing another region's dealer", replace(YEAR, dealer_id=places["elsewhere"]), manager),
        ("a dealer", YEAR, store),
    ]


def run_both(mart, name, filters, access, extra, monkeypatch) -> tuple[pl.DataFrame, pl.DataFrame]:
    routed = runner.run(mart, name, filters, access=access, **extra)
    with monkeypatch.context() as m:
        m.setattr(routes, "sql_for", lambda *_: None)
        facts = runner.run(mart, name, filters, access=access, **extra)
    return routed, facts


@pytest.mark.parametrize("name", sorted(routes.routed_names()))
def test_a_routed_dataset_returns_the_fact_level_rows_exactly(name, mart, places, monkeypatch):
    compared = 0
    for label, filters, access in filter_sets(places):
        params = bound_params(filters, access)
        if name in routes.WHOLE_REACH and access.is_limited:
            assert routes.sql_for(name, params) is None, label   # a limited person's list reads the facts
            continue
        assert routes.sql_for(name, params) is not None, label   # else this would compare the facts with themselves
        for extra in EXTRA.get(name, [{}]):
            routed, facts = run_both(mart, name, filters, access, extra, monkeypatch)
            try:
                assert_frame_equal(routed, facts, check_exact=True)
            except AssertionError as error:
                raise AssertionError(f"{name}, {label}, {extra}: {error}") from None
            compared += routed.height > 0 and label != "before the data"
    assert compared >= 10


@pytest.mark.parametrize("name", sorted(routes.routed_names()))
def test_a_routed_file_binds_what_its_original_binds(name):
    assert runner.params_of(routes.routed_sql(name)) == runner.sql_params(name)


def test_filters_the_preaggregations_cannot_answer_read_the_facts():
    assert routes.is_routable(bound_params(YEAR, SYSTEM))
    for filters in (
        replace(YEAR, product_ids=("P01",)),
        replace(YEAR, customer_types=("individual",)),
        replace(YEAR, channels=("website",)),
        replace(YEAR, start_on=date(2025, 12, 2)),
        replace(YEAR, end_on=date(2026, 11, 29)),
        Filters(start_on=date(2026, 2, 1), end_on=date(2026, 2, 27)),
    ):
        assert not routes.is_routable(bound_params(filters, SYSTEM)), filters.describe()
    assert routes.is_routable(bound_params(Filters(start_on=date(2026, 2, 1), end_on=date(2026, 2, 28)), SYSTEM))


def test_an_unroutable_filter_still_gets_its_answer_from_the_facts(mart, s_mart):
    """A product filter reads the facts: its units are the product's own sales."""
    sales = frame.read_tables(s_mart)["sales"].filter(pl.col("sold_on").is_between(YEAR.start_on, YEAR.end_on))
    product = sales["product_id"].sort()[0]
    some = runner.run(mart, "kpi_monthly", replace(YEAR, product_ids=(product,)), access=SYSTEM)
    assert some["units"].sum() == sales.filter(pl.col("product_id") == product)["quantity"].sum() > 0


def test_a_twin_replaces_its_namesakes_and_puts_new_parts_first():
    original = "-- a dataset\nwith\na as (\n    select 1 -- a comment with (\n),\nb as materialized (\n    select 2\n)\nselect * from a, b"
    twin = "-- its twin\nn as (\n    select 9\n),\nb as (\n    select 3 from n\n)\n"
    assert routes.compose(original, twin) == (
        "-- a dataset\nwith\nn as (\n    select 9\n),\na as (\n    select 1 -- a comment with (\n),\n"
        "b as (\n    select 3 from n\n)\nselect * from a, b")


@pytest.mark.parametrize("name", sorted(routes.routed_names()))
def test_every_part_of_a_twin_is_used(name):
    """A twin's part of a new name is read by another part (else a misspelt namesake would be silently unused)."""
    original = routes.parts(runner.sql_text(name))
    twin = routes.routed_sql(name)
    for part in routes.parts(routes.PREAGGREGATED_DIR.joinpath(f"{name}.sql").read_text()):
        if part not in original:
            assert len(re.findall(rf"\b{part}\b", twin)) > 1, part


# ---- surveys dated long after their calls: the follow-up twins' 31-day window, tested to the day ----
LATE_SURVEY_DAYS = ["2026-07-20", "2026-09-15", "2026-09-30", "2026-10-01", "2026-10-02", "2026-10-15", "2026-10-31",
                    "2026-11-01"]


@pytest.fixture(scope="module")
def late_surveys(s_mart, tmp_path_factory):
    """A copy of the s mart whose surveys from August 2026's first answered calls are dated on LATE_SURVEY_DAYS in
    turn: before the call, the next month, and around the 31 days after an August or a September period's end."""
    import shutil

    import duckdb

    from mart.build import ROLLUPS_SQL, build_preaggregates, rollup_tables

    path = tmp_path_factory.mktemp("late_surveys") / "mart.duckdb"
    shutil.copy(s_mart, path)
    con = duckdb.connect(str(path))
    moved = con.execute(f"""
        update surveys s set surveyed_on = d.day
        from (
            select f.survey_id, ({LATE_SURVEY_DAYS}::date[])[1 + (row_number() over (order by f.called_at, f.call_id) - 1)
                                                            % {len(LATE_SURVEY_DAYS)}] as day
            from followup_calls f
            where f.outcome = 'answered' and f.survey_id is not null
              and f.called_at >= timestamp '2026-08-01' and f.called_at < timestamp '2026-09-01'
            qualify row_number() over (order by f.called_at, f.call_id) <= 48
        ) d
        where s.survey_id = d.survey_id
    """).fetchone()[0]
    for name in rollup_tables():
        con.execute(f"drop table if exists {name}")
    con.execute(ROLLUPS_SQL.read_text())
    build_preaggregates(con)
    con.close()
    assert moved == 48
    return path


@pytest.mark.parametrize("name", ["followup_areas", "followup_by_type"])
def test_the_follow_up_twins_count_a_late_survey_as_the_facts_do(name, late_surveys, monkeypatch):
    m = runner.connect(late_surveys)
    try:
        for start, end in [("2026-08-01", "2026-08-31"), ("2026-07-01", "2026-08-31"), ("2026-08-01", "2026-09-30"),
                           ("2026-09-01", "2026-10-31")]:
            filters = Filters(start_on=date.fromisoformat(start), end_on=date.fromisoformat(end))
            assert routes.sql_for(name, bound_params(filters, SYSTEM)) is not None
            for extra in EXTRA.get(name, [{}]):
                routed, facts = run_both(m, name, filters, SYSTEM, extra, monkeypatch)
                assert_frame_equal(routed, facts, check_exact=True)
    finally:
        m.close()
