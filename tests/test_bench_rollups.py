"""The *_in_context rollups (mart/rollups.sql) are the facts joined to their customer and dealer, nothing else:
recomputed here in Polars from the raw tables. The scoped_* macros read them (found by the benchmark: the joins
they replace were most of every page's query time at scales m and l)."""
from __future__ import annotations

import polars as pl
import pytest


# rollup -> (fact table, its key, its date column, customer columns added, how the dealer is found)
ROLLUPS = {
    "sales_in_context": ("sales", "sale_id", "sold_on", ["customer_type", "acquisition_channel"], "dealer_id"),
    "service_visits_in_context": ("service_visits", "visit_id", "visited_on",
                                  ["customer_type", "acquisition_channel", "owned_product_ids"], "dealer_id"),
    "surveys_in_context": ("surveys", "survey_id", "surveyed_on",
                           ["customer_type", "acquisition_channel", "owned_product_ids"], "dealer_id"),
    "complaints_in_context": ("complaints", "complaint_id", "received_at", ["customer_type", "acquisition_channel"], "dealer_id"),
    "campaign_contacts_in_context": ("campaign_contacts", ("campaign_id", "customer_id"), "campaign_id",
                                     ["customer_type", "acquisition_channel", "home_dealer_id", "owned_product_ids"],
                                     "home_dealer_id"),
}


def _read(con, table: str) -> pl.DataFrame:
    frame = con.sql(f"select * from {table}").pl()
    return frame.with_columns(
        [pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]
        + [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if isinstance(t, (pl.Categorical, pl.Enum))]
    )


@pytest.mark.parametrize("rollup", list(ROLLUPS))
def test_each_rollup_is_its_fact_table_with_customer_and_dealer_attached(s_con, tables, rollup):
    fact, key, date_column, customer_columns, dealer_via = ROLLUPS[rollup]
    keys = [key] if isinstance(key, str) else list(key)
    owned = tables["sales"].group_by("customer_id").agg(owned_product_ids=pl.col("product_id").unique().sort())
    customers = tables["customers"].join(owned, on="customer_id", how="left")
    want = tables[fact].join(customers.select("customer_id", *customer_columns), on="customer_id", how="inner")
    dealers = tables["dealers"].select(pl.col("dealer_id").alias(dealer_via), "region", "province", "dealer_name")
    want = want.join(dealers, on=dealer_via, how="left").sort(keys)

    got = _read(s_con, rollup)
    assert got.height == tables[fact].height  # every fact has its customer: nothing dropped, nothing doubled
    # Rows in date order let a period's filter skip whole row groups.
    assert got[date_column].is_sorted()
    got = got.sort(keys)
    for column in [*tables[fact].columns, "region", "province", "dealer_name", *customer_columns]:
        assert got[column].to_list() == want[column].to_list(), column


def test_complaints_in_context_carry_the_lifecycle_of_the_view(s_con):
    lifecycle = s_con.sql("select * from complaint_lifecycle order by complaint_id").pl()
    got = s_con.sql("select * from complaints_in_context order by complaint_id").pl()
    for column in ("status", "due_at", "is_reopened", "is_resolved_within_sla", "resolve_within_hours"):
        assert got[column].to_list() == lifecycle[column].to_list(), column


def test_the_macros_still_return_their_own_columns(s_con):
    """Reading the rollups must not leak their extra columns into the scoped facts the datasets select * from."""
    args = ("date '2020-01-01', date '2030-01-01', {'regions': null, 'provinces': null, 'dealer_ids': null, "
            "'product_ids': null, 'customer_types': null, 'channels': null, 'is_everything': true}")
    expected = {
        # customer_key: the integer the customer-level queries group and join by (mart/rollups.sql)
        # serviced_within_12_months: service retention's per-sale answer (mart/rollups.sql)
        "scoped_sales": [*_columns(s_con, "sales"), "region", "province", "dealer_name", "customer_type", "acquisition_channel",
                         "customer_key", "serviced_within_12_months"],
        "scoped_service_visits": [*_columns(s_con, "service_visits"), "region", "province", "dealer_name", "customer_type",
                                  "acquisition_channel", "customer_key"],
        "scoped_surveys": [*_columns(s_con, "surveys"), "region", "province", "dealer_name", "customer_type", "customer_key"],
        "scoped_contacts": [*_columns(s_con, "campaign_contacts"), "customer_type", "region", "province", "dealer_name",
                            "customer_key"],
    }
    from queries.runner import SHARED_SQL, SQL_DIR

    cursor = s_con.cursor()
    cursor.execute("\n".join((SQL_DIR / name).read_text() for name in SHARED_SQL))
    for macro, columns in expected.items():
        assert cursor.sql(f"select * from {macro}({args}) limit 0").columns == columns, macro


def _columns(con, table: str) -> list[str]:
    return con.sql(f"select * from {table} limit 0").columns
