"""The Customer 360 page under AppTest on the s mart: a customer found by id (from the link) or from a segment's
list, their figures against the raw rows, personal fields masked until revealed, and every wrong input explained."""
from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.metrics import fmt
from queries.filters import Filters
from tests.apptest import open_app, tile
from tests.independent import segments as independent

PAGE = "views/customer_360.py"


@pytest.fixture(scope="module")
def year(as_of) -> Filters:
    return Filters(start_on=independent.year_before(as_of), end_on=as_of)


def customer_page(query: dict | None = None) -> AppTest:
    return open_app(PAGE, query)


def metric(at: AppTest, label: str) -> str:
    return tile(at, label).value


def profile_field(at: AppTest, field: str) -> str:
    """A profile value by its column's name: the table shows the column's human label."""
    from dashboard.columns import column

    for element in at.table:
        table = element.value
        if "Field" in table.columns:
            return table.loc[table["Field"] == column(field).label, "Value"].iloc[0]
    raise AssertionError("no profile table")


@pytest.fixture(scope="module")
def person(tables, year):
    """An individual with a birth year and a city, active in the period, with a complaint: every part shows."""
    scored = independent.rfm(tables, year)
    complained = tables["complaints"]["customer_id"].unique()
    people = tables["customers"].filter(
        (pl.col("customer_type") == "individual") & pl.col("birth_year").is_not_null() & pl.col("city").is_not_null()
        & pl.col("customer_id").is_in(complained.implode())
    )
    return scored.join(people, on="customer_id").sort(["monetary_cents", "customer_id"], descending=[True, False]).row(0, named=True)


def test_a_link_with_a_customer_id_opens_their_history_with_their_scores(app_env, tables, year, person):
    cid = person["customer_id"]
    at = customer_page({"customer_id": str(cid)})
    assert at.text_input(key="customer_id").value == str(cid)
    # The heading is the customer number alone; type, region and dealer on their own line (a long dealer name
    # used to wrap the heading over four lines on a phone).
    assert any(s.value == f"Customer {cid}" for s in at.subheader)
    assert any(m.value.startswith("individual · ") and "  \nHome dealer: " in m.value for m in at.markdown)
    sales = tables["sales"].filter(pl.col("customer_id") == cid)
    visits = tables["service_visits"].filter(pl.col("customer_id") == cid)
    assert metric(at, "Revenue to date") == fmt(sales["revenue"].sum() + visits["revenue"].sum(), "money")
    assert metric(at, "Service visits") == f"{visits.height:,}"
    assert metric(at, "Vehicles bought") == f"{sales['quantity'].sum():,}"
    scores = tables["surveys"].filter(pl.col("customer_id") == cid)["score"]
    assert metric(at, f"Survey mean (n={scores.len():,})") == fmt(scores.mean(), "score")
    assert metric(at, "Complaints made") == f"{tables['complaints'].filter(pl.col('customer_id') == cid).height:,}"
    assert metric(at, "RFM segment") == person["segment"]
    assert metric(at, "Value tier") == person["tier"]
    assert metric(at, "RFM scores (R F M)") == f"{person['r_score']} {person['f_score']} {person['m_score']}"
    assert metric(at, "Activity") == "active"
    assert metric(at, "Expected 12-month value").startswith("¥")
    timeline = next(df.value for df in at.dataframe if "category" in df.value.columns)   # the rows behind it
    want = independent.timeline_counts(tables, cid)
    assert timeline["category"].value_counts().to_dict() == {k: v for k, v in want.items() if v}


def test_personal_fields_are_masked_until_revealed_with_a_reason_and_the_reveal_is_audited(
        app_env, tables, person, tmp_path, monkeypatch):
    from dashboard import audit

    monkeypatch.setenv("CRM_AUDIT", str(tmp_path / "audit.duckdb"))
    cid = person["customer_id"]
    at = customer_page({"customer_id": str(cid)})
    assert profile_field(at, "city") == "hidden" and profile_field(at, "gender") == "hidden"
    assert profile_field(at, "birth_year") == f"{person['birth_year'] // 10 * 10}s"
    assert at.toggle(key="reveal_personal").disabled   # no reason, no reveal
    at.text_input(key="reveal_reason").input("complaint callback").run()
    at.toggle(key="reveal_personal").set_value(True).run()
    assert not at.exception
    assert profile_field(at, "city") == person["city"]
    assert profile_field(at, "birth_year") == str(person["birth_year"])
    assert any("data protection" in c.value for c in at.caption)
    at.run()   # a rerun of the same view is not a second reveal
    log = audit.recent()
    assert log.select("user_id", "role", "action", "customer_id", "reason").rows() == [
        ("demo", "executive", "reveal", cid, "complaint callback")]


def test_a_customer_picked_from_a_segments_list_becomes_the_one_shown(app_env, tables, year):
    at = customer_page()
    assert any("Enter a customer number" in i.value for i in at.info)
    at.selectbox(key="c360_segment").select("can't lose").run()
    picks = at.selectbox(key="c360_pick").options
    want = independent.rfm(tables, year).filter(pl.col("segment") == "can't lose").sort(
        ["monetary_cents", "customer_id"], descending=[True, False])["customer_id"].head(100)
    assert list(picks) == want.to_list()
    at.selectbox(key="c360_pick").select(picks[0]).run()
    assert not at.exception
    assert at.text_input(key="customer_id").value == str(picks[0])
    assert metric(at, "RFM segment") == "can't lose"


def test_wrong_ids_and_customers_outside_the_filters_are_explained(app_env, tables, person):
    at = customer_page({"customer_id": "x" * 5000})
    # a 5,000-character link value is named shortened, never echoed whole
    (warning,) = [w.value for w in at.warning]
    assert warning == f"`{'x' * 39}…` is not a customer number."
    at.text_input(key="customer_id").input("987654321").run()
    assert any("There is no customer `987654321` in this mart." == w.value for w in at.warning)
    at.text_input(key="customer_id").input("١٢٣").run()   # Arabic-Indic digits are a key like any other, not 123
    assert any("There is no customer `١٢٣` in this mart." == w.value for w in at.warning)
    at.text_input(key="customer_id").input("[Sign in](https://example.com)").run()   # a link's text, set as code
    assert any("There is no customer `[Sign in](https://example.com)` in this mart." == w.value for w in at.warning)
    assert not at.exception
    cid = person["customer_id"]
    home = tables["customers"].filter(pl.col("customer_id") == cid)["home_dealer_id"][0]
    home_region = tables["dealers"].filter(pl.col("dealer_id") == home)["region"][0]
    elsewhere = tables["dealers"].filter(pl.col("region") != home_region)["region"].sort()[0]
    at = customer_page({"customer_id": str(cid), "region": elsewhere})
    assert any("outside the filtered scope" in i.value for i in at.info)
    assert metric(at, "Revenue to date").startswith("¥")  # the history still shows


def test_a_segment_filter_moves_the_customers_scores(app_env, tables, year):
    """Scores are relative to the filtered population: among individuals only, a customer is rescored."""
    everyone = independent.rfm(tables, year)
    individuals = independent.rfm(tables, replace(year, customer_types=("individual",)))
    moved = everyone.join(individuals, on="customer_id", suffix="_individuals").filter(
        (pl.col("m_score") != pl.col("m_score_individuals")) & (pl.col("tier") != pl.col("tier_individuals"))
    ).sort("customer_id").row(0, named=True)
    at = customer_page({"customer_id": str(moved["customer_id"])})
    assert metric(at, "RFM scores (R F M)") == f"{moved['r_score']} {moved['f_score']} {moved['m_score']}"
    assert metric(at, "Value tier") == moved["tier"]
    at.multiselect(key="segment").select("individual").run()
    assert not at.exception
    assert metric(at, "RFM scores (R F M)") == (
        f"{moved['r_score_individuals']} {moved['f_score_individuals']} {moved['m_score_individuals']}")
    assert metric(at, "Value tier") == moved["tier_individuals"]


def test_customer_360_reads_in_chinese_and_explains_why_activity_and_segment_differ(app_env, tables, year):
    """A customer active in the last 12 months can rank "lost" among the period's customers: the page says in one
    sentence why (a page once showed "active", "lost" and "100% alive" side by side, unexplained)."""
    scored = independent.rfm(tables, year)
    lost = scored.filter(pl.col("segment") == "lost").sort("customer_id").row(0, named=True)
    cid = lost["customer_id"]
    at = customer_page({"customer_id": str(cid), "lang": "zh"})
    assert [t.value for t in at.title] == ["客户 360"]
    assert [s.value for s in at.subheader][0] == f"客户 {cid}"
    home = tables["customers"].filter(pl.col("customer_id") == cid)["home_dealer_id"][0]
    name = tables["dealers"].filter(pl.col("dealer_id") == home)["dealer_name"][0]
    assert any(m.value.endswith(f"  \n归属经销商：{name}") for m in at.markdown)
    assert metric(at, "活跃状态") == "活跃"
    assert metric(at, "RFM客户分群") == "流失客户"
    notes = [i.value for i in at.info if i.value.startswith("三者口径不同，所以结论不同：")]
    assert len(notes) == 1 and "RFM 客群是与本期其他客户相比的排名" in notes[0]
    assert at.text_input(key="customer_id").label == "客户编号"
    assert profile_field_zh(at, "城市") == "已隐藏"


def profile_field_zh(at: AppTest, label: str) -> str:
    for element in at.table:
        table = element.value
        if "字段" in table.columns:
            return table.loc[table["字段"] == label, "值"].iloc[0]
    raise AssertionError("no profile table")


def test_a_customer_whose_measures_agree_gets_no_note(app_env, tables, year, person):
    at = customer_page({"customer_id": str(person["customer_id"])})
    assert metric(at, "Activity") == "active" and person["segment"] in ("champions", "loyal", "potential loyalists", "new")
    assert not [i for i in at.info if "measure different things" in i.value]


def test_a_lost_customer_likely_still_active_gets_the_why_and_the_models_own_probability(app_env, tables, year):
    """On the demo BG/NBD used to find no dropout, so every customer showed 100% still active beside "lost" (issue
    17). The probability shown is checked against a BG/NBD fitted again from the paper on a summary by day in plain
    Polars (tests/independent/clv.py), not against analytics/clv.py."""
    from tests.independent import clv as independent_clv

    summary = independent.clv_inputs(tables, year, independent.year_before(year.end_on))
    weeks = [summary[c].to_numpy() / 7 for c in ("days_to_last", "days_observed")]
    model = independent_clv.fit(summary["count_repeat"].to_numpy(), *weeks)
    summary = summary.with_columns(p_alive=pl.Series(independent_clv.p_alive(model, summary["count_repeat"].to_numpy(), *weeks)))
    assert model["a"] / (model["a"] + model["b"]) > 0.05  # customers drop out: a mean chance after a visit over 5%
    assert (summary["p_alive"] < 0.5).mean() > 0.03
    lost = (independent.rfm(tables, year).filter(pl.col("segment") == "lost").join(summary, on="customer_id")
            .filter(pl.col("p_alive").is_between(0.5, 0.95)).sort("customer_id").row(0, named=True))
    at = customer_page({"customer_id": str(lost["customer_id"])})
    assert metric(at, "RFM segment") == "lost"
    value = tile(at, "Expected 12-month value")
    assert value.delta == f"{fmt(lost['p_alive'], 'share')} still active"
    notes = [i.value for i in at.info if "measure different things" in i.value]
    assert len(notes) == 1 and "the RFM segment ranks the customer against the period's other customers" in notes[0]
