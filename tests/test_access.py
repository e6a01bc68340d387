"""Row-level scope in the query layer: a person gets what their access allows, whatever a page asks for.

Each dataset is run as the system (everything) with a filter and as a limited person with no filter: the same
rows. A limited person never gets another region's or dealer's rows, the regions add up to the nation (less the
HQ direct sales that only unlimited people see), and Customer 360 opens only the customers in reach.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from dashboard.access_file import AccessFileError, lookup, read_access_file
from queries import runner
from queries.access import WHOLE_MART_DATASETS, Access, AccessDenied
from queries.filters import FILTER_PARAMS, Filters

ROOT = Path(__file__).resolve().parent.parent

# Datasets that compare the selection with a yardstick read $reach: for them, a limited person's yardstick is
# their own reach, so they are compared by what they contain, not row for row with the system's.
YARDSTICK_DATASETS = {name for name in runner.dataset_names() if "reach" in runner.sql_params(name)}
# Datasets shaped by the level the filter chose (the drill-down's next level, a chosen dealer's customers): a
# person limited to a region sees the region level when no filter is chosen, as the system does with that filter.
LEVEL_DATASETS = {"sales_by_area", "dealer_customers"}
FILTER_ONLY = [n for n in runner.dataset_names()
               if runner.sql_params(n) <= FILTER_PARAMS and n not in WHOLE_MART_DATASETS and n != "mart_info"]


@pytest.fixture(scope="module")
def year(as_of) -> Filters:
    return Filters(start_on=date(as_of.year - 1, as_of.month, 1), end_on=as_of)


def regions(tables) -> list[str]:
    return sorted(tables["dealers"]["region"].unique().to_list())


def busiest_dealer(tables) -> str:
    return tables["sales"].drop_nulls("dealer_id").group_by("dealer_id").len().sort(
        ["len", "dealer_id"], descending=[True, False])["dealer_id"][0]


def same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Equal rows in any order; floats to 1e-9 (DuckDB's parallel sums differ in the last bits between runs)."""
    from polars.testing import assert_frame_equal

    if a.columns != b.columns or a.height != b.height:
        return False
    key = [c for c, t in a.schema.items() if not isinstance(t, (pl.List, pl.Struct)) and not t.is_float()]
    try:
        assert_frame_equal(a.sort(key, nulls_last=True), b.sort(key, nulls_last=True), check_exact=False, rel_tol=1e-9)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("name", [n for n in FILTER_ONLY if n not in YARDSTICK_DATASETS | LEVEL_DATASETS])
def test_a_regional_manager_gets_the_national_rows_filtered_to_their_region(mart, tables, year, name):
    region = regions(tables)[0]
    manager = Access("rm@example.com", "regional_manager", regions=(region,))
    mine = runner.run(mart, name, year, access=manager)
    filtered = runner.run(mart, name, replace(year, region=region))
    assert same(mine, filtered), name


@pytest.mark.parametrize("name", [n for n in FILTER_ONLY if n not in YARDSTICK_DATASETS | LEVEL_DATASETS])
def test_a_dealer_gets_the_national_rows_filtered_to_their_store(mart, tables, year, name):
    dealer = busiest_dealer(tables)
    store = Access("store@example.com", "dealer", dealer_ids=(dealer,))
    assert same(runner.run(mart, name, year, access=store), runner.run(mart, name, replace(year, dealer_id=dealer))), name


@pytest.mark.parametrize("name", FILTER_ONLY)
def test_a_limited_person_never_gets_another_regions_or_dealers_rows(mart, tables, year, name):
    region = regions(tables)[1]
    theirs = set(tables["dealers"].filter(pl.col("region") == region)["dealer_id"].to_list())
    manager = Access("rm@example.com", "regional_manager", regions=(region,))
    for f in (year, replace(year, region=regions(tables)[0])):   # asking for another region gets nothing of it
        got = runner.run(mart, name, f, access=manager)
        if "region" in got.columns:
            assert set(got["region"].drop_nulls().to_list()) <= {region}, name
        for column in ("dealer_id", "home_dealer_id"):
            if column in got.columns:
                assert set(got[column].drop_nulls().to_list()) <= theirs, (name, column)


# Datasets with parameters of their own besides the filters (issue 14, items 5 and 6), with the values to run them at.
WITH_PARAMETERS = {
    "campaigns_running": {"window_days": 30},
    "segment_portrait": {"segment": "champions", "tier": None},
    "kpi_parts_by_group": {"dimension": "dealer"},
}


@pytest.mark.parametrize("name", sorted(WITH_PARAMETERS))
def test_a_regional_manager_gets_these_datasets_filtered_to_their_region(mart, tables, year, name):
    region = regions(tables)[0]
    if name == "campaigns_running":   # read mid-way through the latest campaign: the demo has none running at its end
        latest = tables["campaigns"].sort("start_on", descending=True).row(0, named=True)
        year = replace(year, end_on=latest["start_on"] + (latest["end_on"] - latest["start_on"]) // 2)
    manager = Access("rm@example.com", "regional_manager", regions=(region,))
    mine = runner.run(mart, name, year, access=manager, **WITH_PARAMETERS[name])
    filtered = runner.run(mart, name, replace(year, region=region), **WITH_PARAMETERS[name])
    assert mine.height > 0
    # A limited person is not told a campaign's national budget, cost or share (as campaign_results).
    hidden = [c for c in ("budget", "actual_cost", "cost_share") if c in mine.columns]
    assert all(mine[c].null_count() == mine.height for c in hidden)
    assert same(mine.drop(hidden), filtered.filter(pl.col("cost_share") > 0).drop(hidden) if hidden else filtered), name


def test_another_regions_filter_selects_nothing(mart, tables, year):
    mine, other = regions(tables)[:2]
    manager = Access("rm@example.com", "regional_manager", regions=(mine,))
    got = runner.run(mart, "kpi_summary", replace(year, region=other), access=manager).row(0, named=True)
    assert got["units"] is None and got["new_customers"] == 0 and got["active_customers"] == 0


def test_the_regions_add_up_to_the_nation_less_hq_direct_sales(mart, tables, year):
    national = runner.run(mart, "kpi_summary", year).row(0, named=True)
    parts = [runner.run(mart, "kpi_summary", year, access=Access(f"rm{i}", "regional_manager", regions=(r,))).row(0, named=True)
             for i, r in enumerate(regions(tables))]
    sales = tables["sales"].filter(pl.col("sold_on").is_between(year.start_on, year.end_on))
    hq = sales.filter(pl.col("dealer_id").is_null())
    assert hq.height > 0   # the test means something only if there are HQ direct sales
    assert sum(p["units"] or 0 for p in parts) == national["units"] - hq["quantity"].sum()
    assert sum(p["sales_revenue"] or 0 for p in parts) == pytest.approx(national["sales_revenue"] - float(hq["revenue"].sum()), rel=1e-12)
    assert sum(p["service_revenue"] or 0 for p in parts) == pytest.approx(national["service_revenue"], rel=1e-12)
    # customers are placed by their home dealer: every customer with one is in exactly one region
    assert sum(p["new_customers"] for p in parts) <= national["new_customers"]


def test_several_regions_are_the_union_of_each(mart, tables, year):
    a, b = regions(tables)[:2]
    both = runner.run(mart, "sales_by_area", year, access=Access("rm", "regional_manager", regions=(a, b)))
    each = pl.concat([runner.run(mart, "sales_by_area", replace(year, region=None), access=Access("x", "regional_manager", regions=(r,)))
                      for r in (a, b)])
    assert sorted(both["area"].to_list()) == [a, b] == sorted(each["area"].to_list())
    assert same(both, each)


def test_the_filter_bar_offers_only_dealers_in_reach(mart, tables):
    region = regions(tables)[2]
    got = runner.run(mart, "filter_dealers", access=Access("rm", "regional_manager", regions=(region,)))
    want = tables["dealers"].filter(pl.col("region") == region)
    assert sorted(got["dealer_id"].to_list()) == sorted(want["dealer_id"].to_list())


def test_customer_360_opens_only_customers_in_reach(mart, tables):
    customers = tables["customers"].join(tables["dealers"].select("dealer_id", "region"),
                                         left_on="home_dealer_id", right_on="dealer_id")
    region = regions(tables)[0]
    mine = customers.filter(pl.col("region") == region)["customer_id"].sort()[0]
    other = customers.filter(pl.col("region") != region)["customer_id"].sort()[0]
    manager = Access("rm", "regional_manager", regions=(region,))
    for name in ("customer_360_profile", "customer_360_timeline"):
        extra = {"reveal": False} if name == "customer_360_profile" else {}
        assert runner.run(mart, name, customer_id=mine, access=manager, **extra).height > 0, name
        assert runner.run(mart, name, customer_id=other, access=manager, **extra).is_empty(), name
        assert runner.run(mart, name, customer_id=other, **extra).height > 0, name


def test_roles_that_may_not_are_refused_by_the_runner(mart, year):
    with pytest.raises(AccessDenied, match="describes the whole mart"):
        runner.run(mart, "dq_tables", access=Access("rm", "regional_manager", regions=("East",)))
    with pytest.raises(AccessDenied, match="may not reveal"):
        runner.run(mart, "customer_360_profile", customer_id="C00000001", reveal=True,
                   access=Access("mk", "marketing"))
    assert runner.run(mart, "dq_tables", access=Access("it", "admin")).height > 0


def test_a_page_without_a_signed_in_person_gets_no_data():
    from dashboard import data

    with pytest.raises(AccessDenied):
        data.current_access()   # no session, no access: data.load raises before any query


# ------------------------------------------------------------------------------------------ the access file

def test_the_access_file_maps_people_to_roles_and_scopes(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text("""
[[person]]
user = "Li.Na@Example.com"
role = "regional_manager"
regions = ["华东", "华中"]

[[person]]
user = "store@example.com"
role = "dealer"
dealer_ids = ["GX-LZ-001"]
""", encoding="utf-8")
    people = read_access_file(path)
    assert lookup(people, "li.na@example.com") == Access("li.na@example.com", "regional_manager", regions=("华东", "华中"))
    assert lookup(people, None, "store@example.com").dealer_ids == ("GX-LZ-001",)
    assert lookup(people, "stranger@example.com", "some-subject") is None   # deny by default
    assert read_access_file(tmp_path / "none.toml") == {}


@pytest.mark.parametrize(("content", "message"), [
    ('[[person]]\nuser = "a@x"\nrole = "boss"\n', r"person 1: role must be one of"),
    ('[[person]]\nuser = "a@x"\nrole = "dealer"\n', r"a dealer needs regions, provinces or dealer_ids"),
    ('[[person]]\nuser = "a@x"\nrole = "marketing"\n[[person]]\nuser = "A@x"\nrole = "admin"\n', r"person 2: a@x is listed twice"),
    ('[[person]]\nuser = "a@x"\nrole = "marketing"\nregion = ["East"]\n', r"unknown key\(s\) region"),
    ('[[person]]\nrole = "marketing"\n', r"person 1: no user"),
    ('[[person]]\nuser = "a@x"\nrole = "dealer"\ndealer_ids = "D1"\n', r"dealer_ids must be a list"),
])
def test_a_bad_access_file_is_refused_naming_the_entry(tmp_path, content, message):
    path = tmp_path / "access.toml"
    path.write_text(content)
    with pytest.raises(AccessFileError, match=message):
        read_access_file(path)


def test_the_example_access_file_is_valid():
    people = read_access_file(ROOT / "access.example.toml")
    assert {a.role for a in people.values()} == {"executive", "regional_manager", "dealer", "marketing",
                                                 "customer_service", "admin"}


# ---------------------------------------------------------------------------------------------- the lint

FACT_TABLES = ("sales", "service_visits", "leads", "complaints", "surveys", "campaign_contacts", "customers",
               "customer_profiles", "customer_transactions", "complaint_lifecycle", "sales_in_context",
               "service_visits_in_context", "surveys_in_context", "complaints_in_context",
               "campaign_contacts_in_context")
# The macros' own files, and datasets with a reason of their own: the whole-mart datasets (refused by the runner
# for the roles that may not see the whole mart) and the build record.
NOT_LINTED = {"scope", "metrics", "mart_info", *WHOLE_MART_DATASETS}
# Customer 360 reads one customer's rows, after opening the customer through customer_in_reach.
ONE_CUSTOMER = {"customer_360_profile", "customer_360_timeline", "customer_360_scores"}


def test_no_dataset_reads_a_fact_table_around_the_scope_macros():
    pattern = re.compile(r"\b(?:from|join)\s+(" + "|".join(FACT_TABLES) + r")\b", re.I)
    found = {}
    for path in sorted((ROOT / "queries").glob("*.sql")) + sorted((ROOT / "queries" / "preaggregated").glob("*.sql")):
        if path.stem in NOT_LINTED:
            continue
        sql = re.sub(r"--[^\n]*", "", path.read_text())
        hits = pattern.findall(sql)
        if path.stem in ONE_CUSTOMER:
            assert "customer_in_reach($reach, $customer_id)" in sql, path.stem
            assert all("= (select customer_id from customer" in sql for _ in hits[:1]), path.stem
            continue
        if hits:
            found[path.stem] = sorted(set(hits))
    assert found == {}


def unscoped_preaggregate_reads(sql: str) -> list[str]:
    """The reads of a pre-aggregation (mart/preaggregates.sql) whose part of the query (up to the closing of its
    CTE) does not test the geography of $scope or $reach: the pre-aggregations keep the dealer and its place, and
    queries/routes.py routes only filters of geography alone, so that test is the whole scope."""
    from mart.build import preaggregate_tables

    sql = re.sub(r"--[^\n]*", "", sql)
    unscoped = []
    # campaign_counts holds each campaign's totals over the whole network: the denominators of a scope's share.
    placed = [t for t in preaggregate_tables() if t != "campaign_counts"]
    scoped = re.compile(r"in_geo\(region, province, dealer_id, (\$scope|\$reach|s)\)")
    for hit in re.finditer(r"\b(?:from|join)\s+(" + "|".join(placed) + r")\b", sql, re.I):
        part = sql[hit.end():].split("\n)", 1)[0]
        if scoped.search(part):
            continue
        # or narrowed to the keys of a part that is itself scoped: ... in (select k from <cte>)
        narrowed = re.search(r"\bin \(select [\w, ]+ from (\w+)\)", part)
        cte = narrowed and re.search(rf"\b{narrowed.group(1)} as \((.*?)\n\)", sql, re.S)
        if not (cte and scoped.search(cte.group(1))):
            unscoped.append(hit.group(1))
    return unscoped


def test_every_read_of_a_preaggregation_is_scoped():
    routed = sorted((ROOT / "queries" / "preaggregated").glob("*.sql"))   # the routed files and their macros
    assert routed
    assert {path.stem: unscoped_preaggregate_reads(path.read_text()) for path in routed} == {p.stem: [] for p in routed}
    # the lint's own check
    assert unscoped_preaggregate_reads("with a as (\n select sum(units) from sales_months where month >= $start_on\n)") == ["sales_months"]
    assert unscoped_preaggregate_reads("with a as (\n select k from sales_months where in_geo(region, province, dealer_id, $scope)\n),\n"
                                       "b as (\n select k from service_months where k in (select k from a)\n)") == []
    assert unscoped_preaggregate_reads("with a as (\n select k from sales_months where month > 1\n),\n"
                                       "b as (\n select k from service_months where k in (select k from a)\n)") == ["sales_months", "service_months"]


def test_the_lint_catches_a_fact_read_around_the_macros(tmp_path):
    """The lint's own check: a planted direct read is found."""
    pattern = re.compile(r"\b(?:from|join)\s+(" + "|".join(FACT_TABLES) + r")\b", re.I)
    assert pattern.findall("select count(*) from sales where sold_on > $start_on")
    assert not pattern.findall("select count(*) from scoped_sales($start_on, $end_on, $scope)")


# ----------------------------------------------------------------------------------------------- exports

def test_exports_neutralise_cells_a_spreadsheet_would_run(tmp_path):
    import zipfile

    from dashboard import export

    df = pl.DataFrame({"name": ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tx", "plain"], "n": [1, -2, 3, 4, 5, 6]})
    text = export.to_csv(df, "t", "none", date(2024, 1, 1)).decode("utf-8")
    body = pl.read_csv(text.encode(), comment_prefix="#")
    assert body["name"].to_list() == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'-1", "'@SUM(A1)", "'\tx", "plain"]
    assert body["n"].to_list() == [1, -2, 3, 4, 5, 6]   # numbers stay numbers
    xlsx = tmp_path / "t.xlsx"
    xlsx.write_bytes(export.to_excel(df, "=t", "none", date(2024, 1, 1)))
    with zipfile.ZipFile(xlsx) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets   # no formula anywhere in the workbook
    assert pl.read_excel(xlsx, sheet_name="data")["name"][0] == "'=HYPERLINK(\"http://x\",\"y\")"


# ------------------------------------------------------------------------------------------------ the frame

def test_a_companys_mart_is_not_served_without_sign_in_unless_the_operator_says_so(tmp_path, monkeypatch):
    # Used to break too: a mart of a few months failed outright (the default period began before its first sale).
    from streamlit.testing.v1 import AppTest

    from mart.load import load
    from tests.test_load import write_src

    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "src"), db)
    monkeypatch.setenv("CRM_MART", str(db))
    monkeypatch.delenv("CRM_NO_AUTH", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign-in is not configured"]
    assert at.metric.len == 0 and at.dataframe.len == 0
    monkeypatch.setenv("CRM_NO_AUTH", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("everyone who reaches this server sees all data" in w.value for w in at.sidebar.warning)
    assert at.metric.len > 0


def test_the_demo_runs_without_sign_in_and_says_so(app_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any(i.value == "Demo: no sign-in, all data." for i in at.sidebar.info)


def test_the_admin_reads_the_audit_log_in_the_app(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from dashboard import audit

    monkeypatch.setenv("CRM_AUDIT", str(tmp_path / "audit.duckdb"))
    page = str(ROOT / "views" / "audit_log.py")
    at = AppTest.from_file(page, default_timeout=30)
    at.session_state["access"] = Access("rm@example.com", "regional_manager", regions=("East",))
    at.run()
    assert not at.exception and not at.title   # the page checks the role itself, not only the navigation
    admin = Access("it@example.com", "admin")
    at = AppTest.from_file(page, default_timeout=30)
    at.session_state["access"] = admin
    at.run()
    assert not at.exception
    assert any("Nothing has been revealed" in i.value for i in at.info)
    audit.record(Access("rm@example.com", "regional_manager", regions=("East",)), "reveal", customer_id="C1",
                 reason="callback")
    audit.record(Access("cs@example.com", "customer_service"), "export", customer_id="C2", reason="complaint",
                 detail="customer_360 profile, 1 row")
    at = AppTest.from_file(page, default_timeout=30)
    at.session_state["access"] = admin
    at.run()
    shown = at.dataframe[0].value
    assert shown[["user_id", "action", "customer_id", "reason"]].values.tolist() == [
        ["cs@example.com", "export", "C2", "complaint"], ["rm@example.com", "reveal", "C1", "callback"]]


def test_the_audit_log_survives_a_rebuild_of_the_mart(tmp_path, monkeypatch):
    from dashboard import audit
    from mart.generate import generate

    db = tmp_path / "mart.duckdb"
    monkeypatch.setenv("CRM_MART", str(db))
    monkeypatch.delenv("CRM_AUDIT", raising=False)
    generate(db, scale="s", seed=7, progress=False)
    audit.record(Access("a@x", "executive"), "reveal", customer_id="C00000001", reason="why")
    generate(db, scale="s", seed=8, progress=False)
    assert audit.audit_path() == tmp_path / "mart.audit.duckdb"
    assert audit.recent()["customer_id"].to_list() == ["C00000001"]


def test_a_limited_person_sees_only_the_campaigns_that_reached_them_without_their_national_cost(mart, tables, year):
    region = regions(tables)[0]
    everything = runner.run(mart, "campaign_results", year)
    mine = runner.run(mart, "campaign_results", year, access=Access("rm", "regional_manager", regions=(region,)))
    assert everything["budget"].null_count() == 0 and everything["cost_share"].null_count() == 0
    assert mine["budget"].null_count() == mine["actual_cost"].null_count() == mine["cost_share"].null_count() == mine.height
    in_scope = runner.run(mart, "campaign_results", replace(year, region=region))
    assert sorted(mine["campaign_id"]) == sorted(in_scope.filter(pl.col("cost_share") > 0)["campaign_id"])
    want = dict(zip(in_scope["campaign_id"], in_scope["cost_in_scope"]))
    for campaign, cost in zip(mine["campaign_id"], mine["cost_in_scope"]):
        assert cost == pytest.approx(want[campaign], rel=1e-12)


@pytest.mark.parametrize("name", ["complaint_dealers", "complaint_step_times", "dealer_scorecard",
                                  "target_attainment_dealers", "target_attainment_monthly"])
def test_region_and_national_rows_are_named_as_such_not_after_one_of_their_dealers(mart, as_of, year, name):
    # Used to break: any_value(dealer_name) labelled a region's row with some dealer's name.
    extra = {"as_of": as_of} if name.startswith("complaint") else {}
    got = runner.run(mart, name, year, **extra)
    rolled = got.filter(pl.col("level") != "dealer")
    assert rolled.height > 0 and rolled["dealer_name"].null_count() == rolled.height
    assert got.filter(pl.col("level") == "dealer")["dealer_name"].null_count() == 0
    if "province" in got.columns:
        assert rolled["province"].null_count() == rolled.height
